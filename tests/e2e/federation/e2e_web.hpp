// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/authd_process.hpp"

/// @file
/// Helpers for end-to-end tests that span several servers (federation_e2e_test,
/// smtp_e2e_test): a child process that prints READY, a free port on any loopback address,
/// and a browser whose cookie jar is keyed by host name only, as real browsers do
/// (RFC 6265 8.5: cookies do not isolate ports).

namespace authd::test::e2e {

/// A child process started with posix_spawn, its stdout and stderr captured to a file.
/// Construction waits until the output contains `ready` (throws std::runtime_error with the
/// output when it exits or times out first). SIGTERM, then SIGKILL, on destruction.
class ChildProcess {
  public:
    ChildProcess(const std::vector<std::string>& argv, const std::string& ready,
                 std::chrono::seconds timeout = std::chrono::seconds(60),
                 const std::string& working_dir = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    std::string output() const;
    int pid() const { return pid_; }

  private:
    int pid_ = -1;
    std::string log_path_;
};

/// A port nobody listens on at the moment, on `host` (any 127.x.y.z address).
std::uint16_t freePort(const std::string& host = "127.0.0.1");

using Params = std::vector<std::pair<std::string, std::string>>;

std::string urlEncode(const std::string& text);
std::string formBody(const Params& params);
std::map<std::string, std::string> queryOf(const std::string& url);

/// One HTTP request to an absolute http:// URL (no redirects followed).
HttpResult httpRequest(const std::string& method, const std::string& url,
                       const std::string& body = {}, const std::string& content_type = {},
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

/// A browser: one cookie jar per host name (ports share cookies, as in real browsers),
/// redirects followed only when asked.
class Browser {
  public:
    HttpResult get(const std::string& url);
    HttpResult postForm(const std::string& url, const Params& params);
    /// GET of a redirect's Location, resolved against `base` (the URL that answered).
    HttpResult follow(const HttpResult& redirect, const std::string& base);
    /// The URL the last request went to.
    const std::string& lastUrl() const { return last_url_; }
    std::string cookie(const std::string& host, const std::string& name) const;

    static bool isRedirect(int status) { return status == 301 || status == 302 || status == 303; }

  private:
    HttpResult send(const std::string& method, const std::string& url, const std::string& body,
                    const std::string& content_type);

    std::map<std::string, std::map<std::string, std::string>> jars_;
    std::string last_url_;
};

/// `location` made absolute against `base` ("http://host:port/path").
std::string resolveUrl(const std::string& base, const std::string& location);

/// The value of the hidden input `name` in `html`, or "".
std::string hiddenValue(const std::string& html, const std::string& name);
/// The action of the first form in `html` (HTML-unescaped), or "".
std::string formAction(const std::string& html);
/// `&amp;` and the other four entities back to text.
std::string unescapeHtml(const std::string& text);
bool contains(const std::string& text, const std::string& needle);

}  // namespace authd::test::e2e
