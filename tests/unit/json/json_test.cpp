// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE json
#include <limits>
#include <string>

#include <boost/test/unit_test.hpp>

#include "json/json.hpp"

using namespace authd;

namespace {

json::Value parsed(std::string_view text) {
    auto value = json::parse(text);
    BOOST_TEST_REQUIRE(value.has_value(), "must parse: " << text);
    return std::move(*value);
}

std::string errorOf(std::string_view text, std::size_t depth = json::kDefaultMaxDepth) {
    auto value = json::parse(text, "the body", depth);
    BOOST_TEST_REQUIRE(!value.has_value(), "must be refused: " << text);
    BOOST_TEST((value.error().code == sdk::ErrorCode::invalid_argument));
    return value.error().message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(scalars_keep_their_types) {
    BOOST_TEST(parsed("null").isNull());
    BOOST_TEST(parsed("true").asBool() == true);
    BOOST_TEST(parsed(" false ").asBool() == false);
    BOOST_TEST(parsed("0").asInteger() == 0);
    BOOST_TEST(parsed("-42").asInteger() == -42);
    BOOST_TEST(parsed("9223372036854775807").asInteger() ==
               std::numeric_limits<std::int64_t>::max());
    BOOST_TEST(parsed("-9223372036854775808").asInteger() ==
               std::numeric_limits<std::int64_t>::min());
    // Integers past int64, fractions and exponents are doubles, never integers.
    BOOST_TEST(!parsed("9223372036854775808").isInteger());
    BOOST_TEST(parsed("9223372036854775808").isNumber());
    BOOST_TEST(!parsed("1.0").isInteger());
    BOOST_TEST(parsed("1.5").asNumber() == 1.5);
    BOOST_TEST(parsed("1e3").asNumber() == 1000.0);
    BOOST_TEST(parsed("-2.5E-1").asNumber() == -0.25);
    BOOST_TEST(parsed("\"text\"").asString() == "text");
}

BOOST_AUTO_TEST_CASE(objects_keep_member_order_and_the_last_repeated_member) {
    const json::Value value = parsed(R"({"b":1,"a":[true,null,"x"],"c":{"d":"e"},"b":2})");
    const json::Object& object = value.asObject();
    BOOST_TEST(object.size() == 3u);
    BOOST_TEST(object.integer("b").value_or(0) == 2);
    BOOST_TEST(object.begin()->first == "b");
    BOOST_TEST(object.array("a")->size() == 3u);
    BOOST_TEST(object.object("c")->string("d").value_or("") == "e");
    BOOST_TEST(json::write(value) == R"({"b":2,"a":[true,null,"x"],"c":{"d":"e"}})");
}

BOOST_AUTO_TEST_CASE(typed_member_lookups_refuse_other_types) {
    const json::Value value = parsed(R"({"s":"1","i":1,"f":1.0,"b":true,"n":null})");
    const json::Object& object = value.asObject();
    BOOST_TEST(!object.integer("s").has_value());
    BOOST_TEST(!object.integer("f").has_value());
    BOOST_TEST(!object.integer("b").has_value());
    BOOST_TEST(!object.string("i").has_value());
    BOOST_TEST(!object.boolean("i").has_value());
    BOOST_TEST(object.boolean("b").value_or(false));
    BOOST_TEST(object.has("n"));
    BOOST_TEST(!object.has("missing"));
    BOOST_TEST(object.array("s") == nullptr);
    BOOST_TEST(object.object("i") == nullptr);
    BOOST_CHECK_THROW((void)object.find("s")->asInteger(), json::TypeError);
    BOOST_CHECK_THROW((void)object.find("i")->asString(), json::TypeError);
}

BOOST_AUTO_TEST_CASE(escapes_decode_to_utf8) {
    BOOST_TEST(parsed(R"("a\"b\\c\/d\b\f\n\r\t")").asString() == "a\"b\\c/d\b\f\n\r\t");
    BOOST_TEST(parsed(R"("\u00e9\u20AC")").asString() == "\xC3\xA9\xE2\x82\xAC");
    BOOST_TEST(parsed(R"("\ud83d\ude00")").asString() == "\xF0\x9F\x98\x80");
    BOOST_TEST(parsed("\"\xC3\xA9\xF0\x9F\x98\x80\"").asString() == "\xC3\xA9\xF0\x9F\x98\x80");
    BOOST_TEST(parsed(R"("\u0000")").asString() == std::string(1, '\0'));
}

BOOST_AUTO_TEST_CASE(malformed_text_is_refused_with_a_reason_and_position) {
    BOOST_TEST(errorOf("") == "the body is not valid JSON: unexpected end of text at byte 0");
    BOOST_TEST(errorOf("{\"a\":1,}").find("expected a member name") != std::string::npos);
    BOOST_TEST(errorOf("[1,]").find("unexpected character") != std::string::npos);
    BOOST_TEST(errorOf("{\"a\" 1}").find("expected ':'") != std::string::npos);
    BOOST_TEST(errorOf("{} x").find("unexpected text after the value at byte 3") !=
               std::string::npos);
    BOOST_TEST(errorOf("[1 2]").find("expected ',' or ']'") != std::string::npos);
    BOOST_TEST(errorOf("tru").find("invalid literal") != std::string::npos);
    BOOST_TEST(errorOf("\"abc").find("unterminated string") != std::string::npos);
    BOOST_TEST(errorOf("\"a\nb\"").find("control character") != std::string::npos);
    BOOST_TEST(errorOf(R"("\x")").find("invalid escape") != std::string::npos);
    BOOST_TEST(errorOf(R"("\u12")").find("\\u escape") != std::string::npos);
    BOOST_TEST(errorOf(R"("\ud83d")").find("unpaired surrogate") != std::string::npos);
    BOOST_TEST(errorOf(R"("\ude00")").find("unpaired surrogate") != std::string::npos);
    BOOST_TEST(errorOf(R"("\ud83d\u0041")").find("unpaired surrogate") != std::string::npos);
    BOOST_TEST(errorOf("01").find("unexpected text") != std::string::npos);
    BOOST_TEST(errorOf("-").find("unexpected end") != std::string::npos);
    BOOST_TEST(errorOf("1.").find("invalid number") != std::string::npos);
    BOOST_TEST(errorOf("1e+").find("invalid number") != std::string::npos);
    BOOST_TEST(errorOf("+1").find("unexpected character") != std::string::npos);
    BOOST_TEST(errorOf("1e400").find("out of range") != std::string::npos);
    BOOST_TEST(errorOf("-1e-400").find("out of range") != std::string::npos);
    BOOST_TEST(errorOf("NaN").find("unexpected character") != std::string::npos);
    BOOST_TEST(errorOf("// c\n{}").find("unexpected character") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused) {
    for (const char* text : {"\"\xC3\"", "\"\xC0\xAF\"", "\"\xE0\x80\xAF\"", "\"\xED\xA0\x80\"",
                             "\"\xF4\x90\x80\x80\"", "\"\xFF\"", "\"\x80\"", "\"\xE2\x82\""}) {
        BOOST_TEST(errorOf(text).find("invalid UTF-8") != std::string::npos, text);
    }
}

BOOST_AUTO_TEST_CASE(nesting_is_limited) {
    std::string deep_ok = std::string(32, '[') + std::string(32, ']');
    BOOST_TEST(parsed(deep_ok).isArray());
    const std::string too_deep = std::string(33, '[') + std::string(33, ']');
    BOOST_TEST(errorOf(too_deep).find("nested too deeply") != std::string::npos);
    BOOST_TEST(errorOf(R"({"a":{"b":1}})", 1).find("nested too deeply") != std::string::npos);
    // A hostile depth is refused at the limit, not by exhausting the stack.
    BOOST_TEST(errorOf(std::string(1000000, '[')).find("nested too deeply") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(try_parse_reports_the_reason_and_offset) {
    json::ParseFailure failure;
    BOOST_TEST(json::tryParse(R"({"a":[1,2]})", failure).has_value());
    BOOST_TEST(!json::tryParse(R"({"a":[1 2]})", failure).has_value());
    BOOST_TEST(failure.reason == "expected ',' or ']'");
    BOOST_TEST(failure.offset == 8u);
    BOOST_TEST(!json::tryParse("[[[]]]", failure, 2).has_value());
    BOOST_TEST(failure.reason == json::kNestedTooDeeply);
    BOOST_TEST(failure.offset == 2u);
}

BOOST_AUTO_TEST_CASE(parse_object_requires_an_object) {
    auto object = json::parseObject(R"({"k":"v"})", "the header");
    BOOST_TEST_REQUIRE(object.has_value());
    BOOST_TEST(object->string("k").value_or("") == "v");
    auto array = json::parseObject("[]", "the header");
    BOOST_TEST_REQUIRE(!array.has_value());
    BOOST_TEST(array.error().message == "the header is not a JSON object");
    auto broken = json::parseObject("{", "the header");
    BOOST_TEST_REQUIRE(!broken.has_value());
    BOOST_TEST(broken.error().message.rfind("the header is not valid JSON: ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(writing_escapes_and_round_trips) {
    json::Object object{{"s", "q\"b\\n\n\x01\xC3\xA9"}, {"i", -7}, {"d", 0.1}, {"t", true},
                        {"z", nullptr}, {"a", json::Array{1, "two"}}, {"o", json::Object{}}};
    object.set("i", 8);
    object.set("u", static_cast<unsigned long long>(std::numeric_limits<std::uint64_t>::max()));
    const std::string text = json::write(object);
    BOOST_TEST(text == "{\"s\":\"q\\\"b\\\\n\\n\\u0001\xC3\xA9\",\"i\":8,\"d\":0.1,\"t\":true,"
                       "\"z\":null,\"a\":[1,\"two\"],\"o\":{},\"u\":18446744073709551616.0}");
    BOOST_TEST((parsed(text) == json::Value(object)));
    BOOST_TEST(json::write(json::Value(std::numeric_limits<double>::infinity())) == "null");
    // Whole doubles keep a fraction, so that they read back as doubles, not integers.
    BOOST_TEST(json::write(json::Value(100.0)) == "100.0");
    BOOST_TEST(json::write(json::Value(-0.0)) == "-0.0");
    BOOST_TEST(json::write(json::Value(1e300)) == "1e+300");
    BOOST_TEST(parsed(json::write(json::Value(100.0))).isInteger() == false);
    BOOST_TEST(object.remove("s"));
    BOOST_TEST(!object.remove("s"));
    BOOST_TEST(object.size() == 7u);
}

BOOST_AUTO_TEST_CASE(append_string_escapes_only_what_it_must_and_round_trips_ascii) {
    const auto quoted = [](std::string_view text) {
        std::string out = "x";
        json::appendString(out, text);
        return out;
    };
    BOOST_TEST(quoted("") == R"(x"")");
    BOOST_TEST(quoted("a\"b\\c") == R"(x"a\"b\\c")");
    BOOST_TEST(quoted("\n\r\t") == R"(x"\n\r\t")");
    BOOST_TEST(quoted(std::string("nul\0end\x1f", 8)) == R"(x"nul\u0000end\u001f")");
    BOOST_TEST(quoted("caf\xc3\xa9 \xe2\x82\xac") == "x\"caf\xc3\xa9 \xe2\x82\xac\"");
    std::string all;
    for (int c = 0; c < 128; ++c) {
        all += static_cast<char>(c);
    }
    std::string text;
    json::appendString(text, all);
    BOOST_TEST(parsed(text).asString() == all);
}
