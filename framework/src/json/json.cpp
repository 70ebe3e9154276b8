// SPDX-License-Identifier: Apache-2.0
#include "json/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace authd::json {

// ---- Object ----------------------------------------------------------------------------------

Object::Object(std::initializer_list<Member> members) {
    members_.reserve(members.size());
    for (const Member& member : members) {
        set(member.first, member.second);
    }
}

Object& Object::set(std::string name, Value value) {
    if (Value* existing = find(name)) {
        *existing = std::move(value);
    } else {
        members_.emplace_back(std::move(name), std::move(value));
    }
    return *this;
}

bool Object::remove(std::string_view name) {
    for (auto it = members_.begin(); it != members_.end(); ++it) {
        if (it->first == name) {
            members_.erase(it);
            return true;
        }
    }
    return false;
}

const Value* Object::find(std::string_view name) const noexcept {
    for (const Member& member : members_) {
        if (member.first == name) {
            return &member.second;
        }
    }
    return nullptr;
}

Value* Object::find(std::string_view name) noexcept {
    for (Member& member : members_) {
        if (member.first == name) {
            return &member.second;
        }
    }
    return nullptr;
}

std::optional<std::string> Object::string(std::string_view name) const {
    if (const std::string* text = stringPtr(name)) {
        return *text;
    }
    return std::nullopt;
}

const std::string* Object::stringPtr(std::string_view name) const noexcept {
    const Value* value = find(name);
    return value != nullptr && value->isString() ? &value->asString() : nullptr;
}

std::optional<std::int64_t> Object::integer(std::string_view name) const noexcept {
    const Value* value = find(name);
    if (value == nullptr || !value->isInteger()) {
        return std::nullopt;
    }
    return value->asInteger();
}

std::optional<bool> Object::boolean(std::string_view name) const noexcept {
    const Value* value = find(name);
    if (value == nullptr || !value->isBool()) {
        return std::nullopt;
    }
    return value->asBool();
}

const Array* Object::array(std::string_view name) const noexcept {
    const Value* value = find(name);
    return value != nullptr && value->isArray() ? &value->asArray() : nullptr;
}

const Object* Object::object(std::string_view name) const noexcept {
    const Value* value = find(name);
    return value != nullptr && value->isObject() ? &value->asObject() : nullptr;
}

bool Object::operator==(const Object& other) const { return members_ == other.members_; }

// ---- Value -----------------------------------------------------------------------------------

namespace {

constexpr auto kInt64Max = static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max());

[[noreturn]] void wrongType(const char* wanted) {
    throw TypeError(std::string("JSON value is not ") + wanted);
}

}  // namespace

Value::Value(unsigned long value) noexcept : Value(static_cast<unsigned long long>(value)) {}

Value::Value(unsigned long long value) noexcept {
    if (value <= kInt64Max) {
        data_ = static_cast<std::int64_t>(value);
    } else {
        data_ = static_cast<double>(value);
    }
}

namespace {

// The alternative T of a Value's variant, const or not, or TypeError naming what was wanted.
template <typename T, typename Variant>
auto& alternative(Variant& data, const char* wanted) {
    if (auto* value = std::get_if<T>(&data)) {
        return *value;
    }
    wrongType(wanted);
}

}  // namespace

bool Value::asBool() const { return alternative<bool>(data_, "a boolean"); }
std::int64_t Value::asInteger() const { return alternative<std::int64_t>(data_, "an integer"); }

double Value::asNumber() const {
    if (const std::int64_t* value = std::get_if<std::int64_t>(&data_)) {
        return static_cast<double>(*value);
    }
    return alternative<double>(data_, "a number");
}

const std::string& Value::asString() const { return alternative<std::string>(data_, "a string"); }
const Array& Value::asArray() const { return alternative<Array>(data_, "an array"); }
Array& Value::asArray() { return alternative<Array>(data_, "an array"); }
const Object& Value::asObject() const { return alternative<Object>(data_, "an object"); }
Object& Value::asObject() { return alternative<Object>(data_, "an object"); }

// ---- Parser ----------------------------------------------------------------------------------

