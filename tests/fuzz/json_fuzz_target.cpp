// SPDX-License-Identifier: Apache-2.0
// The JSON parser and writer as a libFuzzer target: whatever the input, parse() returns a value
// or an error (never a crash, a hang or undefined behaviour: run under ASan and UBSan), and
// whatever it returns, write() produces text that parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto value = authd::json::parse(text, "the input");
    if (value) {
        const std::string written = authd::json::write(*value);
        // The limit is the parser's own: written text is never deeper than what was read.
        auto again = authd::json::parse(written, "the written text");
        if (!again || !(*again == *value)) {
            __builtin_trap();
        }
    }
    return 0;
}
