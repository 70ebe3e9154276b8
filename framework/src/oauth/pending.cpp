// SPDX-License-Identifier: Apache-2.0
#include "oauth/pending.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>

#include "http/form.hpp"
#include "http/json_body.hpp"
#include "oauth/json_text.hpp"

namespace authd::oauth {
namespace {

constexpr std::uint8_t kAllPrompts = 0x0F;

void member(std::string& out, std::string_view name, std::string_view value) {
    out += ',';
    appendJsonString(out, name);
    out += ':';
    appendJsonString(out, value);
}

sdk::Error malformed(const std::string& what) {
    return sdk::makeError(sdk::ErrorCode::invalid_argument,
                          "the stored authorization request is malformed: " + what);
}

// The members of a flat JSON object: strings and integers are kept, anything else is only
// known to be there. Every page of a sign-in decodes its pending request, so the form that
// encodeAuthorizeRequest writes is read without building Poco objects (parseFlat); anything
// that parser does not take on (nested values, fractions, \u escapes beyond ASCII, duplicate
// names) goes through Poco's parser, into the same shape.
struct FlatValue {
    enum class Kind : std::uint8_t { string, integer, other };
    Kind kind = Kind::other;
    std::string text;
    std::int64_t number = 0;
};
using FlatObject = std::vector<std::pair<std::string, FlatValue>>;

const FlatValue* findMember(const FlatObject& object, std::string_view name) {
    for (const auto& [key, value] : object) {
        if (key == name) {
            return &value;
        }
    }
    return nullptr;
}

class FlatParser {
public:
    explicit FlatParser(std::string_view json) : json_(json) {}

    // nullopt when the text is not in the subset this parser takes on.
    std::optional<FlatObject> parse() {
        FlatObject object;
        skipSpace();
        if (!take('{')) {
            return std::nullopt;
        }
        skipSpace();
        if (take('}')) {
            return finish(std::move(object));
        }
        for (;;) {
            std::string key;
            skipSpace();
            if (!readString(key) || findMember(object, key) != nullptr) {
                return std::nullopt;
            }
            skipSpace();
            if (!take(':')) {
                return std::nullopt;
            }
            skipSpace();
            FlatValue value;
            if (pos_ < json_.size() && json_[pos_] == '"') {
                value.kind = FlatValue::Kind::string;
                if (!readString(value.text)) {
                    return std::nullopt;
                }
            } else if (readInteger(value.number)) {
                value.kind = FlatValue::Kind::integer;
            } else {
                return std::nullopt;
            }
            object.emplace_back(std::move(key), std::move(value));
            skipSpace();
            if (take('}')) {
                return finish(std::move(object));
            }
            if (!take(',')) {
                return std::nullopt;
            }
        }
    }

private:
    std::optional<FlatObject> finish(FlatObject object) {
        skipSpace();
        if (pos_ != json_.size()) {
            return std::nullopt;
        }
        return object;
    }

    void skipSpace() {
        while (pos_ < json_.size() && (json_[pos_] == ' ' || json_[pos_] == '\t' ||
                                       json_[pos_] == '\n' || json_[pos_] == '\r')) {
            ++pos_;
        }
    }

    bool take(char c) {
        if (pos_ < json_.size() && json_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    bool readString(std::string& out) {
        if (!take('"')) {
            return false;
        }
        out.clear();
        std::size_t run = pos_;
        while (pos_ < json_.size()) {
            const char c = json_[pos_];
            if (c == '"') {
                out.append(json_.data() + run, pos_ - run);
                ++pos_;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                return false;
            }
            if (c != '\\') {
                ++pos_;
                continue;
            }
            out.append(json_.data() + run, pos_ - run);
            if (pos_ + 1 >= json_.size()) {
                return false;
            }
            const char escaped = json_[pos_ + 1];
            pos_ += 2;
            switch (escaped) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                if (pos_ + 4 > json_.size()) {
                    return false;
                }
                int code = 0;
                for (std::size_t i = 0; i < 4; ++i) {
                    const int digit = http::hexValue(json_[pos_ + i]);
                    if (digit < 0) {
                        return false;
                    }
                    code = code * 16 + digit;
                }
                if (code >= 0x80) {
                    return false;  // left to Poco (UTF-8 encoding, surrogate pairs)
                }
                out += static_cast<char>(code);
                pos_ += 4;
                break;
            }
            default:
                return false;
            }
            run = pos_;
        }
        return false;
    }

    bool readInteger(std::int64_t& out) {
        const std::size_t start = pos_;
        const bool negative = take('-');
        const std::size_t digits = pos_;
        std::uint64_t value = 0;
        while (pos_ < json_.size() && json_[pos_] >= '0' && json_[pos_] <= '9') {
            if (value > (static_cast<std::uint64_t>(INT64_MAX) - 9) / 10) {
                return false;  // out of range for this parser
            }
            value = value * 10 + static_cast<std::uint64_t>(json_[pos_] - '0');
            ++pos_;
        }
        if (pos_ == digits || (json_[digits] == '0' && pos_ - digits > 1)) {
            pos_ = start;
            return false;
        }
        if (pos_ < json_.size() &&
            (json_[pos_] == '.' || json_[pos_] == 'e' || json_[pos_] == 'E')) {
            return false;
        }
        out = negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
        return true;
    }

