// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace authd::oauth {

/// Appends `text` as a JSON string literal (quotes included). Hot paths build their JSON
/// bodies by appending, which is several times cheaper than a Poco::JSON::Object round trip.
void appendJsonString(std::string& out, std::string_view text);

}  // namespace authd::oauth
