// SPDX-License-Identifier: Apache-2.0
#include "support/web_client.hpp"

#include <regex>
#include <sstream>
#include <stdexcept>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>  // the BASE64_* options
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace authd::test {

namespace {

struct HttpUrl {
    std::string host;
    std::uint16_t port = 80;
    std::string target;  ///< as written in the URL, so that tests can send odd ones
};

HttpUrl splitHttpUrl(const std::string& url) {
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0) {
        throw std::runtime_error("only http:// URLs: " + url);
    }
    const auto slash = url.find_first_of("/?", scheme.size());
    const std::string authority = url.substr(scheme.size(), slash - scheme.size());
    HttpUrl out;
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
        try {
            out.port = static_cast<std::uint16_t>(std::stoul(authority.substr(colon + 1)));
        } catch (const std::exception&) {
            throw std::runtime_error("no port number in " + url);
        }
    }
    out.target = slash == std::string::npos ? "/" : url.substr(slash);
    if (out.target.front() == '?') {
        out.target.insert(0, "/");
    }
    return out;
}

}  // namespace

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

std::string resolveUrl(const std::string& base, const std::string& location) {
    if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) {
        return location;
    }
    Poco::URI resolved(base);
    resolved.resolve(location);
    return resolved.toString();
}

HttpResult sendHttp(const std::string& host, std::uint16_t port, const std::string& method,
                    const std::string& target, const std::string& body,
                    const std::string& content_type, const Headers& headers,
                    std::chrono::seconds timeout) {
    Poco::Net::HTTPClientSession session(host, port);
    session.setTimeout(Poco::Timespan(static_cast<long>(timeout.count()), 0));
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) {
        request.add(name, value);
    }
    if (!content_type.empty()) {
        request.setContentType(content_type);
    }
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        request.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    session.sendRequest(request) << body;
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

HttpResult httpRequest(const std::string& method, const std::string& url, const std::string& body,
                       const std::string& content_type, const Headers& headers) {
    const HttpUrl parts = splitHttpUrl(url);
    return sendHttp(parts.host, parts.port, method, parts.target, body, content_type, headers);
}

Browser::Browser(std::string home) : home_(std::move(home)) {}

HttpResult Browser::get(const std::string& target) {
    return send("GET", target, {}, {});
}

HttpResult Browser::postForm(const std::string& target, const Params& params) {
    return send("POST", target, formBody(params), "application/x-www-form-urlencoded");
}

HttpResult Browser::follow(const HttpResult& redirect) {
    return follow(redirect, last_url_);
}

HttpResult Browser::follow(const HttpResult& redirect, const std::string& base) {
    if (!isRedirect(redirect.status)) {
        throw std::runtime_error("expected a redirect from " + base + ", got " +
                                 std::to_string(redirect.status) + ": " + redirect.body);
    }
    return get(resolveUrl(base, redirect.header("Location")));
}

std::string Browser::cookie(const std::string& name) const {
    return cookie(splitHttpUrl(home_).host, name);
}

std::string Browser::cookie(const std::string& host, const std::string& name) const {
    const auto jar = jars_.find(host);
    if (jar == jars_.end()) {
        return {};
    }
    const auto found = jar->second.find(name);
    return found == jar->second.end() ? std::string() : found->second;
}

void Browser::setCookie(const std::string& name, const std::string& value) {
    jars_[splitHttpUrl(home_).host][name] = value;
}

std::string Browser::absolute(const std::string& target) const {
    if (home_.empty() && target.rfind("http://", 0) == 0) {
        return target;
    }
    if (!home_.empty() && target.rfind('/', 0) == 0) {
        return home_ + target;
    }
    if (!home_.empty() && target.rfind(home_ + "/", 0) == 0) {
        return target;
    }
    throw std::runtime_error(home_.empty() ? "not an http:// URL: " + target
                                           : "not a URL on " + home_ + ": " + target);
}

HttpResult Browser::send(const std::string& method, const std::string& target,
                         const std::string& body, const std::string& content_type) {
    const std::string url = absolute(target);
    last_url_ = url;
    auto& jar = jars_[splitHttpUrl(url).host];
    Headers headers;
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

std::string toJson(const Poco::JSON::Object& object) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(object, out);
    return out.str();
}

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
    try {
        Poco::JSON::Parser parser;
        return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("not a JSON object (" + e.displayText() + "): " + text);
    }
}

Poco::JSON::Object::Ptr jwtClaims(const std::string& jwt) {
    const auto first = jwt.find('.');
    const auto second = first == std::string::npos ? first : jwt.find('.', first + 1);
    if (second == std::string::npos) {
        throw std::runtime_error("not a compact JWS: " + jwt);
    }
    std::istringstream in(jwt.substr(first + 1, second - first - 1));
    Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    std::ostringstream out;
    try {
        out << decoder.rdbuf();
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("a JWS payload that is not base64url (" + e.displayText() +
                                 "): " + jwt);
    }
    return parseObject(out.str());
}

}  // namespace authd::test
