// SPDX-License-Identifier: Apache-2.0
#include "http/json_body.hpp"

#include <algorithm>
#include <string>

#include "http/form.hpp"

namespace authd::http {
namespace {

// Nesting depth outside string literals; the parser recurses, so hostile depth is refused
// before it runs.
std::size_t nestingDepth(std::string_view text) {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

} // namespace

sdk::Result<json::Object> parseJsonBody(std::string_view body, std::size_t max_depth) {
    const auto invalid = [](std::string message) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, std::move(message));
    };
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return invalid("the request body is empty; a JSON object was expected");
    }
    if (!isValidUtf8(body)) {
        return invalid("the request body is not valid UTF-8");
    }
    if (nestingDepth(body) > max_depth) {
        return invalid("the JSON body is nested deeper than " + std::to_string(max_depth) +
                       " levels");
    }
    auto parsed = json::parse(body, "the request body", max_depth);
    if (!parsed) {
        // parse() says "the request body is not valid JSON: <reason> at byte N".
        constexpr std::string_view kPrefix = "the request body is not valid JSON: ";
        return invalid("malformed JSON body: " + parsed.error().message.substr(kPrefix.size()));
    }
    if (!parsed->isObject()) {
        return invalid("the JSON body must be an object");
    }
    return std::move(parsed->asObject());
}

} // namespace authd::http
