// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace authd::sdk {

/// Seconds since the Unix epoch, UTC. 0 means "not set" wherever a field is optional.
using UnixTime = std::int64_t;
/// A length of time in seconds (config durations such as `15m` arrive as this).
using Seconds = std::int64_t;

/// A page of a listing: `next_cursor` is empty on the last page.
template <typename T>
struct Slice {
    std::vector<T> items;
    std::string next_cursor;
};

/// Ordered name/value pairs (query strings, form bodies, headers). Names may repeat.
class Fields {
public:
    Fields() = default;
    explicit Fields(std::vector<std::pair<std::string, std::string>> pairs)
        : pairs_(std::move(pairs)) {}

    /// The first value for `name`, or nullptr. The pointer lives as long as this object.
    const std::string* find(const std::string& name) const {
        for (const auto& [key, value] : pairs_) {
            if (key == name) {
                return &value;
            }
        }
        return nullptr;
    }
    std::string get(const std::string& name, std::string fallback = {}) const {
        const std::string* found = find(name);
        return found ? *found : fallback;
    }
    void add(std::string name, std::string value) {
        pairs_.emplace_back(std::move(name), std::move(value));
    }
    const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

private:
    std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace authd::sdk
