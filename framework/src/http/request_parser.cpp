// SPDX-License-Identifier: Apache-2.0
#include "http/request_parser.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "http/form.hpp"

namespace authd::http {
namespace {

// RFC 9110 5.6.2 tchar.
bool isTokenChar(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) {
        return true;
    }
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool isToken(std::string_view text) noexcept {
    return !text.empty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

std::string_view trimWhitespace(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// Each comma-separated element of a list-valued field, trimmed; calls `each` per element.
template <typename F>
void forEachElement(std::string_view value, F&& each) {
    while (true) {
        const std::size_t comma = value.find(',');
        const std::string_view element = trimWhitespace(value.substr(0, comma));
        if (!element.empty()) {
            each(element);
        }
        if (comma == std::string_view::npos) {
            return;
        }
        value.remove_prefix(comma + 1);
    }
}

} // namespace

RequestParser::Status RequestParser::fail(int status, std::string_view code,
                                          std::string_view description) {
    rejection_ = reject(status, code, description, true);
    state_ = State::failed;
    keep_alive_ = false;
    return Status::error;
}

bool RequestParser::takeLine(std::string_view& line, std::size_t limit, bool& too_long) {
    too_long = false;
    const std::size_t from = std::max(pos_, scanned_);
    const void* found = from < buffer_.size()
                            ? std::memchr(buffer_.data() + from, '\n', buffer_.size() - from)
                            : nullptr;
    if (found == nullptr) {
        scanned_ = buffer_.size();
        too_long = buffer_.size() - pos_ > limit;
        return false;
    }
    const auto end = static_cast<std::size_t>(static_cast<const char*>(found) - buffer_.data());
    const std::size_t length = end + 1 - pos_; // with its line end
    if (length > limit) {
        too_long = true;
        return false;
    }
    line = std::string_view(buffer_).substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    pos_ = end + 1;
    scanned_ = pos_;
    return true;
}

RequestParser::Status RequestParser::parse() {
    const std::size_t head_budget = limits_.max_header_bytes + 2; // + the empty line
    while (true) {
        std::string_view line;
        bool too_long = false;
        switch (state_) {
        case State::request_line:
        case State::fields:
        case State::trailers: {
            const std::size_t limit =
                head_bytes_ < head_budget ? head_budget - head_bytes_ : std::size_t{0};
            if (!takeLine(line, limit, too_long)) {
                if (too_long && state_ == State::request_line) {
                    if (buffer_.size() - pos_ > limits_.max_uri_bytes) {
                        return fail(414, "uri_too_long",
                                    "the request URI is longer than " +
                                        std::to_string(limits_.max_uri_bytes) + " bytes");
                    }
                    return fail(431, "headers_too_large",
                                "the request line is larger than " +
                                    std::to_string(limits_.max_header_bytes) + " bytes");
                }
                if (too_long) {
                    return fail(431, "headers_too_large",
                                std::string(state_ == State::trailers ? "the chunked trailer"
                                                                      : "the request headers") +
                                    " are larger than " +
                                    std::to_string(limits_.max_header_bytes) + " bytes");
                }
                buffer_.erase(0, pos_);
                scanned_ -= pos_;
                pos_ = 0;
                return Status::need_more;
            }
            head_bytes_ += line.size() + 2;
            Status status = Status::need_more;
            if (state_ == State::request_line) {
                if (line.empty()) {
                    continue; // RFC 9112 2.2: empty lines before a request line are ignored
                }
                status = parseRequestLine(line);
            } else if (state_ == State::fields) {
                status = line.empty() ? finishHead() : parseField(line);
                if (status == Status::head) {
                    return status;
                }
            } else if (line.empty()) {
                state_ = State::done;
            } else if (line.find(':') == std::string_view::npos) {
                return fail(400, "invalid_request", "malformed chunked trailer field");
            }
            if (status == Status::error) {
                return status;
            }
            break;
        }
        case State::body:
        case State::chunk_data: {
            const std::uint64_t wanted =
                state_ == State::body ? content_length_ - body_.size() : chunk_left_;
            const std::size_t take = static_cast<std::size_t>(
                std::min<std::uint64_t>(wanted, buffer_.size() - pos_));
            body_.append(buffer_, pos_, take);
            pos_ += take;
            if (take == wanted) {
                state_ = state_ == State::body ? State::done : State::chunk_end;
                break;
            }
            if (state_ == State::chunk_data) {
                chunk_left_ -= take;
            }
            buffer_.erase(0, pos_);
            pos_ = 0;
            scanned_ = 0;
            return Status::need_more;
        }
        case State::chunk_size:
        case State::chunk_end: {
            if (!takeLine(line, kMaxChunkLine, too_long)) {
                if (too_long) {
                    return fail(400, "invalid_request", "a chunk-size line is too long");
                }
                buffer_.erase(0, pos_);
                scanned_ -= pos_;
                pos_ = 0;
                return Status::need_more;
            }
            if (state_ == State::chunk_end) {
                if (!line.empty()) {
                    return fail(400, "invalid_request", "a chunk is longer than its size");
                }
                state_ = State::chunk_size;
            } else if (parseChunkSize(line) == Status::error) {
                return Status::error;
            }
            break;
        }
        case State::done:
            return Status::complete;
        case State::failed:
            return Status::error;
        }
    }
}

RequestParser::Status RequestParser::parseRequestLine(std::string_view line) {
    const std::size_t first = line.find(' ');
    const std::size_t second =
        first == std::string_view::npos ? std::string_view::npos : line.find(' ', first + 1);
    if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
        return fail(400, "invalid_request", "malformed request line");
    }
    const std::string_view method = line.substr(0, first);
    const std::string_view target = line.substr(first + 1, second - first - 1);
    const std::string_view version = line.substr(second + 1);
    if (!isToken(method)) {
        return fail(400, "invalid_request", "malformed request method");
    }
    method_ = method;
    if (target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u <= 0x20 || u == 0x7f;
        })) {
        return fail(400, "invalid_request", "malformed request target");
    }
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[5] < '0' ||
        version[5] > '9' || version[6] != '.' || version[7] < '0' || version[7] > '9') {
        return fail(400, "invalid_request", "malformed HTTP version");
    }
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        return fail(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served");
    }
    target_ = target;
    version_ = version;
    keep_alive_ = version == "HTTP/1.1";
    state_ = State::fields;
    return Status::need_more;
}

