// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "authd/sdk/types.hpp"

namespace authd::sdk {

/// The YAML types a plugin's `config:` keys may have.
enum class ConfigType : std::uint8_t {
    string,       ///< a scalar string
    integer,      ///< a whole number, checked against [min, max]
    boolean,      ///< true / false
    duration,     ///< `90s`, `15m`, `12h`, `7d` or a bare number of seconds
    string_list,  ///< a sequence of strings
    secret,       ///< given as `<name>_env: VAR` or `<name>_file: PATH`; a literal value is refused
    map,          ///< a nested map, described by `children`
};

/// One key of a plugin's config, as declared by its `describe_config`.
struct ConfigKey {
    std::string name;
    ConfigType type = ConfigType::string;
    bool required = false;
    std::string default_value;  ///< as YAML text; used when the key is absent and not required
    std::string help;           ///< one line, shown in error messages and docs
    std::int64_t min = INT64_MIN;
    std::int64_t max = INT64_MAX;
    std::vector<ConfigKey> children;  ///< for ConfigType::map
};

/// What a plugin accepts under its `config:` map. Filled by the plugin's `describe_config`;
/// the host validates the YAML against it (types, required keys, unknown keys, ranges) before
/// any factory runs, and reports every problem with file:line:column.
/// Ownership: a plain value; threading: not synchronised, used at start-up only.
class ConfigSchema {
public:
    ConfigKey& add(std::string name, ConfigType type, bool required = false,
                   std::string default_value = {}, std::string help = {}) {
        ConfigKey key;
        key.name = std::move(name);
        key.type = type;
        key.required = required;
        key.default_value = std::move(default_value);
        key.help = std::move(help);
        keys_.push_back(std::move(key));
        return keys_.back();
    }
    const std::vector<ConfigKey>& keys() const { return keys_; }

private:
    std::vector<ConfigKey> keys_;
};

/// A read-only view of one plugin instance's validated `config:` map, implemented by the host.
/// Every key the schema declares can be read; absent optional keys yield their default.
/// Reading a key the schema does not declare, or with the wrong getter, returns `fallback`.
/// Lifetime: valid only during the factory call. Threading: not synchronised.
class ConfigNode {
public:
    virtual ~ConfigNode() = default;
    /// True when the key was present in the YAML (defaults do not count).
    virtual bool has(const std::string& key) const = 0;
    virtual std::string getString(const std::string& key, const std::string& fallback = {}) const = 0;
    virtual std::int64_t getInt(const std::string& key, std::int64_t fallback = 0) const = 0;
    virtual bool getBool(const std::string& key, bool fallback = false) const = 0;
    virtual Seconds getDuration(const std::string& key, Seconds fallback = 0) const = 0;
    virtual std::vector<std::string> getStringList(const std::string& key) const = 0;
    /// The secret's value, read from the environment variable or file the YAML names.
    virtual std::string getSecret(const std::string& key) const = 0;
    /// A nested map declared as ConfigType::map; nullptr when absent. Owned by this node.
    virtual const ConfigNode* child(const std::string& key) const = 0;
    /// `file:line:column: path.to.key` for a plugin's own semantic error messages.
    virtual std::string where(const std::string& key) const = 0;
};

/// One configured plugin instance: its YAML `id` and its validated config.
struct InstanceSpec {
    std::string id;
    const ConfigNode* config = nullptr;  ///< never null; valid during the factory call only
};

}  // namespace authd::sdk