namespace {

class Parser {
public:
    Parser(std::string_view text, std::size_t max_depth) : text_(text), max_depth_(max_depth) {}

    bool parseDocument(Value& out) {
        skipSpace();
        if (!parseValue(out, 0)) {
            return false;
        }
        skipSpace();
        if (pos_ != text_.size()) {
            return fail("unexpected text after the value");
        }
        return true;
    }

    std::string_view reason() const { return reason_; }
    std::size_t position() const { return pos_; }

private:
    bool fail(std::string_view reason) {
        if (reason_.empty()) {
            reason_ = reason;
        }
        return false;
    }

    bool atEnd() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    void skipSpace() {
        while (!atEnd()) {
            const char c = peek();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            ++pos_;
        }
    }

    bool literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) {
            return fail("invalid literal");
        }
        pos_ += word.size();
        return true;
    }

    bool parseValue(Value& out, std::size_t depth) {
        if (atEnd()) {
            return fail("unexpected end of text");
        }
        switch (peek()) {
        case '{': return parseObject(out, depth + 1);
        case '[': return parseArray(out, depth + 1);
        case '"': {
            std::string text;
            if (!parseString(text)) {
                return false;
            }
            out = Value(std::move(text));
            return true;
        }
        case 't':
            if (!literal("true")) {
                return false;
            }
            out = Value(true);
            return true;
        case 'f':
            if (!literal("false")) {
                return false;
            }
            out = Value(false);
            return true;
        case 'n':
            if (!literal("null")) {
                return false;
            }
            out = Value(nullptr);
            return true;
        default: return parseNumber(out);
        }
    }

    // Past a container's opening bracket and the space after it; fails when nested too deeply.
    bool enter(std::size_t depth) {
        if (depth > max_depth_) {
            return fail(kNestedTooDeeply);
        }
        ++pos_;
        skipSpace();
        return true;
    }

    // Consumes `close` when it comes next: the container is empty.
    bool empty(char close) {
        if (!atEnd() && peek() == close) {
            ++pos_;
            return true;
        }
        return false;
    }

    enum class After : std::uint8_t { another, closed, error };

    // What follows an item: a comma and another item, or the end of the container.
    After afterItem(char close, const char* expected) {
        skipSpace();
        if (atEnd()) {
            fail("unexpected end of text");
            return After::error;
        }
        if (peek() == ',') {
            ++pos_;
            return After::another;
        }
        if (peek() == close) {
            ++pos_;
            return After::closed;
        }
        fail(expected);
        return After::error;
    }

    bool parseObject(Value& out, std::size_t depth) {
        if (!enter(depth)) {
            return false;
        }
        Object object;
        After after = empty('}') ? After::closed : After::another;
        while (after == After::another) {
            skipSpace();
            if (atEnd() || peek() != '"') {
                return fail("expected a member name");
            }
            std::string name;
            if (!parseString(name)) {
                return false;
            }
            skipSpace();
            if (atEnd() || peek() != ':') {
                return fail("expected ':'");
            }
            ++pos_;
            skipSpace();
            Value value;
            if (!parseValue(value, depth)) {
                return false;
            }
            // A repeated name keeps its last value, as ECMAScript's JSON.parse does.
            object.set(std::move(name), std::move(value));
            after = afterItem('}', "expected ',' or '}'");
        }
        if (after == After::error) {
            return false;
        }
        out = Value(std::move(object));
        return true;
    }

    bool parseArray(Value& out, std::size_t depth) {
        if (!enter(depth)) {
            return false;
        }
        Array array;
        After after = empty(']') ? After::closed : After::another;
        while (after == After::another) {
            skipSpace();
            Value value;
            if (!parseValue(value, depth)) {
                return false;
            }
            array.push_back(std::move(value));
            after = afterItem(']', "expected ',' or ']'");
        }
        if (after == After::error) {
            return false;
        }
        out = Value(std::move(array));
        return true;
    }

    bool hex4(std::uint32_t& out) {
        if (text_.size() - pos_ < 4) {
            return fail("truncated \\u escape");
        }
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_++];
            std::uint32_t digit = 0;
            if (c >= '0' && c <= '9') {
                digit = static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                digit = static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                digit = static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return fail("invalid \\u escape");
            }
            out = (out << 4) | digit;
        }
        return true;
    }

    static void appendUtf8(std::string& out, std::uint32_t code) {
        if (code < 0x80) {
            out.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else if (code < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (code >> 18)));
            out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
    }

    bool escape(std::string& out) {
        ++pos_;  // '\\'
        if (atEnd()) {
            return fail("unexpected end of text");
        }
        const char c = text_[pos_++];
        switch (c) {
        case '"': out.push_back('"'); return true;
        case '\\': out.push_back('\\'); return true;
        case '/': out.push_back('/'); return true;
        case 'b': out.push_back('\b'); return true;
        case 'f': out.push_back('\f'); return true;
        case 'n': out.push_back('\n'); return true;
        case 'r': out.push_back('\r'); return true;
        case 't': out.push_back('\t'); return true;
        case 'u': break;
        default: return fail("invalid escape");
        }
        std::uint32_t code = 0;
        if (!hex4(code)) {
            return false;
        }
        if (code >= 0xDC00 && code <= 0xDFFF) {
            return fail("unpaired surrogate");
        }
        if (code >= 0xD800 && code <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") {
                return fail("unpaired surrogate");
            }
            pos_ += 2;
            std::uint32_t low = 0;
            if (!hex4(low)) {
                return false;
            }
            if (low < 0xDC00 || low > 0xDFFF) {
                return fail("unpaired surrogate");
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, code);
        return true;
    }

    // One UTF-8 sequence starting at pos_ (its first byte is >= 0x80), copied to out; refuses
    // overlong forms, surrogates and code points above U+10FFFF (RFC 3629).
    bool utf8(std::string& out) {
        const auto byte = [this](std::size_t at) {
            return static_cast<unsigned char>(text_[at]);
        };
        const unsigned char lead = byte(pos_);
        std::size_t length = 0;
        std::uint32_t code = 0;
        std::uint32_t min = 0;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            code = lead & 0x1Fu;
            min = 0x80;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            code = lead & 0x0Fu;
            min = 0x800;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            code = lead & 0x07u;
            min = 0x10000;
        } else {
            return fail("invalid UTF-8");
        }
        if (text_.size() - pos_ < length) {
            return fail("invalid UTF-8");
        }
        for (std::size_t i = 1; i < length; ++i) {
            const unsigned char next = byte(pos_ + i);
            if ((next & 0xC0u) != 0x80u) {
                return fail("invalid UTF-8");
            }
            code = (code << 6) | (next & 0x3Fu);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return fail("invalid UTF-8");
        }
        out.append(text_.substr(pos_, length));
        pos_ += length;
        return true;
    }

    bool parseString(std::string& out) {
        ++pos_;  // '"'
        for (;;) {
            // Copy the longest run that needs no attention in one go.
            std::size_t run = pos_;
            while (run < text_.size()) {
                const auto c = static_cast<unsigned char>(text_[run]);
                if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) {
                    break;
                }
                ++run;
            }
            out.append(text_.substr(pos_, run - pos_));
            pos_ = run;
            if (atEnd()) {
                return fail("unterminated string");
            }
            const auto c = static_cast<unsigned char>(peek());
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c == '\\') {
                if (!escape(out)) {
                    return false;
                }
            } else if (c < 0x20) {
                return fail("control character in a string");
            } else if (!utf8(out)) {
                return false;
            }
        }
    }

    bool parseNumber(Value& out) {
        const std::size_t start = pos_;
        if (!atEnd() && peek() == '-') {
            ++pos_;
        }
        const auto digits = [this] {
            const std::size_t from = pos_;
            while (!atEnd() && peek() >= '0' && peek() <= '9') {
                ++pos_;
            }
            return pos_ - from;
        };
        if (atEnd()) {
            return fail("unexpected end of text");
        }
        if (peek() == '0') {
            ++pos_;
        } else if (digits() == 0) {
            return fail("unexpected character");
        }
        bool integral = true;
        if (!atEnd() && peek() == '.') {
            ++pos_;
            integral = false;
            if (digits() == 0) {
                return fail("invalid number");
            }
        }
        if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            integral = false;
            if (!atEnd() && (peek() == '+' || peek() == '-')) {
                ++pos_;
            }
            if (digits() == 0) {
                return fail("invalid number");
            }
        }
        const char* first = text_.data() + start;
        const char* last = text_.data() + pos_;
        if (integral) {
            std::int64_t value = 0;
            const auto [end, error] = std::from_chars(first, last, value);
            if (error == std::errc() && end == last) {
                out = Value(value);
                return true;
            }
            // Out of int64's range: kept as a double, like any other large number.
        }
        // std::from_chars never depends on the locale. Past double's range either way
        // (1e400, 1e-400) is refused: no value the host reads is near those magnitudes.
        double value = 0;
        const auto [end, error] = std::from_chars(first, last, value);
        if (error == std::errc::result_out_of_range || !std::isfinite(value)) {
            return fail("number out of range");
        }
        if (error != std::errc() || end != last) {
            return fail("invalid number");
        }
        out = Value(value);
        return true;
    }

    std::string_view text_;
    std::size_t max_depth_;
    std::size_t pos_ = 0;
    std::string_view reason_;  // the first failure's; always a string literal
};

}  // namespace