RequestParser::Status RequestParser::parseField(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') {
        return fail(400, "invalid_request", "obsolete line folding is not accepted");
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !isToken(line.substr(0, colon))) {
        return fail(400, "invalid_request", "malformed header field");
    }
    const std::string_view value = trimWhitespace(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return (u < 0x20 && u != '\t') || u == 0x7f;
        })) {
        return fail(400, "invalid_request", "a header field holds a control character");
    }
    if (headers_.fields().size() >= kMaxFields) {
        return fail(431, "headers_too_large",
                    "more than " + std::to_string(kMaxFields) + " header fields");
    }
    headers_.add(std::string(line.substr(0, colon)), std::string(value));
    return Status::need_more;
}

RequestParser::Status RequestParser::finishHead() {
    head_parsed_ = true;
    bool has_length = false;
    std::string length_text;
    bool has_coding = false;
    std::vector<std::string_view> codings;
    for (const auto& [name, value] : headers_.fields()) {
        if (equalsIgnoreCase(name, "Content-Length")) {
            if (has_length && value != length_text) {
                return fail(400, "invalid_request", "conflicting Content-Length fields");
            }
            has_length = true;
            length_text = value;
        } else if (equalsIgnoreCase(name, "Transfer-Encoding")) {
            has_coding = true;
            forEachElement(value, [&](std::string_view coding) { codings.push_back(coding); });
        } else if (equalsIgnoreCase(name, "Connection")) {
            forEachElement(value, [&](std::string_view option) {
                if (equalsIgnoreCase(option, "close")) {
                    keep_alive_ = false;
                } else if (equalsIgnoreCase(option, "keep-alive") && version_ == "HTTP/1.0") {
                    keep_alive_ = true;
                }
            });
        } else if (equalsIgnoreCase(name, "Expect")) {
            if (!equalsIgnoreCase(trimWhitespace(value), "100-continue")) {
                return fail(417, "expectation_failed", "only Expect: 100-continue is understood");
            }
            expect_continue_ = version_ == "HTTP/1.1";
        }
    }
    // A request with both framings is how requests get smuggled past proxies (RFC 9112 6.1).
    if (has_coding && has_length) {
        return fail(400, "invalid_request",
                    "Transfer-Encoding and Content-Length must not both be sent");
    }
    if (has_coding) {
        if (version_ != "HTTP/1.1") {
            return fail(400, "invalid_request", "Transfer-Encoding needs HTTP/1.1");
        }
        if (codings.empty()) {
            return fail(400, "invalid_request", "empty Transfer-Encoding");
        }
        if (codings.size() != 1 || !equalsIgnoreCase(codings.front(), "chunked")) {
            return fail(501, "not_implemented", "only the chunked transfer coding is accepted");
        }
        state_ = State::chunk_size;
    } else if (has_length) {
        ContentLength checked = checkContentLength(length_text, limits_.max_body_bytes);
        if (!checked.ok) {
            rejection_ = std::move(checked.rejection);
            state_ = State::failed;
            keep_alive_ = false;
            return Status::error;
        }
        content_length_ = checked.length;
        state_ = content_length_ > 0 ? State::body : State::done;
    } else {
        state_ = State::done; // no framing, no body (RFC 9112 6.3)
    }
    // Reserved up to 64 KiB only: a client announcing a large body may never send it.
    body_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(content_length_, 65536)));
    return Status::head;
}

