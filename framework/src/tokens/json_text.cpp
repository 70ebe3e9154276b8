// SPDX-License-Identifier: Apache-2.0
#include "tokens/json_text.hpp"

#include <exception>
#include <limits>

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

namespace authd::tokens {

namespace {

// Tokens and JWKs are flat; a low limit keeps hostile nesting cheap.
constexpr std::size_t kMaxJsonDepth = 32;

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            if (byte < 0x20) {
                out.append("\\u00");
                out.push_back(kHex[byte >> 4]);
                out.push_back(kHex[byte & 0x0F]);
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

sdk::Result<Poco::JSON::Object::Ptr> parseJsonObject(std::string_view json, std::string_view what) {
    Poco::Dynamic::Var parsed;
    try {
        Poco::JSON::Parser parser;
        parser.setDepth(kMaxJsonDepth);
        parsed = parser.parse(std::string(json));
    } catch (const Poco::Exception&) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + " is not valid JSON");
    } catch (const std::exception&) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + " is not valid JSON");
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + " is not a JSON object");
    }
    auto object = parsed.extract<Poco::JSON::Object::Ptr>();
    if (object.isNull()) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + " is not a JSON object");
    }
    return object;
}

std::optional<std::string> stringMember(const Poco::JSON::Object& object, const std::string& name) {
    const Poco::Dynamic::Var value = object.get(name);
    if (value.isEmpty() || !value.isString()) {
        return std::nullopt;
    }
    try {
        return value.extract<std::string>();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

std::optional<std::int64_t> integerMember(const Poco::JSON::Object& object,
                                          const std::string& name) {
    const Poco::Dynamic::Var value = object.get(name);
    // Poco reports booleans as integers too.
    if (value.isEmpty() || value.isBoolean() || !value.isInteger()) {
        return std::nullopt;
    }
    try {
        if (value.isSigned()) {
            return value.convert<std::int64_t>();
        }
        const auto unsigned_value = value.convert<std::uint64_t>();
        if (unsigned_value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(unsigned_value);
    } catch (const Poco::Exception&) {
        return std::nullopt;
    }
}

}  // namespace authd::tokens
