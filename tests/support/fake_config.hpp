// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authd/sdk/config.hpp"

namespace authd::test {

/// An sdk::ConfigNode built in code from a plugin's schema, for plugin unit tests: what the
/// host's YAML view would hand a factory. Values are given as YAML scalar text ("12", "15m",
/// "true"); absent keys read as their schema default; undeclared keys and wrong getters
/// return the fallback, as the SDK specifies. validate() applies the checks the host runs
/// before any factory (unknown keys, types, required keys, integer ranges).
class FakeConfigNode final : public sdk::ConfigNode {
public:
    explicit FakeConfigNode(std::vector<sdk::ConfigKey> schema, std::string path = "config");

    FakeConfigNode& set(const std::string& key, std::string scalar);
    FakeConfigNode& setList(const std::string& key, std::vector<std::string> items);
    /// The value a `<key>_env` / `<key>_file` secret resolves to.
    FakeConfigNode& setSecret(const std::string& key, std::string value);
    /// Creates the nested map `key` (present from now on) and returns it for filling.
    FakeConfigNode& map(const std::string& key);

    /// Every schema violation, each starting with where(key). Empty when the node is valid.
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

    /// `90s`, `15m`, `12h`, `7d`, `2w` or bare seconds (as the host reads them); nullopt when malformed or negative.
    static std::optional<sdk::Seconds> parseDuration(std::string_view text);
    static std::optional<std::int64_t> parseInt(std::string_view text);
    static std::optional<bool> parseBool(std::string_view text);

private:
    const sdk::ConfigKey* declared(const std::string& key, sdk::ConfigType type) const;
    /// The given scalar, else the schema default; nullopt when neither exists.
    std::optional<std::string> scalarOf(const sdk::ConfigKey& key) const;

    std::vector<sdk::ConfigKey> schema_;
    std::string path_;
    std::map<std::string, std::string> scalars_;
    std::map<std::string, std::vector<std::string>> lists_;
    std::map<std::string, std::string> secrets_;
    std::map<std::string, std::unique_ptr<FakeConfigNode>> children_;
};

}  // namespace authd::test
