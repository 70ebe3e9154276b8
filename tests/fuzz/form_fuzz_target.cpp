// SPDX-License-Identifier: Apache-2.0
// Form bodies and query strings (every OAuth endpoint reads one) as a libFuzzer target. For
// any bytes:
// - parseForm() returns fields or an error, never crashes;
// - percent-encoding round-trips: percentDecode(percentEncode(x)) == x;
// - parsed fields, encoded again, parse back to the same fields;
// - the two UTF-8 validators of the host agree: http::isValidUtf8, and the JSON parser's
//   check of a string literal's bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/form.hpp"
#include "json/json.hpp"

namespace {

using namespace authd;

bool hasJsonSpecials(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || c == '"' || c == '\\') {
            return true;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    auto decoded = http::percentDecode(http::percentEncode(input), false);
    if (!decoded || *decoded != input) {
        __builtin_trap();
    }

    http::FormLimits limits;
    limits.max_fields = 20;
    limits.max_name_bytes = 64;
    limits.max_value_bytes = 256;
    if (auto fields = http::parseForm(input, limits)) {
        std::string encoded;
        for (const auto& [name, value] : fields->pairs()) {
            encoded += (encoded.empty() ? "" : "&") + http::percentEncode(name) + '=' +
                       http::percentEncode(value);
        }
        auto again = http::parseForm(encoded, limits);
        if (!again || again->pairs() != fields->pairs()) {
            __builtin_trap();
        }
    }

    if (!hasJsonSpecials(input)) {
        const bool json_ok = json::parse('"' + std::string(input) + '"').has_value();
        if (json_ok != http::isValidUtf8(input)) {
            __builtin_trap();
        }
    }
    return 0;
}
