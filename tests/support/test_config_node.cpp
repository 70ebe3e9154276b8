// SPDX-License-Identifier: Apache-2.0
#include "test_config_node.hpp"

#include <charconv>
#include <utility>

namespace authd::test {

bool parseDuration(const std::string& text, sdk::Seconds& out) {
    if (text.empty()) {
        return false;
    }
    sdk::Seconds unit = 1;
    std::string digits = text;
    switch (text.back()) {
    case 's': unit = 1; digits.pop_back(); break;
    case 'm': unit = 60; digits.pop_back(); break;
    case 'h': unit = 3600; digits.pop_back(); break;
    case 'd': unit = 86400; digits.pop_back(); break;
    default: break;
    }
    sdk::Seconds value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value < 0) {
        return false;
    }
    out = value * unit;
    return true;
}

namespace {

bool parseInt(const std::string& text, std::int64_t& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

TestConfigNode::TestConfigNode(sdk::ConfigSchema schema, std::map<std::string, std::string> values)
    : schema_(std::move(schema)), values_(std::move(values)) {}

const sdk::ConfigKey* TestConfigNode::declared(const std::string& key) const {
    for (const sdk::ConfigKey& entry : schema_.keys()) {
        if (entry.name == key) {
            return &entry;
        }
    }
    return nullptr;
}

const std::string* TestConfigNode::raw(const std::string& key, sdk::ConfigType type) const {
    const sdk::ConfigKey* entry = declared(key);
    if (entry == nullptr || entry->type != type) {
        return nullptr;
    }
    auto found = values_.find(key);
    if (found != values_.end()) {
        return &found->second;
    }
    return entry->default_value.empty() ? nullptr : &entry->default_value;
}

std::vector<std::string> TestConfigNode::validate() const {
    std::vector<std::string> problems;
    for (const auto& [key, value] : values_) {
        const sdk::ConfigKey* entry = declared(key);
        if (entry == nullptr) {
            problems.push_back(key + ": unknown key");
            continue;
        }
        std::int64_t number = 0;
        sdk::Seconds seconds = 0;
        if (entry->type == sdk::ConfigType::integer && !parseInt(value, number)) {
            problems.push_back(key + ": expected an integer");
        } else if (entry->type == sdk::ConfigType::duration && !parseDuration(value, seconds)) {
            problems.push_back(key + ": expected a duration");
        }
    }
    for (const sdk::ConfigKey& entry : schema_.keys()) {
        if (entry.required && values_.count(entry.name) == 0) {
            problems.push_back(entry.name + ": required key missing");
        }
    }
    return problems;
}

bool TestConfigNode::has(const std::string& key) const {
    return declared(key) != nullptr && values_.count(key) != 0;
}

std::string TestConfigNode::getString(const std::string& key, const std::string& fallback) const {
    const std::string* value = raw(key, sdk::ConfigType::string);
    return value == nullptr ? fallback : *value;
}

std::int64_t TestConfigNode::getInt(const std::string& key, std::int64_t fallback) const {
    const std::string* value = raw(key, sdk::ConfigType::integer);
    std::int64_t out = 0;
    return value != nullptr && parseInt(*value, out) ? out : fallback;
}

bool TestConfigNode::getBool(const std::string& key, bool fallback) const {
    const std::string* value = raw(key, sdk::ConfigType::boolean);
    if (value == nullptr) {
        return fallback;
    }
    if (*value == "true") {
        return true;
    }
    if (*value == "false") {
        return false;
    }
    return fallback;
}

sdk::Seconds TestConfigNode::getDuration(const std::string& key, sdk::Seconds fallback) const {
    const std::string* value = raw(key, sdk::ConfigType::duration);
    sdk::Seconds out = 0;
    return value != nullptr && parseDuration(*value, out) ? out : fallback;
}

std::vector<std::string> TestConfigNode::getStringList(const std::string& key) const {
    const std::string* value = raw(key, sdk::ConfigType::string_list);
    std::vector<std::string> items;
    if (value == nullptr) {
        return items;
    }
    std::size_t start = 0;
    while (start <= value->size()) {
        std::size_t comma = value->find(',', start);
        if (comma == std::string::npos) {
            comma = value->size();
        }
        if (comma > start) {
            items.push_back(value->substr(start, comma - start));
        }
        start = comma + 1;
    }
    return items;
}

std::string TestConfigNode::getSecret(const std::string& key) const {
    const std::string* value = raw(key, sdk::ConfigType::secret);
    return value == nullptr ? std::string() : *value;
}

const sdk::ConfigNode* TestConfigNode::child(const std::string&) const { return nullptr; }

std::string TestConfigNode::where(const std::string& key) const { return "test-config: " + key; }

}  // namespace authd::test