RequestParser::Status RequestParser::parseChunkSize(std::string_view line) {
    std::size_t digits = 0;
    std::uint64_t size = 0;
    while (digits < line.size() && hexValue(line[digits]) >= 0) {
        if (digits == 15) { // 16 hex digits would overflow the check below
            return fail(400, "invalid_request", "a chunk size is too large");
        }
        size = size * 16 + static_cast<std::uint64_t>(hexValue(line[digits]));
        ++digits;
    }
    const std::string_view rest = trimWhitespace(line.substr(digits));
    if (digits == 0 || (!rest.empty() && rest.front() != ';')) {
        return fail(400, "invalid_request", "malformed chunk size");
    }
    if (size > limits_.max_body_bytes - std::min<std::size_t>(body_.size(), limits_.max_body_bytes)) {
        rejection_ = bodyTooLarge(limits_.max_body_bytes);
        state_ = State::failed;
        keep_alive_ = false;
        return Status::error;
    }
    if (size == 0) {
        head_bytes_ = 0; // the trailer section gets a head's budget of its own
        state_ = State::trailers;
    } else {
        chunk_left_ = size;
        state_ = State::chunk_data;
    }
    return Status::need_more;
}

void RequestParser::endOfInput() {
    switch (state_) {
    case State::body:
        fail(400, "invalid_request",
             "the request body ended after " + std::to_string(body_.size()) + " of " +
                 std::to_string(content_length_) + " bytes");
        break;
    case State::chunk_size:
    case State::chunk_data:
    case State::chunk_end:
    case State::trailers:
        fail(400, "invalid_request", "the chunked request body ended early");
        break;
    case State::request_line:
    case State::fields:
        if (!idle()) {
            fail(400, "invalid_request", "the request head ended early");
        }
        break;
    case State::done:
    case State::failed:
        break;
    }
}

void RequestParser::next() {
    buffer_.erase(0, pos_);
    pos_ = 0;
    scanned_ = 0;
    head_bytes_ = 0;
    state_ = State::request_line;
    head_parsed_ = false;
    method_.clear();
    target_.clear();
    version_.clear();
    headers_ = Headers{};
    body_ = std::string{};
    keep_alive_ = true;
    expect_continue_ = false;
    content_length_ = 0;
    chunk_left_ = 0;
    rejection_ = Rejection{};
}

} // namespace authd::http
