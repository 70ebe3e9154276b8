// SPDX-License-Identifier: Apache-2.0
#include "http/json_body.hpp"

#include <string>

#include "http/form.hpp"

namespace authd::http {

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
    json::ParseFailure failure;
    auto parsed = json::tryParse(body, failure, max_depth);
    if (!parsed) {
        if (failure.reason == json::kNestedTooDeeply) {
            return invalid("the JSON body is nested deeper than " + std::to_string(max_depth) +
                           " levels");
        }
        return invalid("malformed JSON body: " + std::string(failure.reason) + " at byte " +
                       std::to_string(failure.offset));
    }
    if (!parsed->isObject()) {
        return invalid("the JSON body must be an object");
    }
    return std::move(parsed->asObject());
}

} // namespace authd::http
