// SPDX-License-Identifier: Apache-2.0
#include "http/headers.hpp"

#include <algorithm>

namespace authd::http {
namespace {
char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
} // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

const std::string* Headers::find(std::string_view name) const noexcept {
    for (const auto& [key, value] : fields_) {
        if (equalsIgnoreCase(key, name)) {
            return &value;
        }
    }
    return nullptr;
}

std::string Headers::get(std::string_view name, std::string fallback) const {
    const std::string* found = find(name);
    return found ? *found : fallback;
}

void Headers::add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::set(std::string name, std::string value) {
    remove(name);
    fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::setDefault(std::string name, std::string value) {
    if (!has(name)) {
        fields_.emplace_back(std::move(name), std::move(value));
    }
}

void Headers::remove(std::string_view name) {
    fields_.erase(
        std::remove_if(fields_.begin(), fields_.end(),
                       [name](const auto& field) { return equalsIgnoreCase(field.first, name); }),
        fields_.end());
}

} // namespace authd::http
