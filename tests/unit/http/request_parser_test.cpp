// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "http/request_parser.hpp"

using authd::http::Limits;
using authd::http::RequestParser;
using Status = RequestParser::Status;

namespace {

Limits smallLimits() {
    Limits limits;
    limits.max_body_bytes = 1024;
    limits.max_header_bytes = 2048;
    limits.max_uri_bytes = 512;
    return limits;
}

// What parsing `bytes` in one piece ends with: the final status (head is stepped over).
struct Outcome {
    Status status = Status::need_more;
    int rejected_with = 0;
    std::string description;
};

Outcome parseAll(RequestParser& parser, const std::string& bytes) {
    parser.feed(bytes);
    Outcome outcome;
    do {
        outcome.status = parser.parse();
    } while (outcome.status == Status::head);
    if (outcome.status == Status::error) {
        outcome.rejected_with = parser.rejection().response.status;
        outcome.description = parser.rejection().response.body;
    }
    return outcome;
}

Outcome parseAll(const std::string& bytes, const Limits& limits = smallLimits()) {
    RequestParser parser(limits);
    return parseAll(parser, bytes);
}

int statusOf(const std::string& bytes) { return parseAll(bytes).rejected_with; }

} // namespace

BOOST_AUTO_TEST_SUITE(request_parser)

BOOST_AUTO_TEST_CASE(parses_a_simple_get) {
    RequestParser parser(smallLimits());
    parser.feed("GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Two:  spaced value \t\r\n\r\n");
    BOOST_TEST((parser.parse() == Status::head));
    BOOST_TEST(parser.method() == "GET");
    BOOST_TEST(parser.target() == "/a?b=c");
    BOOST_TEST(parser.version() == "HTTP/1.1");
    BOOST_TEST(parser.headers().get("x-two") == "spaced value");
    BOOST_TEST((parser.parse() == Status::complete));
    BOOST_TEST(parser.keepAlive());
    BOOST_TEST(parser.body().empty());
}

BOOST_AUTO_TEST_CASE(accepts_bare_lf_line_ends_and_leading_empty_lines) {
    RequestParser parser(smallLimits());
    const auto outcome = parseAll(parser, "\r\n\nGET / HTTP/1.0\nHost: x\n\n");
    BOOST_TEST((outcome.status == Status::complete));
    BOOST_TEST(!parser.keepAlive()); // HTTP/1.0 without keep-alive
}

BOOST_AUTO_TEST_CASE(connection_options_decide_keep_alive) {
    RequestParser close(smallLimits());
    parseAll(close, "GET / HTTP/1.1\r\nConnection: Keep-Alive, close\r\n\r\n");
    BOOST_TEST(!close.keepAlive());
    RequestParser old(smallLimits());
    parseAll(old, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    BOOST_TEST(old.keepAlive());
}

BOOST_AUTO_TEST_CASE(reads_a_content_length_body) {
    RequestParser parser(smallLimits());
    const auto outcome = parseAll(parser, "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
    BOOST_TEST((outcome.status == Status::complete));
    BOOST_TEST(parser.body() == "hello");
}

BOOST_AUTO_TEST_CASE(reads_a_chunked_body_with_extensions_and_trailers) {
    RequestParser parser(smallLimits());
    const auto outcome = parseAll(parser, "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                          "5;name=v\r\nhello\r\n1A\r\n" +
                                              std::string(26, 'z') +
                                              "\r\n0\r\nX-Trailer: t\r\n\r\n");
    BOOST_TEST((outcome.status == Status::complete));
    BOOST_TEST(parser.body() == "hello" + std::string(26, 'z'));
}

BOOST_AUTO_TEST_CASE(every_split_point_gives_the_same_requests) {
    // Two pipelined requests (one chunked, one with Content-Length) then a third GET, fed in
    // two pieces split at every byte, and also one byte at a time.
    const std::string wire = "POST /one HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                             "POST /two HTTP/1.1\r\nContent-Length: 4\r\n\r\nwxyz"
                             "GET /three HTTP/1.1\r\nX-Request-Id: r3\r\n\r\n";
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"/one", "abcde"}, {"/two", "wxyz"}, {"/three", ""}};
    auto run = [&](const std::vector<std::string>& pieces) {
        RequestParser parser(smallLimits());
        std::vector<std::pair<std::string, std::string>> got;
        for (const std::string& piece : pieces) {
            parser.feed(piece);
            for (;;) {
                const Status status = parser.parse();
                if (status == Status::head) {
                    continue;
                }
                if (status == Status::complete) {
                    got.emplace_back(parser.target(), parser.body());
                    parser.next();
                    continue;
                }
                BOOST_REQUIRE((status == Status::need_more));
                break;
            }
        }
        BOOST_TEST(parser.idle());
        return got;
    };
    for (std::size_t split = 0; split <= wire.size(); ++split) {
        BOOST_TEST_CONTEXT("split at " << split) {
            BOOST_TEST((run({wire.substr(0, split), wire.substr(split)}) == expected));
        }
    }
    std::vector<std::string> bytes;
    for (const char c : wire) {
        bytes.emplace_back(1, c);
    }
    BOOST_TEST((run(bytes) == expected));
}