    std::string_view json_;
    std::size_t pos_ = 0;
};

// Any JSON object, through Poco; nullopt when `json` is not one.
std::optional<FlatObject> parseWithPoco(std::string_view json) {
    auto parsed = http::parseJsonObject(json);
    if (!parsed) {
        return std::nullopt;
    }
    FlatObject object;
    for (const auto& [name, var] : **parsed) {
        FlatValue value;
        try {
            if (var.isString()) {
                value.kind = FlatValue::Kind::string;
                value.text = var.extract<std::string>();
            } else if (var.isInteger()) {
                value.number = var.convert<std::int64_t>();
                value.kind = FlatValue::Kind::integer;
            }
        } catch (const Poco::Exception&) {
            value.kind = FlatValue::Kind::other;
        }
        object.emplace_back(name, std::move(value));
    }
    return object;
}

// Reads an optional string member; false when it is present with another type.
bool readString(const FlatObject& object, std::string_view name, std::string& out) {
    const FlatValue* value = findMember(object, name);
    if (value == nullptr) {
        out.clear();
        return true;
    }
    if (value->kind != FlatValue::Kind::string) {
        return false;
    }
    out = value->text;
    return true;
}

bool readInteger(const FlatObject& object, std::string_view name, std::int64_t& out) {
    const FlatValue* value = findMember(object, name);
    if (value == nullptr || value->kind != FlatValue::Kind::integer) {
        return false;
    }
    out = value->number;
    return true;
}

}  // namespace

std::string encodeAuthorizeRequest(const AuthorizeRequest& request) {
    std::string out = "{\"v\":" + std::to_string(kPendingFormatVersion);
    member(out, "client_id", request.client_id);
    member(out, "redirect_uri", request.redirect_uri);
    member(out, "scope", request.scope);
    if (request.has_state) {
        member(out, "state", request.state);
    }
    member(out, "nonce", request.nonce);
    member(out, "code_challenge", request.code_challenge);
    member(out, "code_challenge_method", request.code_challenge_method);
    out += ",\"prompt\":" + std::to_string(request.prompt);
    out += ",\"max_age\":" + std::to_string(request.max_age);
    member(out, "login_hint", request.login_hint);
    member(out, "display", request.display);
    member(out, "ui_locales", request.ui_locales);
    member(out, "claims_locales", request.claims_locales);
    member(out, "acr_values", request.acr_values);
    member(out, "claims", request.claims);
    out += '}';
    return out;
}

sdk::Result<AuthorizeRequest> decodeAuthorizeRequest(std::string_view params) {
    std::optional<FlatObject> parsed = FlatParser(params).parse();
    if (!parsed) {
        parsed = parseWithPoco(params);
    }
    if (!parsed) {
        return malformed("not a JSON object");
    }
    const FlatObject& object = *parsed;
    std::int64_t version = 0;
    if (!readInteger(object, "v", version) || version != kPendingFormatVersion) {
        return malformed("unknown format version");
    }
    AuthorizeRequest request;
    const std::pair<const char*, std::string*> strings[] = {
        {"client_id", &request.client_id},
        {"redirect_uri", &request.redirect_uri},
        {"scope", &request.scope},
        {"nonce", &request.nonce},
        {"code_challenge", &request.code_challenge},
        {"code_challenge_method", &request.code_challenge_method},
        {"login_hint", &request.login_hint},
        {"display", &request.display},
        {"ui_locales", &request.ui_locales},
        {"claims_locales", &request.claims_locales},
        {"acr_values", &request.acr_values},
        {"claims", &request.claims},
    };
    for (const auto& [name, target] : strings) {
        if (!readString(object, name, *target)) {
            return malformed(std::string(name) + " is not a string");
        }
    }
    if (request.client_id.empty() || request.redirect_uri.empty()) {
        return malformed("client_id or redirect_uri is missing");
    }
    request.has_state = findMember(object, "state") != nullptr;
    if (!readString(object, "state", request.state)) {
        return malformed("state is not a string");
    }
    std::int64_t prompt = 0;
    if (!readInteger(object, "prompt", prompt) || prompt < 0 || prompt > kAllPrompts) {
        return malformed("prompt is not a valid set");
    }
    request.prompt = static_cast<std::uint8_t>(prompt);
    std::int64_t max_age = -1;
    if (!readInteger(object, "max_age", max_age) || max_age < -1) {
        return malformed("max_age is not a valid number");
    }
    request.max_age = max_age;
    return request;
}

}  // namespace authd::oauth
