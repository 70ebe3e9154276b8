// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd::http {

/// True when `a` and `b` are equal ignoring ASCII case (header names, media types).
bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept;

/// HTTP header fields in arrival order. Names compare case-insensitively; a name may repeat.
/// Threading: a plain value.
class Headers {
  public:
    /// The first value of `name`, or nullptr.
    const std::string* find(std::string_view name) const noexcept;
    std::string get(std::string_view name, std::string fallback = {}) const;
    bool has(std::string_view name) const noexcept { return find(name) != nullptr; }
    /// Appends a field (another `Set-Cookie`, say).
    void add(std::string name, std::string value);
    /// Replaces every field called `name` by one.
    void set(std::string name, std::string value);
    /// Adds the field only when no field of that name exists.
    void setDefault(std::string name, std::string value);
    void remove(std::string_view name);

    const std::vector<std::pair<std::string, std::string>>& fields() const noexcept {
        return fields_;
    }
    bool empty() const noexcept { return fields_.empty(); }

  private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

} // namespace authd::http
