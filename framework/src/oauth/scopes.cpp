// SPDX-License-Identifier: Apache-2.0
#include "oauth/scopes.hpp"

#include <algorithm>

namespace authd::oauth {
namespace {

bool isScopeChar(unsigned char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

}  // namespace

std::optional<std::vector<std::string>> parseScope(std::string_view scope) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < scope.size()) {
        if (scope[pos] == ' ') {
            ++pos;
            continue;
        }
        std::size_t end = scope.find(' ', pos);
        if (end == std::string_view::npos) {
            end = scope.size();
        }
        const std::string_view token = scope.substr(pos, end - pos);
        for (char c : token) {
            if (!isScopeChar(static_cast<unsigned char>(c))) {
                return std::nullopt;
            }
        }
        if (!hasScope(out, token)) {
            out.emplace_back(token);
        }
        pos = end;
    }
    return out;
}

std::string joinScope(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& scope : scopes) {
        if (!out.empty()) {
            out += ' ';
        }
        out += scope;
    }
    return out;
}

bool hasScope(const std::vector<std::string>& scopes, std::string_view scope) {
    return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

bool hasScope(std::string_view scope_string, std::string_view scope) {
    std::size_t pos = 0;
    while (pos <= scope_string.size()) {
        std::size_t end = scope_string.find(' ', pos);
        if (end == std::string_view::npos) {
            end = scope_string.size();
        }
        if (scope_string.substr(pos, end - pos) == scope) {
            return true;
        }
        pos = end + 1;
    }
    return false;
}

std::vector<std::string> scopesOutside(const std::vector<std::string>& requested,
                                       const std::vector<std::string>& allowed) {
    std::vector<std::string> out;
    for (const auto& scope : requested) {
        if (!hasScope(allowed, scope)) {
            out.push_back(scope);
        }
    }
    return out;
}

std::vector<std::string> scopesWithin(const std::vector<std::string>& requested,
                                      const std::vector<std::string>& allowed) {
    std::vector<std::string> out;
    for (const auto& scope : requested) {
        if (hasScope(allowed, scope)) {
            out.push_back(scope);
        }
    }
    return out;
}

}  // namespace authd::oauth
