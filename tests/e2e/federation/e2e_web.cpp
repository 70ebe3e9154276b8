// SPDX-License-Identifier: Apache-2.0
#include "e2e_web.hpp"

#include <cctype>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>

extern char** environ;

namespace authd::test::e2e {

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& ready,
                           std::chrono::seconds timeout, const std::string& working_dir) {
    std::random_device device;
    log_path_ = (std::filesystem::temp_directory_path() /
                 ("authd-e2e-child-" + std::to_string(device()) + ".log"))
                    .string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<std::string> args = argv;
    if (!working_dir.empty()) {
        // posix_spawn has no portable chdir action in glibc 2.36's headers: go through sh.
        args = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", working_dir};
        args.insert(args.end(), argv.begin(), argv.end());
    }
    std::vector<char*> raw;
    for (auto& arg : args) {
        raw.push_back(arg.data());
    }
    raw.push_back(nullptr);
    const int spawned = posix_spawnp(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start " + argv.front());
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (output().find(ready) == std::string::npos) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error(argv.front() + " exited before it was ready:\n" + output());
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error(argv.front() + " was not ready in time:\n" + output());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        bool gone = false;
        for (int i = 0; i < 100 && !gone; ++i) {
            gone = waitpid(pid_, &status, WNOHANG) == pid_;
            if (!gone) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        if (!gone) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
    }
    std::error_code ec;
    std::filesystem::remove(log_path_, ec);
}

std::string ChildProcess::output() const {
    return readAll(log_path_);
}

std::uint16_t freePort(const std::string& host) {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(host, 0));
    const auto port = socket.address().port();
    socket.close();
    return port;
}

std::string urlEncode(const std::string& text) {
    std::string out;
    Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]%\" <>", out);
    return out;
}

std::string formBody(const Params& params) {
    std::string body;
    for (const auto& [name, value] : params) {
        body += (body.empty() ? "" : "&") + urlEncode(name) + "=" + urlEncode(value);
    }
    return body;
}

std::map<std::string, std::string> queryOf(const std::string& url) {
    std::map<std::string, std::string> out;
    for (const auto& [name, value] : Poco::URI(url).getQueryParameters()) {
        out.emplace(name, value);
    }
    return out;
}

HttpResult httpRequest(const std::string& method, const std::string& url, const std::string& body,
                       const std::string& content_type,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
    const Poco::URI uri(url);
    if (uri.getScheme() != "http") {
        throw std::runtime_error("only http:// URLs: " + url);
    }
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(30, 0));
    std::string target = uri.getPathEtc();
    Poco::Net::HTTPRequest request(method, target.empty() ? "/" : target,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) {
        request.add(name, value);
    }
    if (!content_type.empty()) {
        request.setContentType(content_type);
    }
    if (!body.empty() || method == "POST") {
        request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostream& out = session.sendRequest(request);
    out << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpResult result;
    result.status = static_cast<int>(response.getStatus());
    for (const auto& [name, value] : response) {
        result.headers.emplace_back(name, value);
    }
    std::ostringstream text;
    text << in.rdbuf();
    result.body = text.str();
    return result;
}

std::string resolveUrl(const std::string& base, const std::string& location) {
    if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) {
        return location;
    }
    Poco::URI resolved(base);
    resolved.resolve(location);
    return resolved.toString();
}

HttpResult Browser::get(const std::string& url) {
    return send("GET", url, {}, {});
}

HttpResult Browser::postForm(const std::string& url, const Params& params) {
    return send("POST", url, formBody(params), "application/x-www-form-urlencoded");
}

HttpResult Browser::follow(const HttpResult& redirect, const std::string& base) {
    if (!isRedirect(redirect.status)) {
        throw std::runtime_error("expected a redirect from " + base + ", got " +
                                 std::to_string(redirect.status) + ": " + redirect.body);
    }
    return get(resolveUrl(base, redirect.header("Location")));
}

std::string Browser::cookie(const std::string& host, const std::string& name) const {
    const auto jar = jars_.find(host);
    if (jar == jars_.end()) {
        return {};
    }
    const auto found = jar->second.find(name);
    return found == jar->second.end() ? std::string() : found->second;
}

HttpResult Browser::send(const std::string& method, const std::string& url, const std::string& body,
                         const std::string& content_type) {
    last_url_ = url;
    const std::string host = Poco::URI(url).getHost();
    auto& jar = jars_[host];
    std::vector<std::pair<std::string, std::string>> headers;
    std::string cookies;
    for (const auto& [name, value] : jar) {
        cookies += (cookies.empty() ? "" : "; ") + name + "=" + value;
    }
    if (!cookies.empty()) {
        headers.emplace_back("Cookie", cookies);
    }
    HttpResult result = httpRequest(method, url, body, content_type, headers);
    for (const auto& [name, value] : result.headers) {
        if (Poco::icompare(name, "Set-Cookie") != 0) {
            continue;
        }
        const std::string pair = value.substr(0, value.find(';'));
        const auto eq = pair.find('=');
        const std::string cookie_name = pair.substr(0, eq);
        const std::string cookie_value =
            eq == std::string::npos ? std::string() : pair.substr(eq + 1);
        const std::string lower = Poco::toLower(value);
        if (lower.find("max-age=0") != std::string::npos ||
            lower.find("expires=thu, 01 jan 1970") != std::string::npos || cookie_value.empty()) {
            jar.erase(cookie_name);
        } else {
            jar[cookie_name] = cookie_value;
        }
    }
    return result;
}

std::string unescapeHtml(const std::string& text) {
    std::string out = text;
    for (const auto& [entity, plain] : std::vector<std::pair<std::string, std::string>>{
             {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
        for (std::size_t at = out.find(entity); at != std::string::npos;
             at = out.find(entity, at + plain.size())) {
            out.replace(at, entity.size(), plain);
        }
    }
    return out;
}

std::string hiddenValue(const std::string& html, const std::string& name) {
    const std::regex pattern("<input type=\"hidden\" name=\"" + name + "\" value=\"([^\"]*)\"");
    std::smatch match;
    return std::regex_search(html, match, pattern) ? unescapeHtml(match[1].str()) : std::string();
}

std::string formAction(const std::string& html) {
    const std::regex pattern("<form[^>]*action=\"([^\"]*)\"");
    std::smatch match;
    return std::regex_search(html, match, pattern) ? unescapeHtml(match[1].str()) : std::string();
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

}  // namespace authd::test::e2e
