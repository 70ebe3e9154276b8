// SPDX-License-Identifier: Apache-2.0
#include "support/fake_config.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

namespace authd::test {

FakeConfigNode::FakeConfigNode(std::vector<sdk::ConfigKey> schema, std::string path)
    : schema_(std::move(schema)), path_(std::move(path)) {}

FakeConfigNode& FakeConfigNode::set(const std::string& key, std::string scalar) {
    scalars_[key] = std::move(scalar);
    return *this;
}

FakeConfigNode& FakeConfigNode::setList(const std::string& key, std::vector<std::string> items) {
    lists_[key] = std::move(items);
    return *this;
}

FakeConfigNode& FakeConfigNode::setSecret(const std::string& key, std::string value) {
    secrets_[key] = std::move(value);
    return *this;
}

FakeConfigNode& FakeConfigNode::map(const std::string& key) {
    auto& slot = children_[key];
    if (!slot) {
        std::vector<sdk::ConfigKey> children;
        for (const sdk::ConfigKey& k : schema_) {
            if (k.name == key) {
                children = k.children;
            }
        }
        slot = std::make_unique<FakeConfigNode>(std::move(children), path_ + "." + key);
    }
    return *slot;
}

std::optional<sdk::Seconds> FakeConfigNode::parseDuration(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    sdk::Seconds unit = 1;
    switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: unit = 0; break;
    }
    if (unit != 0) {
        text.remove_suffix(1);
    } else {
        unit = 1;
    }
    if (text.empty() || !std::all_of(text.begin(), text.end(),
                                     [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    auto value = parseInt(text);
    if (!value || *value > std::numeric_limits<sdk::Seconds>::max() / unit) {
        return std::nullopt;
    }
    return *value * unit;
}

std::optional<std::int64_t> FakeConfigNode::parseInt(std::string_view text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> FakeConfigNode::parseBool(std::string_view text) {
    if (text == "true") {
        return true;
    }
    if (text == "false") {
        return false;
    }
    return std::nullopt;
}

const sdk::ConfigKey* FakeConfigNode::declared(const std::string& key, sdk::ConfigType type) const {
    for (const sdk::ConfigKey& k : schema_) {
        if (k.name == key) {
            return k.type == type ? &k : nullptr;
        }
    }
    return nullptr;
}

std::optional<std::string> FakeConfigNode::scalarOf(const sdk::ConfigKey& key) const {
    if (auto it = scalars_.find(key.name); it != scalars_.end()) {
        return it->second;
    }
    if (!key.default_value.empty()) {
        return key.default_value;
    }
    return std::nullopt;
}

std::vector<std::string> FakeConfigNode::validate() const {
    std::vector<std::string> errors;
    std::set<std::string> given;
    for (const auto& [name, value] : scalars_) {
        given.insert(name);
    }
    for (const auto& [name, value] : lists_) {
        given.insert(name);
    }
    for (const auto& [name, value] : secrets_) {
        given.insert(name);
    }
    for (const auto& [name, value] : children_) {
        given.insert(name);
    }
    for (const std::string& name : given) {
        if (std::none_of(schema_.begin(), schema_.end(),
                         [&](const sdk::ConfigKey& k) { return k.name == name; })) {
            errors.push_back(where(name) + ": unknown key");
        }
    }
    for (const sdk::ConfigKey& key : schema_) {
        if (key.required && given.count(key.name) == 0) {
            errors.push_back(where(key.name) + ": required key is missing");
            continue;
        }
        const auto scalar = scalars_.find(key.name);
        switch (key.type) {
        case sdk::ConfigType::string:
            if (lists_.count(key.name) != 0 || children_.count(key.name) != 0) {
                errors.push_back(where(key.name) + ": expected a string");
            }
            break;
        case sdk::ConfigType::integer:
            if (scalar != scalars_.end()) {
                auto value = parseInt(scalar->second);
                if (!value) {
                    errors.push_back(where(key.name) + ": expected an integer");
                } else if (*value < key.min || *value > key.max) {
                    errors.push_back(where(key.name) + ": must be between " +
                                     std::to_string(key.min) + " and " + std::to_string(key.max));
                }
            }
            break;
        case sdk::ConfigType::boolean:
            if (scalar != scalars_.end() && !parseBool(scalar->second)) {
                errors.push_back(where(key.name) + ": expected true or false");
            }
            break;
        case sdk::ConfigType::duration:
            if (scalar != scalars_.end()) {
                auto value = parseDuration(scalar->second);
                if (!value) {
                    errors.push_back(where(key.name) + ": expected a duration such as 90s or 15m");
                } else if (*value < key.min || *value > key.max) {
                    errors.push_back(where(key.name) + ": must be between " +
                                     std::to_string(key.min) + "s and " + std::to_string(key.max) +
                                     "s");
                }
            }
            break;
        case sdk::ConfigType::string_list:
            if (scalar != scalars_.end() || children_.count(key.name) != 0) {
                errors.push_back(where(key.name) + ": expected a list of strings");
            }
            break;
        case sdk::ConfigType::secret:
            if (scalar != scalars_.end()) {
                errors.push_back(where(key.name) + ": a secret is given as " + key.name +
                                 "_env or " + key.name + "_file, never literally");
            }
            break;
        case sdk::ConfigType::map:
            if (scalar != scalars_.end() || lists_.count(key.name) != 0) {
                errors.push_back(where(key.name) + ": expected a map");
            } else if (auto it = children_.find(key.name); it != children_.end()) {
                auto nested = it->second->validate();
                errors.insert(errors.end(), nested.begin(), nested.end());
            }
            break;
        }
    }
    return errors;
}

bool FakeConfigNode::has(const std::string& key) const {
    return scalars_.count(key) != 0 || lists_.count(key) != 0 || secrets_.count(key) != 0 ||
           children_.count(key) != 0;
}

std::string FakeConfigNode::getString(const std::string& key, const std::string& fallback) const {
    const sdk::ConfigKey* k = declared(key, sdk::ConfigType::string);
    if (k == nullptr) {
        return fallback;
    }
    return scalarOf(*k).value_or(fallback);
}

std::int64_t FakeConfigNode::getInt(const std::string& key, std::int64_t fallback) const {
    const sdk::ConfigKey* k = declared(key, sdk::ConfigType::integer);
    if (k == nullptr) {
        return fallback;
    }
    auto text = scalarOf(*k);
    auto value = text ? parseInt(*text) : std::nullopt;
    return value.value_or(fallback);
}

bool FakeConfigNode::getBool(const std::string& key, bool fallback) const {
    const sdk::ConfigKey* k = declared(key, sdk::ConfigType::boolean);
    if (k == nullptr) {
        return fallback;
    }
    auto text = scalarOf(*k);
    auto value = text ? parseBool(*text) : std::nullopt;
    return value.value_or(fallback);
}

sdk::Seconds FakeConfigNode::getDuration(const std::string& key, sdk::Seconds fallback) const {
    const sdk::ConfigKey* k = declared(key, sdk::ConfigType::duration);
    if (k == nullptr) {
        return fallback;
    }
    auto text = scalarOf(*k);
    auto value = text ? parseDuration(*text) : std::nullopt;
    return value.value_or(fallback);
}

std::vector<std::string> FakeConfigNode::getStringList(const std::string& key) const {
    if (declared(key, sdk::ConfigType::string_list) == nullptr) {
        return {};
    }
    auto it = lists_.find(key);
    return it == lists_.end() ? std::vector<std::string>{} : it->second;
}

std::string FakeConfigNode::getSecret(const std::string& key) const {
    if (declared(key, sdk::ConfigType::secret) == nullptr) {
        return {};
    }
    auto it = secrets_.find(key);
    return it == secrets_.end() ? std::string{} : it->second;
}

const sdk::ConfigNode* FakeConfigNode::child(const std::string& key) const {
    if (declared(key, sdk::ConfigType::map) == nullptr) {
        return nullptr;
    }
    auto it = children_.find(key);
    return it == children_.end() ? nullptr : it->second.get();
}

std::string FakeConfigNode::where(const std::string& key) const {
    // Line numbers follow the schema order so that each key has a stable, distinct position.
    std::size_t line = 1;
    for (std::size_t i = 0; i < schema_.size(); ++i) {
        if (schema_[i].name == key) {
            line = i + 1;
        }
    }
    return "test.yaml:" + std::to_string(line) + ":5: " + path_ + "." + key;
}

}  // namespace authd::test
