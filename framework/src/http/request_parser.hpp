// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/headers.hpp"
#include "http/limits.hpp"
#include "http/pipeline.hpp"

namespace authd::http {

/// An incremental HTTP/1.1 request parser (RFC 9112) for the event-driven server: bytes go in
/// as they arrive, in pieces of any size, and it says when a request head or a whole request
/// is there. It never blocks and never holds more than one request head plus the bytes of one
/// read beyond the body limit. Strict where leniency lets requests be smuggled or misread:
/// CRLF or bare LF line ends; no whitespace before a field's colon, no obsolete line folding,
/// no control characters (NUL included) in the request line or a field; Content-Length must be
/// digits, and several must agree; Transfer-Encoding must be exactly `chunked` and never beside
/// Content-Length; chunk sizes are hex within the body limit. Every refusal is a Rejection
/// with the status the previous Poco server gave (400, 413, 414, 431) plus 501 for an
/// unknown transfer coding and 505 for an HTTP version other than 1.0 and 1.1; all of them
/// close the connection. Threading: one thread at a time (owned by one connection).
class RequestParser {
  public:
    enum class Status {
        need_more,    ///< feed more bytes
        head,         ///< the request line and fields are complete (reported once per request)
        complete,     ///< the whole request, body included, is there
        error,        ///< refused: see rejection()
    };

    /// At most this many header fields (Poco allowed 100 too).
    static constexpr std::size_t kMaxFields = 100;
    /// A chunk-size line (size and extensions) longer than this is refused.
    static constexpr std::size_t kMaxChunkLine = 1024;

    explicit RequestParser(const Limits& limits) : limits_(limits) {}

    /// Appends received bytes to the parser's buffer; call parse() next.
    void feed(std::string_view bytes) { buffer_.append(bytes); }
    /// Advances over the buffered bytes. `head` is returned once, when the head completes
    /// (the caller may then answer `Expect: 100-continue` or refuse early); the next call goes
    /// on with the body.
    Status parse();
    /// The bytes of the peer ended (read returned 0): the rejection for a request cut short,
    /// which is a 400 for a truncated body.
    void endOfInput();
    /// Drops the finished request and keeps any pipelined bytes after it.
    void next();

    /// No byte of a next request has arrived yet (the connection is idle).
    bool idle() const noexcept { return state_ == State::request_line && buffer_.empty(); }
    /// The head was parsed (method, target, fields are set).
    bool headParsed() const noexcept { return head_parsed_; }

    const std::string& method() const noexcept { return method_; }
    const std::string& target() const noexcept { return target_; }
    const std::string& version() const noexcept { return version_; }
    Headers& headers() noexcept { return headers_; }
    std::string& body() noexcept { return body_; }
    /// HTTP/1.1 without `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`.
    bool keepAlive() const noexcept { return keep_alive_; }
    /// The client sent `Expect: 100-continue` and waits for an interim 100 before the body.
    bool expectsContinue() const noexcept { return expect_continue_; }
    /// Body bytes still to come (Content-Length framing), for messages.
    std::uint64_t bodyExpected() const noexcept { return content_length_; }
    const Rejection& rejection() const noexcept { return rejection_; }

  private:
    enum class State { request_line, fields, body, chunk_size, chunk_data, chunk_end, trailers,
                       done, failed };

    Status fail(int status, std::string_view code, std::string_view description);
    // One complete line from the buffer at pos_ (without its line end), or false when the
    // line has not fully arrived. `limit` bounds the line's length.
    bool takeLine(std::string_view& line, std::size_t limit, bool& too_long);
    Status parseRequestLine(std::string_view line);
    Status parseField(std::string_view line);
    Status finishHead();
    Status parseChunkSize(std::string_view line);

    Limits limits_;
    std::string buffer_;
    std::size_t pos_ = 0;        // parse position in buffer_
    std::size_t scanned_ = 0;    // buffer_ holds no line end between pos_ and here
    std::size_t head_bytes_ = 0; // bytes of the head so far
    State state_ = State::request_line;
    bool head_parsed_ = false;
    std::string method_;
    std::string target_;
    std::string version_;
    Headers headers_;
    std::string body_;
    bool keep_alive_ = true;
    bool expect_continue_ = false;
    std::uint64_t content_length_ = 0;
    std::uint64_t chunk_left_ = 0;
    Rejection rejection_;
};

} // namespace authd::http
