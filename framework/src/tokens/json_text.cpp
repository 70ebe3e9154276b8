// SPDX-License-Identifier: Apache-2.0
#include "tokens/json_text.hpp"

#include <string>
#include <utility>

namespace authd::tokens {

sdk::Result<json::Object> parseJsonObject(std::string_view text, std::string_view what) {
    json::ParseFailure failure;
    auto value = json::tryParse(text, failure);
    if (!value) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + " is not valid JSON");
    }
    if (!value->isObject()) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string(what) + " is not a JSON object");
    }
    return std::move(value->asObject());
}

}  // namespace authd::tokens
