// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "authd/sdk/result.hpp"
#include "crypto/secret_box.hpp"

namespace authd::app {

/// The associated data that binds a project's sealed secrets to their row and field, so a
/// ciphertext copied to another project or field fails to open. Every reader and writer of
/// Project::client_secret_enc / signing_key_enc / previous_signing_key_enc uses these.
std::string clientSecretAad(const std::string& client_id);
std::string signingKeyAad(const std::string& client_id);

} // namespace authd::app
