// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "authd/sdk/result.hpp"
#include "crypto/secret_box.hpp"

namespace authd::crypto {

/// The key that encrypts secrets at rest (signing keys, upstream client secrets).
struct MasterKey {
    SecretBox box;
    /// True when no key existed and a development key was just written to the key file: the
    /// caller must print a loud warning (such a key protects nothing on a shared machine).
    bool generated_dev_key = false;
    /// Where the key came from, for logs: "env AUTHD_MASTER_KEY" or "file var/master.key".
    std::string source;
};

/// Finds the master key, in this order:
/// 1. `env_var` is set: its value must be 64 hex characters.
/// 2. `key_file` names an existing file: it must hold 64 hex characters (surrounding whitespace
///    ignored) and must not be accessible by group or others (mode 0600 or stricter).
/// 3. `allow_dev_default`: 32 random bytes are written as hex to `key_file` (parent folders
///    created, mode 0600, never overwriting) and generated_dev_key is set.
/// Otherwise an error (ErrorCode::invalid_config) names the variable to set. Messages never
/// hold key material.
sdk::Result<MasterKey> loadMasterKey(const std::string& env_var, const std::string& key_file,
                                     bool allow_dev_default);

}  // namespace authd::crypto
