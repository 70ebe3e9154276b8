// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <vector>

#include "authd/sdk/config.hpp"

namespace authd::test {

/// A plugin config for tests: flat `key=value` strings read through a plugin's own schema,
/// so that absent keys yield the schema's defaults as the host's ConfigNode does. Secrets
/// are given in clear under their own name (`password=...`): tests have no YAML.
/// Not the host's implementation (framework/src/config): only what plugin tests need.
class TestConfigNode final : public sdk::ConfigNode {
public:
    TestConfigNode(sdk::ConfigSchema schema, std::map<std::string, std::string> values);

    /// Problems the host would refuse before calling a factory: unknown keys, missing
    /// required keys, values that do not parse as their declared type. Empty when fine.
    std::vector<std::string> validate() const;

    bool has(const std::string& key) const override;
    std::string getString(const std::string& key, const std::string& fallback = {}) const override;
    std::int64_t getInt(const std::string& key, std::int64_t fallback = 0) const override;
    bool getBool(const std::string& key, bool fallback = false) const override;
    sdk::Seconds getDuration(const std::string& key, sdk::Seconds fallback = 0) const override;
    std::vector<std::string> getStringList(const std::string& key) const override;
    std::string getSecret(const std::string& key) const override;
    const sdk::ConfigNode* child(const std::string& key) const override;
    std::string where(const std::string& key) const override;

private:
    const sdk::ConfigKey* declared(const std::string& key) const;
    // The given value, else the declared default; nullptr when neither exists.
    const std::string* raw(const std::string& key, sdk::ConfigType type) const;

    sdk::ConfigSchema schema_;
    std::map<std::string, std::string> values_;
};

/// `90s`, `15m`, `12h`, `7d` or a bare number of seconds; false when malformed.
bool parseDuration(const std::string& text, sdk::Seconds& out);

}  // namespace authd::test
