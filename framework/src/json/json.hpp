// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "authd/sdk/result.hpp"

/// @file
/// The host's JSON: a value type, a strict RFC 8259 parser and a compact writer. The host
/// process links no JSON library, so that starting it maps and relocates as little as it can
/// (docs/decisions/0011-own-json.md).
///
/// Objects keep their members in insertion order, so what the host writes has a fixed member
/// order; setting an existing member replaces it in place. Numbers are integers when the text
/// has no fraction or exponent and fits int64, else doubles.
/// Threading: values are plain data (like std::vector). Errors: parse() never throws; the
/// as*() accessors throw json::TypeError on a value of another type.

namespace authd::json {

class Value;

/// Thrown by the as*() accessors when the value has another type.
class TypeError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

using Array = std::vector<Value>;

/// Members in insertion order. Look-ups are linear: the host's objects have a few dozen
/// members at most.
class Object {
public:
    using Member = std::pair<std::string, Value>;
    using const_iterator = std::vector<Member>::const_iterator;
    using iterator = std::vector<Member>::iterator;

    Object() = default;
    Object(std::initializer_list<Member> members);

    /// Replaces the member `name` in place, or appends it. Returns *this for chaining.
    Object& set(std::string name, Value value);
    /// Removes `name`; false when absent.
    bool remove(std::string_view name);

    const Value* find(std::string_view name) const noexcept;
    Value* find(std::string_view name) noexcept;
    bool has(std::string_view name) const noexcept { return find(name) != nullptr; }

    /// The member when it is of that type; nullopt/nullptr when absent or of another type.
    /// integer() is an integral number (never a boolean, never a fraction) that fits int64.
    std::optional<std::string> string(std::string_view name) const;
    const std::string* stringPtr(std::string_view name) const noexcept;
    std::optional<std::int64_t> integer(std::string_view name) const noexcept;
    std::optional<bool> boolean(std::string_view name) const noexcept;
    const Array* array(std::string_view name) const noexcept;
    const Object* object(std::string_view name) const noexcept;

    std::size_t size() const noexcept;
    bool empty() const noexcept;
    const_iterator begin() const noexcept;
    const_iterator end() const noexcept;
    iterator begin() noexcept;
    iterator end() noexcept;

    bool operator==(const Object& other) const;

private:
    std::vector<Member> members_;
};

enum class Type : std::uint8_t { null, boolean, integer, number, string, array, object };

class Value {
public:
    Value() noexcept = default;
    Value(std::nullptr_t) noexcept {}
    Value(bool value) noexcept : data_(value) {}
    Value(int value) noexcept : data_(static_cast<std::int64_t>(value)) {}
    Value(long value) noexcept : data_(static_cast<std::int64_t>(value)) {}
    Value(long long value) noexcept : data_(static_cast<std::int64_t>(value)) {}
    Value(unsigned value) noexcept : data_(static_cast<std::int64_t>(value)) {}
    /// Above INT64_MAX it becomes a double, as the parser does with such a number.
    Value(unsigned long value) noexcept;
    Value(unsigned long long value) noexcept;
    Value(double value) noexcept : data_(value) {}
    Value(std::string value) noexcept : data_(std::move(value)) {}
    Value(std::string_view value) : data_(std::string(value)) {}
    Value(const char* value) : data_(std::string(value)) {}
    Value(Array value) noexcept : data_(std::move(value)) {}
    Value(Object value) noexcept : data_(std::move(value)) {}

    Type type() const noexcept { return static_cast<Type>(data_.index()); }
    bool isNull() const noexcept { return type() == Type::null; }
    bool isBool() const noexcept { return type() == Type::boolean; }
    bool isInteger() const noexcept { return type() == Type::integer; }
    /// An integer or a double.
    bool isNumber() const noexcept { return isInteger() || type() == Type::number; }
    bool isString() const noexcept { return type() == Type::string; }
    bool isArray() const noexcept { return type() == Type::array; }
    bool isObject() const noexcept { return type() == Type::object; }

    bool asBool() const;
    std::int64_t asInteger() const;
    /// An integer converted, or the double.
    double asNumber() const;
    const std::string& asString() const;
    const Array& asArray() const;
    Array& asArray();
    const Object& asObject() const;
    Object& asObject();

    bool operator==(const Value& other) const { return data_ == other.data_; }

private:
    std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> data_;
};

// Here, where Value is complete.
inline std::size_t Object::size() const noexcept { return members_.size(); }
inline bool Object::empty() const noexcept { return members_.empty(); }
inline Object::const_iterator Object::begin() const noexcept { return members_.begin(); }
inline Object::const_iterator Object::end() const noexcept { return members_.end(); }
inline Object::iterator Object::begin() noexcept { return members_.begin(); }
inline Object::iterator Object::end() noexcept { return members_.end(); }

/// Default nesting limit: what the host parses (tokens, JWKs, request bodies, stored rows)
/// is flat, and a low limit keeps hostile nesting cheap.
inline constexpr std::size_t kDefaultMaxDepth = 32;

/// Why a text is not JSON: a short fixed reason ("unexpected character", kNestedTooDeeply, ...)
/// and the byte offset where parsing stopped.
struct ParseFailure {
    std::string_view reason;
    std::size_t offset = 0;
};

/// The reason given when the text nests deeper than the limit.
inline constexpr std::string_view kNestedTooDeeply = "nested too deeply";

/// Parses one JSON text (RFC 8259: UTF-8 strings, \u escapes with surrogate pairs, no trailing
/// commas, no comments, nothing but white space after the value). nullopt with `failure` set
/// when it is not JSON, for callers that word their own errors; never an exception.
std::optional<Value> tryParse(std::string_view text, ParseFailure& failure,
                              std::size_t max_depth = kDefaultMaxDepth);

/// tryParse() with the error (invalid_argument) "<what> is not valid JSON: <reason> at byte N".
sdk::Result<Value> parse(std::string_view text, std::string_view what = "the document",
                         std::size_t max_depth = kDefaultMaxDepth);

/// parse() that also requires an object: "<what> is not a JSON object" otherwise.
sdk::Result<Object> parseObject(std::string_view text, std::string_view what = "the document",
                                std::size_t max_depth = kDefaultMaxDepth);

/// Compact JSON. Doubles that are not finite are written as null. The Object forms write an
/// object without copying it into a Value first.
std::string write(const Value& value);
void write(const Value& value, std::string& out);
std::string write(const Object& object);
void write(const Object& object, std::string& out);

/// Appends `text` as a quoted JSON string: escapes ", \ and control characters; other bytes,
/// UTF-8 included, pass through.
void appendString(std::string& out, std::string_view text);

}  // namespace authd::json