std::optional<Value> tryParse(std::string_view text, ParseFailure& failure,
                              std::size_t max_depth) {
    Parser parser(text, max_depth);
    Value value;
    if (!parser.parseDocument(value)) {
        failure = ParseFailure{parser.reason(), parser.position()};
        return std::nullopt;
    }
    return value;
}

sdk::Result<Value> parse(std::string_view text, std::string_view what, std::size_t max_depth) {
    ParseFailure failure;
    auto value = tryParse(text, failure, max_depth);
    if (!value) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + " is not valid JSON: " +
                                  std::string(failure.reason) + " at byte " +
                                  std::to_string(failure.offset));
    }
    return std::move(*value);
}

sdk::Result<Object> parseObject(std::string_view text, std::string_view what,
                                std::size_t max_depth) {
    auto value = parse(text, what, max_depth);
    if (!value) {
        return std::move(value).error();
    }
    if (!value->isObject()) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + " is not a JSON object");
    }
    return std::move(value->asObject());
}

// ---- Writer ----------------------------------------------------------------------------------

void appendString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x20 && byte != '"' && byte != '\\') {
            continue;
        }
        out.append(text.substr(run, i - run));
        run = i + 1;
        switch (byte) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            out.append("\\u00");
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0x0F]);
        }
    }
    out.append(text.substr(run));
    out.push_back('"');
}