BOOST_AUTO_TEST_CASE(head_is_reported_before_the_body_arrives) {
    RequestParser parser(smallLimits());
    parser.feed("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    BOOST_TEST((parser.parse() == Status::head));
    BOOST_TEST(parser.expectsContinue());
    BOOST_TEST((parser.parse() == Status::need_more));
    parser.feed("abc");
    BOOST_TEST((parser.parse() == Status::complete));
}

BOOST_AUTO_TEST_CASE(malformed_request_lines_are_400) {
    for (const std::string& line : std::vector<std::string>{"GET\r\n\r\n", "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 \r\n\r\n",
          "G(T / HTTP/1.1\r\n\r\n", "GET / HTTPS/1.1\r\n\r\n", "GET / HTTP/1\r\n\r\n",
          "GET /a\x01 HTTP/1.1\r\n\r\n", "GET /a\x7f HTTP/1.1\r\n\r\n",
          std::string("GET /\0 HTTP/1.1\r\n\r\n", 18), "\x16\x03\x01\x02\x05\x01\x07\x01\xfc\r\n"}) {
        BOOST_TEST_CONTEXT(line) { BOOST_TEST(statusOf(line) == 400); }
    }
    BOOST_TEST(statusOf("GET / HTTP/2.0\r\n\r\n") == 505);
    BOOST_TEST(statusOf("GET / HTTP/0.9\r\n\r\n") == 505);
}

BOOST_AUTO_TEST_CASE(malformed_fields_are_400) {
    for (const std::string& fields : std::vector<std::string>{"NoColon\r\n", "Bad Name: v\r\n", "Space : v\r\n", ": empty name\r\n",
          "X-Fold: a\r\n continued\r\n", std::string("X-Nul: a\0b\r\n", 12), "X-Ctl: a\x01\r\n",
          "X-Cr: a\rb\r\n"}) {
        BOOST_TEST_CONTEXT(fields) {
            BOOST_TEST(statusOf("GET / HTTP/1.1\r\n" + fields + "\r\n") == 400);
        }
    }
}

BOOST_AUTO_TEST_CASE(huge_heads_are_431_and_long_targets_414) {
    std::string fields;
    for (int i = 0; i < 10; ++i) {
        fields += "X-Filler-" + std::to_string(i) + ": " + std::string(300, 'v') + "\r\n";
    }
    BOOST_TEST(statusOf("GET / HTTP/1.1\r\n" + fields + "\r\n") == 431);
    // Refused as soon as the budget is exceeded, without waiting for the end of the head.
    BOOST_TEST(statusOf("GET / HTTP/1.1\r\nX-Big: " + std::string(4096, 'b')) == 431);
    std::string many;
    for (std::size_t i = 0; i <= RequestParser::kMaxFields; ++i) {
        many += "A:\r\n";
    }
    Limits roomy = smallLimits();
    roomy.max_header_bytes = 65536;
    BOOST_TEST(parseAll("GET / HTTP/1.1\r\n" + many + "\r\n", roomy).rejected_with == 431);
    BOOST_TEST(statusOf("GET /" + std::string(4000, 'u')) == 414);
    // A target within the head budget but over max_uri_bytes is left to the pipeline (414).
    BOOST_TEST((parseAll("GET /" + std::string(600, 'u') + " HTTP/1.1\r\n\r\n").status ==
                Status::complete));
    // Endless empty lines before a request line are bounded too.
    BOOST_TEST(statusOf(std::string(5000, '\n')) != 0);
}

BOOST_AUTO_TEST_CASE(bad_content_length_is_400_and_too_large_413) {
    for (const std::string& value : std::vector<std::string>{"-5", "+5", "5 5", "0x10", "", "abc", "1.0",
                                    "99999999999999999999999", "5,5"}) {
        BOOST_TEST_CONTEXT(value) {
            BOOST_TEST(statusOf("POST / HTTP/1.1\r\nContent-Length: " + value + "\r\n\r\n") ==
                       400);
        }
    }
    BOOST_TEST(statusOf("POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n") == 413);
    BOOST_TEST(statusOf("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") ==
               400);
    // Repeated with the same value is the same framing.
    BOOST_TEST((parseAll("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx")
                    .status == Status::complete));
}

BOOST_AUTO_TEST_CASE(conflicting_or_unknown_transfer_codings_are_refused) {
    BOOST_TEST(statusOf("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
                        "chunked\r\n\r\n") == 400);
    BOOST_TEST(statusOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: "
                        "3\r\n\r\n") == 400);
    BOOST_TEST(statusOf("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501);
    BOOST_TEST(statusOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n") == 501);
    BOOST_TEST(statusOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
                        "identity\r\n\r\n") == 501);
    BOOST_TEST(statusOf("POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n") == 400);
    BOOST_TEST(statusOf("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
    BOOST_TEST(statusOf("GET / HTTP/1.1\r\nExpect: something-else\r\n\r\n") == 417);
}

BOOST_AUTO_TEST_CASE(bad_chunks_are_refused) {
    const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const std::string& body : std::vector<std::string>{"z\r\n", "\r\n", "-1\r\n", "5 x\r\nhello\r\n0\r\n\r\n",
                                   "3\r\nabcd\r\n0\r\n\r\n", "0\r\nbad trailer\r\n\r\n",
                                   "ffffffffffffffffff\r\n", "1" + std::string(2000, ';') + "\r\n"}) {
        BOOST_TEST_CONTEXT(body) { BOOST_TEST(statusOf(head + body) == 400); }
    }
    // The sum of chunks over the body limit is 413, decided before the data arrives.
    BOOST_TEST(statusOf(head + "200\r\n" + std::string(512, 'x') + "\r\n201\r\n") == 413);
    BOOST_TEST(statusOf(head + "401\r\n") == 413);
}

BOOST_AUTO_TEST_CASE(end_of_input_mid_request_is_400_and_between_requests_nothing) {
    RequestParser body(smallLimits());
    parseAll(body, "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly-a-bit");
    body.endOfInput();
    BOOST_TEST((body.parse() == Status::error));
    BOOST_TEST(body.rejection().response.body.find("ended after 10 of 100 bytes") !=
               std::string::npos);
    RequestParser head(smallLimits());
    parseAll(head, "GET / HT");
    head.endOfInput();
    BOOST_TEST((head.parse() == Status::error));
    RequestParser idle(smallLimits());
    idle.endOfInput();
    BOOST_TEST((idle.parse() == Status::need_more));
    BOOST_TEST(idle.idle());
}

BOOST_AUTO_TEST_CASE(a_refusal_always_closes) {
    RequestParser parser(smallLimits());
    parseAll(parser, "GET / HTTP/1.1\r\nBad Field\r\n\r\n");
    BOOST_TEST(parser.rejection().close);
    BOOST_TEST(!parser.keepAlive());
}

BOOST_AUTO_TEST_CASE(garbage_never_crashes) {
    // A deterministic stream of hostile bytes: each prefix either waits or is refused.
    std::string noise;
    std::uint32_t state = 12345;
    for (int i = 0; i < 20000; ++i) {
        state = state * 1103515245u + 12345u;
        const char alphabet[] = "GET /HTTP1.0\r\n:; \t0123456789abcdefChunkedContent-Length\x00\xff";
        noise += alphabet[(state >> 16) % (sizeof alphabet - 1)];
    }
    for (std::size_t start = 0; start < noise.size(); start += 997) {
        RequestParser parser(smallLimits());
        const auto outcome = parseAll(parser, noise.substr(start, 3000));
        BOOST_TEST((outcome.status != Status::head));
    }
}

BOOST_AUTO_TEST_SUITE_END()
