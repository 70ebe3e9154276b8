// SPDX-License-Identifier: Apache-2.0
// The HTTP/1.1 request parser of the event server as a libFuzzer target. Any bytes must give
// requests or a rejection, never a crash, a hang or undefined behaviour; and since the parser is
// incremental, how the bytes are cut into reads must not matter: the input fed whole, fed one
// byte at a time and fed in pieces of a size taken from the input all give the same requests
// (method, target, version, body, keep-alive) and the same rejection status.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_parser.hpp"

namespace {

using authd::http::RequestParser;

std::string outcome(std::string_view input, std::size_t piece) {
    authd::http::Limits limits;
    // Small limits, so that the fuzzer reaches them.
    limits.max_body_bytes = 512;
    limits.max_header_bytes = 1024;
    limits.max_uri_bytes = 256;
    RequestParser parser(limits);
    std::string events;
    std::size_t offset = 0;
    bool ended = false;
    for (;;) {
        switch (parser.parse()) {
        case RequestParser::Status::need_more:
            if (offset < input.size()) {
                const std::size_t n = std::min(piece, input.size() - offset);
                parser.feed(input.substr(offset, n));
                offset += n;
                continue;
            }
            // The client closes its side, as the event server sees it: mid-request only.
            if (!ended && !parser.idle()) {
                ended = true;
                parser.endOfInput();
                continue;
            }
            return events + "end|";
        case RequestParser::Status::head:
            events += "head " + parser.method() + ' ' + parser.target() + ' ' +
                      parser.version() + '|';
            continue;
        case RequestParser::Status::complete:
            events += "request " + parser.body() + (parser.keepAlive() ? " keep-alive|" : "|");
            parser.next();
            continue;
        case RequestParser::Status::error:
            return events + "error " + std::to_string(parser.rejection().response.status) + '|';
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // The first byte picks the third piece size; the rest is what the client sent.
    const std::size_t piece = 2 + data[0] % 61;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string whole = outcome(input, input.size() + 1);
    if (outcome(input, 1) != whole || outcome(input, piece) != whole) {
        __builtin_trap();
    }
    return 0;
}