void write(const Value& value, std::string& out) {
    switch (value.type()) {
    case Type::null: out.append("null"); return;
    case Type::boolean: out.append(value.asBool() ? "true" : "false"); return;
    case Type::integer: {
        char buffer[24];
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, value.asInteger());
        out.append(buffer, result.ptr);
        return;
    }
    case Type::number: {
        const double number = value.asNumber();
        if (!std::isfinite(number)) {
            out.append("null");
            return;
        }
        char buffer[32];
        // Shortest text that reads back as the same double; a whole number gets ".0" so that
        // it reads back as a double too, not as an integer (100.0 stays "100.0", not "100").
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
        const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
        out.append(text);
        if (text.find_first_of(".e") == std::string_view::npos) {
            out.append(".0");
        }
        return;
    }
    case Type::string: appendString(out, value.asString()); return;
    case Type::array: {
        out.push_back('[');
        bool first = true;
        for (const Value& item : value.asArray()) {
            if (!first) {
                out.push_back(',');
            }
            first = false;
            write(item, out);
        }
        out.push_back(']');
        return;
    }
    case Type::object: write(value.asObject(), out); return;
    }
}

void write(const Object& object, std::string& out) {
    out.push_back('{');
    bool first = true;
    for (const auto& [name, item] : object) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        appendString(out, name);
        out.push_back(':');
        write(item, out);
    }
    out.push_back('}');
}

std::string write(const Value& value) {
    std::string out;
    write(value, out);
    return out;
}

std::string write(const Object& object) {
    std::string out;
    write(object, out);
    return out;
}

}  // namespace authd::json
