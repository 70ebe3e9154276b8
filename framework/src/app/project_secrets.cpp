// SPDX-License-Identifier: Apache-2.0
#include "app/project_secrets.hpp"

namespace authd::app {

std::string clientSecretAad(const std::string& client_id) {
    return "authd:project:" + client_id + ":client_secret";
}

std::string signingKeyAad(const std::string& client_id) {
    return "authd:project:" + client_id + ":signing_key";
}

} // namespace authd::app
