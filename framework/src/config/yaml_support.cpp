// SPDX-License-Identifier: Apache-2.0
#include "config/yaml_support.hpp"

#include <charconv>
#include <cstdio>
#include <limits>
#include <map>

#include "config/duration.hpp"

namespace authd::config::detail {

namespace {

std::string rangeText(std::int64_t min, std::int64_t max, bool as_duration) {
    auto show = [as_duration](std::int64_t v) {
        return as_duration ? formatDuration(v) : std::to_string(v);
    };
    constexpr std::int64_t kLowest = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kHighest = std::numeric_limits<std::int64_t>::max();
    if (min != kLowest && max != kHighest) {
        return "must be between " + show(min) + " and " + show(max);
    }
    if (min != kLowest) {
        return "must be at least " + show(min);
    }
    return "must be at most " + show(max);
}

void expected(const YAML::Node& value, Location where, const std::string& path,
              const std::string& what, IssueSink& sink) {
    sink.add(where, path, "expected " + what + ", got " + describeNode(value));
}

}  // namespace

Location locationOf(const YAML::Node& node) {
    if (!node.IsDefined()) {
        return {};
    }
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0 || mark.column < 0) {
        return {};
    }
    return {mark.line + 1, mark.column + 1};
}

void IssueSink::add(Location where, std::string path, std::string message) {
    errors_.add(ConfigIssue{file_, where.line, where.column, std::move(path), std::move(message)});
}

std::string IssueSink::where(Location where, const std::string& path) const {
    ConfigIssue issue{file_, where.line, where.column, {}, {}};
    std::string out = issue.str();  // "file:line:col: "
    return out + path;
}

std::vector<MapEntry> mapEntries(const YAML::Node& map, const std::string& path, IssueSink& sink) {
    std::vector<MapEntry> entries;
    std::map<std::string, Location> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        const Location key_location = locationOf(key);
        if (!key.IsScalar()) {
            sink.add(key_location, path, "keys must be plain names, got " + describeNode(key));
            continue;
        }
        const std::string name = key.Scalar();
        if (const auto first = seen.find(name); first != seen.end()) {
            sink.add(key_location, joinPath(path, name),
                     "duplicate key (first given at line " + std::to_string(first->second.line) +
                         ")");
            continue;
        }
        seen.emplace(name, key_location);
        Location value_location = value.IsNull() ? key_location : locationOf(value);
        if (value_location.line == 0) {
            value_location = key_location;
        }
        entries.push_back(MapEntry{name, key, value, value_location, key_location});
    }
    return entries;
}

std::string quoted(std::string_view text) {
    constexpr std::size_t kMaxShown = 60;
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > kMaxShown) {
        out += "...";
    }
    return out + "\"";
}

std::string describeNode(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) {
        return "nothing";
    }
    if (node.IsMap()) {
        return "a map";
    }
    if (node.IsSequence()) {
        return "a list";
    }
    return quoted(node.Scalar());
}

std::string joinPath(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

std::string indexPath(const std::string& parent, std::size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) {
        if (!out.empty()) {
            out += ", ";
        }
        out += name;
    }
    return out;
}

std::optional<std::int64_t> parseInteger(std::string_view text) {
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '-') {
        digits.remove_prefix(1);
    }
    if (digits.empty() || (digits.size() > 1 && digits.front() == '0')) {
        return std::nullopt;
    }
    for (const char c : digits) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
    }
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> parseBoolean(std::string_view text) {
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    return std::nullopt;
}

std::optional<std::string> readString(const YAML::Node& value, Location where,
                                      const std::string& path, IssueSink& sink) {
    if (!value.IsScalar()) {
        expected(value, where, path, "a string", sink);
        return std::nullopt;
    }
    return value.Scalar();
}

std::optional<std::int64_t> readInteger(const YAML::Node& value, Location where,
                                        const std::string& path, std::int64_t min,
                                        std::int64_t max, IssueSink& sink) {
    if (!value.IsScalar()) {
        expected(value, where, path, "an integer", sink);
        return std::nullopt;
    }
    const std::optional<std::int64_t> number = parseInteger(value.Scalar());
    if (!number) {
        expected(value, where, path, "an integer", sink);
        return std::nullopt;
    }
    if (*number < min || *number > max) {
        sink.add(where, path, rangeText(min, max, false) + ", got " + value.Scalar());
        return std::nullopt;
    }
    return number;
}

std::optional<bool> readBoolean(const YAML::Node& value, Location where, const std::string& path,
                                IssueSink& sink) {
    const std::optional<bool> flag =
        value.IsScalar() ? parseBoolean(value.Scalar()) : std::optional<bool>();
    if (!flag) {
        expected(value, where, path, "true or false", sink);
    }
    return flag;
}

std::optional<sdk::Seconds> readDuration(const YAML::Node& value, Location where,
                                         const std::string& path, sdk::Seconds min,
                                         sdk::Seconds max, IssueSink& sink) {
    if (!value.IsScalar()) {
        expected(value, where, path, "a duration like 15m", sink);
        return std::nullopt;
    }
    const sdk::Result<sdk::Seconds> seconds = parseDuration(value.Scalar());
    if (!seconds) {
        sink.add(where, path,
                 "expected a duration like 15m (a whole number with unit s, m, h, d or w), got " +
                     quoted(value.Scalar()));
        return std::nullopt;
    }
    if (*seconds < min || *seconds > max) {
        sink.add(where, path, rangeText(min, max, true) + ", got " + value.Scalar());
        return std::nullopt;
    }
    return *seconds;
}

std::optional<std::vector<std::string>> readStringList(const YAML::Node& value, Location where,
                                                       const std::string& path, IssueSink& sink) {
    if (!value.IsSequence()) {
        expected(value, where, path, "a list of strings", sink);
        return std::nullopt;
    }
    std::vector<std::string> items;
    bool ok = true;
    std::size_t index = 0;
    for (auto it = value.begin(); it != value.end(); ++it, ++index) {
        const YAML::Node item = *it;
        Location item_location = locationOf(item);
        if (item.IsNull() || item_location.line == 0) {
            item_location = where;
        }
        if (!item.IsScalar()) {
            expected(item, item_location, indexPath(path, index), "a string", sink);
            ok = false;
            continue;
        }
        items.push_back(item.Scalar());
    }
    if (!ok) {
        return std::nullopt;
    }
    return items;
}

bool isEnvName(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    for (const char c : name) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace authd::config::detail
