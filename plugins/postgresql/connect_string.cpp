// SPDX-License-Identifier: Apache-2.0
#include "connect_string.hpp"

namespace authd::plugins::postgresql {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

sdk::Error invalid(const std::string& message) {
    return sdk::makeError(sdk::ErrorCode::invalid_config, "dsn: " + message);
}

// What SOCI 4.0.3 cannot carry: it splits on whitespace and re-joins with single spaces.
sdk::Result<void> checkValue(const std::string& key, const std::string& value) {
    bool secret = key == "password";
    std::string name = secret ? "the password" : "the value of " + key;
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto c = static_cast<unsigned char>(value[i]);
        if (c < 0x20 || c == 0x7F) {
            return invalid(name + " contains a control character");
        }
        if (value[i] == ' ' && i + 1 < value.size() && value[i + 1] == ' ') {
            return invalid(name + " contains consecutive spaces, which SOCI 4.0.3 cannot pass on");
        }
    }
    return sdk::ok();
}

std::string quote(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

}  // namespace

sdk::Result<ConnectParams> parseConnectString(std::string_view dsn) {
    std::size_t start = 0;
    while (start < dsn.size() && isSpace(dsn[start])) {
        ++start;
    }
    std::string_view rest = dsn.substr(start);
    if (rest.rfind("postgresql://", 0) == 0 || rest.rfind("postgres://", 0) == 0) {
        return invalid(
            "URIs (postgresql://...) are not supported because SOCI 4.0.3 misreads them; use the "
            "libpq key=value form, e.g. \"host=127.0.0.1 port=5432 dbname=authd user=authd\"");
    }
    ConnectParams params;
    std::size_t pos = 0;
    while (true) {
        while (pos < rest.size() && isSpace(rest[pos])) {
            ++pos;
        }
        if (pos >= rest.size()) {
            break;
        }
        std::size_t key_start = pos;
        while (pos < rest.size() && rest[pos] != '=' && !isSpace(rest[pos])) {
            ++pos;
        }
        std::string key(rest.substr(key_start, pos - key_start));
        while (pos < rest.size() && isSpace(rest[pos])) {
            ++pos;
        }
        if (pos >= rest.size() || rest[pos] != '=') {
            return invalid("missing '=' after \"" + key + "\" (expected key=value pairs)");
        }
        ++pos;
        if (key.empty()) {
            return invalid("a value has no key (expected key=value pairs)");
        }
        for (char c : key) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_';
            if (!ok) {
                return invalid("\"" + key + "\" is not a connection parameter name");
            }
        }
        while (pos < rest.size() && isSpace(rest[pos])) {
            ++pos;
        }
        std::string value;
        if (pos < rest.size() && rest[pos] == '\'') {
            ++pos;
            bool closed = false;
            while (pos < rest.size()) {
                char c = rest[pos++];
                if (c == '\\' && pos < rest.size()) {
                    value.push_back(rest[pos++]);
                } else if (c == '\'') {
                    closed = true;
                    break;
                } else {
                    value.push_back(c);
                }
            }
            if (!closed) {
                return invalid("unterminated quoted value for " + key);
            }
        } else {
            while (pos < rest.size() && !isSpace(rest[pos])) {
                char c = rest[pos++];
                if (c == '\\' && pos < rest.size()) {
                    value.push_back(rest[pos++]);
                } else {
                    value.push_back(c);
                }
            }
        }
        if (auto checked = checkValue(key, value); !checked) {
            return std::move(checked).error();
        }
        params.emplace_back(std::move(key), std::move(value));
    }
    if (params.empty()) {
        return invalid("empty connection string");
    }
    return params;
}

sdk::Result<std::string> buildConnectString(const ConnectParams& params,
                                            const std::string& password,
                                            sdk::Seconds connect_timeout) {
    std::string out;
    std::string timeout = std::to_string(connect_timeout);
    bool has_password = false;
    for (const auto& [key, value] : params) {
        if (key == "connect_timeout") {
            // The DSN's own value wins over the plugin setting, but still goes last.
            timeout = value;
            continue;
        }
        if (key == "password") {
            has_password = true;
        }
        out += key + "=" + quote(value) + " ";
    }
    if (!password.empty()) {
        if (has_password) {
            return invalid("a password is set both in the DSN and in the password setting; "
                           "keep only the password setting");
        }
        if (auto checked = checkValue("password", password); !checked) {
            return std::move(checked).error();
        }
        out += "password=" + quote(password) + " ";
    }
    for (char c : timeout) {
        if (c < '0' || c > '9') {
            return invalid("connect_timeout must be a whole number of seconds");
        }
    }
    if (timeout.empty()) {
        return invalid("connect_timeout must be a whole number of seconds");
    }
    out += "connect_timeout=" + timeout;
    return out;
}

std::string describeTarget(const ConnectParams& params) {
    std::string out;
    for (const char* key : {"host", "hostaddr", "port", "dbname", "user"}) {
        for (const auto& [name, value] : params) {
            if (name == key) {
                if (!out.empty()) {
                    out.push_back(' ');
                }
                out += name + "=" + value;
            }
        }
    }
    return out.empty() ? std::string("(libpq defaults)") : out;
}

}  // namespace authd::plugins::postgresql
