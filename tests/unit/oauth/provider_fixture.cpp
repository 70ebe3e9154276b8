// SPDX-License-Identifier: Apache-2.0
#include "provider_fixture.hpp"

#include <stdexcept>

#include <boost/test/unit_test.hpp>

#include "http/form.hpp"

namespace authd::oauth::test {
namespace {

std::string base64(std::string_view data) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const auto n = (static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16) |
                       (static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8) |
                       static_cast<unsigned>(static_cast<unsigned char>(data[i + 2]));
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == data.size()) {
        const auto n = static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == data.size()) {
        const auto n = (static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16) |
                       (static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string part(const std::string& jwt, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) {
        start = jwt.find('.', start);
        if (start == std::string::npos) {
            throw std::runtime_error("not a compact JWS");
        }
        ++start;
    }
    return jwt.substr(start, jwt.find('.', start) - start);
}

}  // namespace

std::pair<std::string, std::string> ProviderFixture::basic(const std::string& id,
                                                           const std::string& secret) {
    return {"Authorization", "Basic " + base64(http::percentEncode(id) + ":" +
                                               http::percentEncode(secret))};
}

json::Object jsonOf(const std::string& body) {
    auto parsed = json::parseObject(body, "the response");
    BOOST_REQUIRE_MESSAGE(parsed.has_value(), "not a JSON object: " + body);
    return std::move(parsed).value();
}

json::Object payloadOf(const std::string& jwt) {
    return jsonOf(crypto::base64UrlDecode(part(jwt, 1)).value());
}

json::Object headerOf(const std::string& jwt) {
    return jsonOf(crypto::base64UrlDecode(part(jwt, 0)).value());
}

std::string stringOf(const json::Object& object, std::string_view name) {
    return object.string(name).value_or("<absent>");
}

std::int64_t integerOf(const json::Object& object, std::string_view name) {
    return object.integer(name).value_or(-1);
}

const json::Value& memberOf(const json::Object& object, std::string_view name) {
    const json::Value* value = object.find(name);
    BOOST_REQUIRE_MESSAGE(value != nullptr, std::string(name) + " is missing");
    return *value;
}

}  // namespace authd::oauth::test
