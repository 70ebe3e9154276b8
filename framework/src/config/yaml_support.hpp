// SPDX-License-Identifier: Apache-2.0
#pragma once

// Helpers shared by the authd config loader and the plugin config validator: locations,
// map walking with duplicate detection, and typed scalar readers that report problems in one
// wording. Internal to the config area.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "authd/sdk/types.hpp"
#include "config/config_error.hpp"

namespace authd::config::detail {

/// 1-based line and column; 0 when yaml-cpp has no mark for the node.
struct Location {
    int line = 0;
    int column = 0;
};

Location locationOf(const YAML::Node& node);

/// Adds issues for one file.
class IssueSink {
public:
    IssueSink(std::string file, ConfigErrors& errors) : file_(std::move(file)), errors_(errors) {}
    void add(Location where, std::string path, std::string message);
    const std::string& file() const { return file_; }
    std::size_t count() const { return errors_.size(); }
    /// `file:line:col: path`, the format of sdk::ConfigNode::where().
    std::string where(Location where, const std::string& path) const;

private:
    std::string file_;
    ConfigErrors& errors_;
};

struct MapEntry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    /// Where to point at the value: its own mark, or the key's when the value is empty (yaml-cpp
    /// marks an empty value at the start of the next line).
    Location value_location;
    Location key_location;
};

/// The entries of a map in file order. Non-scalar and duplicate keys are reported and skipped.
std::vector<MapEntry> mapEntries(const YAML::Node& map, const std::string& path, IssueSink& sink);

/// "a map", "a list", "nothing", or the scalar quoted (shortened, control characters escaped).
std::string describeNode(const YAML::Node& node);
std::string quoted(std::string_view text);

/// `parent.key`, or `key` at the top.
std::string joinPath(const std::string& parent, const std::string& key);
/// `parent[index]`.
std::string indexPath(const std::string& parent, std::size_t index);
/// "a, b, c".
std::string joinNames(const std::vector<std::string>& names);

/// Decimal integer: optional '-', no leading zeros, no '+', no spaces.
std::optional<std::int64_t> parseInteger(std::string_view text);
/// YAML 1.2 core booleans: true/True/TRUE/false/False/FALSE.
std::optional<bool> parseBoolean(std::string_view text);

// Typed readers: each reports a problem at `where` under `path` and returns std::nullopt.
std::optional<std::string> readString(const YAML::Node& value, Location where,
                                      const std::string& path, IssueSink& sink);
std::optional<std::int64_t> readInteger(const YAML::Node& value, Location where,
                                        const std::string& path, std::int64_t min,
                                        std::int64_t max, IssueSink& sink);
std::optional<bool> readBoolean(const YAML::Node& value, Location where, const std::string& path,
                                IssueSink& sink);
std::optional<sdk::Seconds> readDuration(const YAML::Node& value, Location where,
                                         const std::string& path, sdk::Seconds min,
                                         sdk::Seconds max, IssueSink& sink);
std::optional<std::vector<std::string>> readStringList(const YAML::Node& value, Location where,
                                                       const std::string& path, IssueSink& sink);

/// An environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool isEnvName(std::string_view name);

}  // namespace authd::config::detail
