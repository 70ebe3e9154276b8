// SPDX-License-Identifier: Apache-2.0
#include "config/authd_config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <yaml-cpp/depthguard.h>

#include "config/config_error.hpp"
#include "config/yaml_support.hpp"

namespace authd::config {

namespace {

using detail::IssueSink;
using detail::Location;
using detail::MapEntry;

constexpr sdk::Seconds kMinute = 60;
constexpr sdk::Seconds kHour = 3600;
constexpr sdk::Seconds kDay = 86400;
constexpr sdk::Seconds kMaxTtl = 3650 * kDay;
constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;

// ---- Keyword tables (STYLE 9.6): key -> reader; the reader checks type and range. ----------

template <typename S>
using Reader = std::function<void(S& out, const MapEntry& entry, const std::string& path,
                                  IssueSink& sink)>;

template <typename S>
struct Keyword {
    Keyword(std::string name_, bool required_, Reader<S> read_, std::string hint_ = {},
            bool listed_ = true)
        : name(std::move(name_)), required(required_), read(std::move(read_)),
          hint(std::move(hint_)), listed(listed_) {}

    std::string name;
    bool required = false;
    Reader<S> read;
    std::string hint;     // appended to "missing required key" messages
    bool listed = true;   // false: recognised only to refuse it (literal secrets)
};

template <typename S>
using Table = std::vector<Keyword<S>>;

// Runs after a section's keys were read, for rules that span several keys.
template <typename S>
using Check = std::function<void(S& out, const std::vector<MapEntry>& entries, Location where,
                                 const std::string& path, IssueSink& sink)>;

// A text rule returns an empty string when the value is acceptable, else why not.
using TextRule = std::function<std::string(const std::string&)>;

std::size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                               diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

template <typename S>
std::string unknownKeyMessage(const std::string& key, const Table<S>& table) {
    std::vector<std::string> names;
    std::string suggestion;
    std::size_t best = 3;
    for (const Keyword<S>& keyword : table) {
        if (!keyword.listed) {
            continue;
        }
        names.push_back(keyword.name);
        const std::size_t distance = editDistance(key, keyword.name);
        if (distance < best) {
            best = distance;
            suggestion = keyword.name;
        }
    }
    std::string message = "unknown key";
    if (!suggestion.empty()) {
        message += " (did you mean \"" + suggestion + "\"?)";
    }
    if (names.empty()) {
        return message + "; no keys are allowed here";
    }
    return message + "; allowed keys: " + detail::joinNames(names);
}

template <typename S>
void readMap(const YAML::Node& node, Location where, const std::string& path,
             const Table<S>& table, S& out, IssueSink& sink, const Check<S>& check = {}) {
    std::vector<MapEntry> entries;
    if (node.IsMap()) {
        entries = detail::mapEntries(node, path, sink);
    } else if (!node.IsNull()) {
        sink.add(where, path, "expected a map, got " + detail::describeNode(node));
        return;
    }
    std::vector<bool> seen(table.size(), false);
    for (const MapEntry& entry : entries) {
        const auto keyword = std::find_if(table.begin(), table.end(),
                                          [&](const Keyword<S>& k) { return k.name == entry.key; });
        const std::string key_path = detail::joinPath(path, entry.key);
        if (keyword == table.end()) {
            sink.add(entry.key_location, key_path, unknownKeyMessage(entry.key, table));
            continue;
        }
        seen[static_cast<std::size_t>(keyword - table.begin())] = true;
        keyword->read(out, entry, key_path, sink);
    }
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (table[i].required && !seen[i]) {
            std::string message = "missing required key \"" + table[i].name + "\"";
            if (!table[i].hint.empty()) {
                message += " (" + table[i].hint + ")";
            }
            sink.add(where, path, message);
        }
    }
    if (check) {
        check(out, entries, where, path, sink);
    }
}

bool hasKey(const std::vector<MapEntry>& entries, const std::string& key) {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const MapEntry& e) { return e.key == key; });
}

template <typename S>
Reader<S> text(std::string S::*member, TextRule rule = {}) {
    return [member, rule](S& out, const MapEntry& entry, const std::string& path,
                          IssueSink& sink) {
        std::optional<std::string> value =
            detail::readString(entry.value, entry.value_location, path, sink);
        if (!value) {
            return;
        }
        if (rule) {
            if (std::string why = rule(*value); !why.empty()) {
                sink.add(entry.value_location, path, why);
                return;
            }
        }
        out.*member = std::move(*value);
    };
}

template <typename S, typename Int>
Reader<S> integer(Int S::*member, std::int64_t min, std::int64_t max) {
    return [member, min, max](S& out, const MapEntry& entry, const std::string& path,
                              IssueSink& sink) {
        if (auto value =
                detail::readInteger(entry.value, entry.value_location, path, min, max, sink)) {
            out.*member = static_cast<Int>(*value);
        }
    };
}

template <typename S>
Reader<S> duration(sdk::Seconds S::*member, sdk::Seconds min, sdk::Seconds max) {
    return [member, min, max](S& out, const MapEntry& entry, const std::string& path,
                              IssueSink& sink) {
        if (auto value =
                detail::readDuration(entry.value, entry.value_location, path, min, max, sink)) {
            out.*member = *value;
        }
    };
}

template <typename S>
Reader<S> boolean(bool S::*member) {
    return [member](S& out, const MapEntry& entry, const std::string& path, IssueSink& sink) {
        if (auto value = detail::readBoolean(entry.value, entry.value_location, path, sink)) {
            out.*member = *value;
        }
    };
}

template <typename S, typename E>
Reader<S> choice(E S::*member, std::vector<std::pair<std::string, E>> options) {
    return [member, options](S& out, const MapEntry& entry, const std::string& path,
                             IssueSink& sink) {
        std::vector<std::string> names;
        for (const auto& [name, value] : options) {
            names.push_back(name);
        }
        const std::string expected = "expected one of " + detail::joinNames(names) + ", got ";
        if (!entry.value.IsScalar()) {
            sink.add(entry.value_location, path, expected + detail::describeNode(entry.value));
            return;
        }
        for (const auto& [name, value] : options) {
            if (entry.value.Scalar() == name) {
                out.*member = value;
                return;
            }
        }
        sink.add(entry.value_location, path, expected + detail::quoted(entry.value.Scalar()));
    };
}

template <typename S>
Reader<S> stringList(std::vector<std::string> S::*member, TextRule item_rule) {
    return [member, item_rule](S& out, const MapEntry& entry, const std::string& path,
                               IssueSink& sink) {
        auto items = detail::readStringList(entry.value, entry.value_location, path, sink);
        if (!items) {
            return;
        }
        if (items->empty()) {
            sink.add(entry.value_location, path, "must list at least one entry");
            return;
        }
        bool ok = true;
        for (std::size_t i = 0; i < items->size(); ++i) {
            if (std::string why = item_rule((*items)[i]); !why.empty()) {
                sink.add(entry.value_location, detail::indexPath(path, i), why);
                ok = false;
            }
        }
        if (ok) {
            out.*member = std::move(*items);
        }
    };
}

// A key that would hold a secret literally: recognised only to refuse it with the fix.
template <typename S>
Reader<S> refuseLiteralSecret() {
    return [](S&, const MapEntry& entry, const std::string& path, IssueSink& sink) {
        sink.add(entry.key_location, path,
                 "secrets must not be written in the config file; use " + entry.key +
                     "_env: VARIABLE or " + entry.key + "_file: PATH instead");
    };
}

template <typename S, typename Sub>
Reader<S> section(Sub S::*member, const Table<Sub>& table, Check<Sub> check = {}) {
    return [member, &table, check](S& out, const MapEntry& entry, const std::string& path,
                                   IssueSink& sink) {
        Location where = entry.value.IsMap() ? detail::locationOf(entry.value) : entry.value_location;
        if (where.line == 0) {
            where = entry.key_location;
        }
        readMap(entry.value, where, path, table, out.*member, sink, check);
    };
}

// ---- Rules for text values ---------------------------------------------------------------

std::string nonEmpty(const std::string& value) {
    return value.empty() ? "must not be empty" : "";
}

std::string envNameOrEmpty(const std::string& value) {
    if (value.empty() || detail::isEnvName(value)) {
        return "";
    }
    return "expected an environment variable name (letters, digits and _, not starting with a "
           "digit), got " + detail::quoted(value);
}

std::string pluginName(const std::string& value) {
    const bool ok = !value.empty() && value.size() <= 64 &&
                    std::all_of(value.begin(), value.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                    });
    return ok ? "" : "expected a plugin name (lower-case letters, digits and _), like sqlite, got " +
                         detail::quoted(value);
}

std::string instanceId(const std::string& value) {
    const auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    };
    const bool ok = !value.empty() && value.size() <= 64 && value[0] != '-' &&
                    value[0] != '_' && std::all_of(value.begin(), value.end(), allowed);
    return ok ? "" : "expected an id of letters, digits, - and _ (at most 64, starting with a "
                     "letter or digit), like email-link, got " + detail::quoted(value);
}

std::string issuerRule(const std::string& value) {
    const std::string example = "like http://127.0.0.1:8080 or https://id.example.com";
    std::string rest;
    if (value.rfind("https://", 0) == 0) {
        rest = value.substr(8);
    } else if (value.rfind("http://", 0) == 0) {
        rest = value.substr(7);
    } else {
        return "expected an http:// or https:// URL, " + example + ", got " +
               detail::quoted(value);
    }
    const std::string host = rest.substr(0, rest.find('/'));
    if (host.empty()) {
        return "the issuer URL has no host; expected a URL " + example;
    }
    for (const char c : value) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '?' || c == '#') {
            return "the issuer URL must not contain spaces, control characters, a query (?) or "
                   "a fragment (#), got " + detail::quoted(value);
        }
    }
    if (host.find('@') != std::string::npos) {
        return "the issuer URL must not contain user information (@), got " +
               detail::quoted(value);
    }
    if (value.back() == '/') {
        return "the issuer must not end with a slash (clients compare it character by "
               "character), got " + detail::quoted(value);
    }
    return "";
}

// "host:port", "[v6]:port"; port 0..65535 (0 = any free port).
std::string parseListen(const std::string& value, std::string& host, std::uint16_t& port) {
    const std::string why = "expected host:port like 127.0.0.1:8080 or [::1]:8080, got " +
                            detail::quoted(value);
    std::string host_part;
    std::string port_part;
    if (!value.empty() && value[0] == '[') {
        const auto close = value.find(']');
        if (close == std::string::npos || close + 1 >= value.size() || value[close + 1] != ':') {
            return why;
        }
        host_part = value.substr(1, close - 1);
        port_part = value.substr(close + 2);
        in6_addr address{};
        if (::inet_pton(AF_INET6, host_part.c_str(), &address) != 1) {
            return why + " (" + detail::quoted(host_part) + " is not an IPv6 address)";
        }
    } else {
        const auto colon = value.rfind(':');
        if (colon == std::string::npos) {
            return why + " (the port is missing)";
        }
        host_part = value.substr(0, colon);
        port_part = value.substr(colon + 1);
        if (host_part.find(':') != std::string::npos) {
            return why + " (write IPv6 addresses in brackets)";
        }
        const bool ok = !host_part.empty() &&
                        std::all_of(host_part.begin(), host_part.end(), [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                   (c >= '0' && c <= '9') || c == '.' || c == '-';
                        });
        if (!ok) {
            return why + " (the host must be an address or a name)";
        }
    }
    const std::optional<std::int64_t> number = detail::parseInteger(port_part);
    if (!number || *number < 0 || *number > 65535) {
        return why + " (the port must be a number from 0 to 65535)";
    }
    host = host_part;
    port = static_cast<std::uint16_t>(*number);
    return "";
}

// ---- Section tables ----------------------------------------------------------------------

const Table<TlsConfig>& tlsKeys() {
    static const Table<TlsConfig> table = {
        {"cert", true, text(&TlsConfig::cert, nonEmpty), "tls needs both cert and key"},
        {"key", true, text(&TlsConfig::key, nonEmpty), "tls needs both cert and key"},
    };
    return table;
}

const Table<ServerConfig>& serverKeys() {
    static const Table<ServerConfig> table = {
        {"listen", false,
         [](ServerConfig& out, const MapEntry& entry, const std::string& path, IssueSink& sink) {
             auto value = detail::readString(entry.value, entry.value_location, path, sink);
             if (!value) {
                 return;
             }
             if (std::string why = parseListen(*value, out.listen_host, out.listen_port);
                 !why.empty()) {
                 sink.add(entry.value_location, path, why);
                 return;
             }
             out.listen = *value;
         }},
        {"issuer", true, text(&ServerConfig::issuer, issuerRule),
         "the public base URL, like http://127.0.0.1:8080"},
        {"threads", false, integer(&ServerConfig::threads, 1, 512)},
        {"queue", false, integer(&ServerConfig::queue, 1, 65535)},
        {"max_body_bytes", false, integer(&ServerConfig::max_body_bytes, 1024, 1073741824)},
        {"max_header_bytes", false, integer(&ServerConfig::max_header_bytes, 1024, 1048576)},
        {"shutdown_grace", false, duration(&ServerConfig::shutdown_grace, 0, kHour)},
        {"keep_alive_timeout", false, duration(&ServerConfig::keep_alive_timeout, 1, kHour)},
        {"receive_timeout", false, duration(&ServerConfig::receive_timeout, 1, kHour)},
        {"tls", false,
         [](ServerConfig& out, const MapEntry& entry, const std::string& path, IssueSink& sink) {
             if (entry.value.IsNull()) {
                 return;  // `tls:` with nothing under it: plain HTTP, as if absent
             }
             TlsConfig tls;
             const std::size_t before = sink.count();
             const Location where =
                 entry.value.IsMap() ? detail::locationOf(entry.value) : entry.value_location;
             readMap(entry.value, where, path, tlsKeys(), tls, sink);
             if (sink.count() == before) {
                 out.tls = std::move(tls);
             }
         }},
    };
    return table;
}

const Table<PluginsConfig>& pluginsKeys() {
    static const Table<PluginsConfig> table = {
        {"paths", true, stringList(&PluginsConfig::paths, nonEmpty),
         "a list of folders holding authd_<name>.so files"},
    };
    return table;
}

Reader<PluginInstanceConfig> pluginConfigMap() {
    return [](PluginInstanceConfig& out, const MapEntry& entry, const std::string& path,
              IssueSink& sink) {
        if (entry.value.IsNull()) {
            return;  // `config:` with nothing under it: the plugin's defaults
        }
        if (!entry.value.IsMap()) {
            sink.add(entry.value_location, path,
                     "expected a map of the plugin's settings, got " +
                         detail::describeNode(entry.value));
            return;
        }
        out.config = entry.value;
    };
}

const Table<PluginInstanceConfig>& singleInstanceKeys() {
    static const Table<PluginInstanceConfig> table = {
        {"plugin", true, text(&PluginInstanceConfig::plugin, pluginName),
         "the plugin's name, like sqlite"},
        {"config", false, pluginConfigMap()},
    };
    return table;
}

const Table<PluginInstanceConfig>& authenticatorKeys() {
    static const Table<PluginInstanceConfig> table = {
        {"id", true, text(&PluginInstanceConfig::id, instanceId),
         "a unique name for this sign-in method, like password"},
        {"plugin", true, text(&PluginInstanceConfig::plugin, pluginName),
         "the plugin's name, like password"},
        {"config", false, pluginConfigMap()},
    };
    return table;
}

// Reads one plugin instance map; returns it only when it had no problem.
std::optional<PluginInstanceConfig> readInstance(const YAML::Node& node, Location where,
                                                 const std::string& path,
                                                 const Table<PluginInstanceConfig>& table,
                                                 IssueSink& sink) {
    PluginInstanceConfig instance;
    instance.config = YAML::Node(YAML::NodeType::Map);
    instance.yaml_path = path;
    instance.file = sink.file();
    instance.line = where.line;
    instance.column = where.column;
    const std::size_t before = sink.count();
    if (node.IsNull()) {
        sink.add(where, path, "expected a map with plugin and config, got nothing");
        return std::nullopt;
    }
    readMap(node, where, path, table, instance, sink);
    if (sink.count() != before) {
        return std::nullopt;
    }
    if (instance.id.empty()) {
        instance.id = instance.plugin;
    }
    return instance;
}

Location mapLocation(const MapEntry& entry) {
    Location where = entry.value.IsMap() ? detail::locationOf(entry.value) : entry.value_location;
    return where.line == 0 ? entry.key_location : where;
}

void readAuthenticators(AuthdConfig& out, const MapEntry& entry, const std::string& path,
                        IssueSink& sink) {
    if (entry.value.IsNull()) {
        return;
    }
    if (!entry.value.IsSequence()) {
        sink.add(entry.value_location, path,
                 "expected a list of authenticators ({ id, plugin, config }), got " +
                     detail::describeNode(entry.value));
        return;
    }
    std::map<std::string, Location> ids;
    std::size_t index = 0;
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it, ++index) {
        const YAML::Node item = *it;
        Location where = detail::locationOf(item);
        if (item.IsNull() || where.line == 0) {
            where = entry.value_location;
        }
        const std::string item_path = detail::indexPath(path, index);
        std::optional<PluginInstanceConfig> instance =
            readInstance(item, where, item_path, authenticatorKeys(), sink);
        if (!instance) {
            continue;
        }
        const YAML::Node id_node = item["id"];
        Location id_location = detail::locationOf(id_node);
        if (id_location.line == 0) {
            id_location = where;
        }
        if (const auto first = ids.find(instance->id); first != ids.end()) {
            sink.add(id_location, item_path + ".id",
                     "duplicate authenticator id " + detail::quoted(instance->id) +
                         " (first used at line " + std::to_string(first->second.line) +
                         "); ids must be unique");
            continue;
        }
        ids.emplace(instance->id, id_location);
        out.authenticators.push_back(std::move(*instance));
    }
}

const Table<TokensConfig>& tokensKeys() {
    static const Table<TokensConfig> table = {
        {"access_ttl", false, duration(&TokensConfig::access_ttl, 1, kMaxTtl)},
        {"refresh_ttl", false, duration(&TokensConfig::refresh_ttl, 1, kMaxTtl)},
        {"pin_refresh_ttl", false, duration(&TokensConfig::pin_refresh_ttl, 1, kMaxTtl)},
        {"id_token_ttl", false, duration(&TokensConfig::id_token_ttl, 1, kMaxTtl)},
        // RFC 6749 section 4.1.2: codes should live at most 10 minutes.
        {"code_ttl", false, duration(&TokensConfig::code_ttl, 1, 10 * kMinute)},
        {"session_ttl", false, duration(&TokensConfig::session_ttl, 1, kMaxTtl)},
        {"login_ttl", false, duration(&TokensConfig::login_ttl, 1, kDay)},
        {"refresh_grace", false, duration(&TokensConfig::refresh_grace, 0, kHour)},
        {"default_id_token_alg", false,
         choice(&TokensConfig::default_id_token_alg,
                std::vector<std::pair<std::string, std::string>>{
                    {"HS256", "HS256"}, {"RS256", "RS256"}, {"ES256", "ES256"},
                    {"EdDSA", "EdDSA"}})},
    };
    return table;
}

const Table<SecretsConfig>& secretsKeys() {
    static const Table<SecretsConfig> table = {
        {"master_key_env", false, text(&SecretsConfig::master_key_env, envNameOrEmpty)},
        {"master_key_file", false, text(&SecretsConfig::master_key_file)},
        {"admin_token_env", false, text(&SecretsConfig::admin_token_env, envNameOrEmpty)},
        {"admin_token_file", false, text(&SecretsConfig::admin_token_file)},
        {"dev_master_key", false, boolean(&SecretsConfig::dev_master_key)},
        {"master_key", false, refuseLiteralSecret<SecretsConfig>(), {}, false},
        {"admin_token", false, refuseLiteralSecret<SecretsConfig>(), {}, false},
    };
    return table;
}

void checkSecrets(SecretsConfig& out, const std::vector<MapEntry>& entries, Location where,
                  const std::string& path, IssueSink& sink) {
    if (hasKey(entries, "admin_token_file") && !out.admin_token_file.empty()) {
        if (hasKey(entries, "admin_token_env") && !out.admin_token_env.empty()) {
            sink.add(where, path,
                     "give admin_token_env or admin_token_file, not both");
        }
        out.admin_token_env.clear();
    }
    if (out.master_key_env.empty() && out.master_key_file.empty()) {
        sink.add(where, path, "master_key_env and master_key_file are both empty; set at least one");
    }
    if (out.dev_master_key && out.master_key_file.empty()) {
        sink.add(where, path, "dev_master_key needs master_key_file (where the key is generated)");
    }
}

const Table<PasswordHashingConfig>& passwordHashingKeys() {
    static const Table<PasswordHashingConfig> table = {
        {"t_cost", false,
         integer(&PasswordHashingConfig::t_cost, 1, crypto::PasswordHasher::kMaxTimeCost)},
        {"m_cost_kib", false,
         integer(&PasswordHashingConfig::m_cost_kib, 8, crypto::PasswordHasher::kMaxMemoryKib)},
        {"parallelism", false,
         integer(&PasswordHashingConfig::parallelism, 1,
                 crypto::PasswordHasher::kMaxParallelism)},
    };
    return table;
}

void checkPasswordHashing(PasswordHashingConfig& out, const std::vector<MapEntry>&,
                          Location where, const std::string& path, IssueSink& sink) {
    if (sdk::Result<void> valid = crypto::PasswordHasher::validate(out.params()); !valid) {
        sink.add(where, path, valid.error().message);
    }
}

const Table<LoggingConfig>& loggingKeys() {
    static const Table<LoggingConfig> table = {
        {"level", false,
         choice(&LoggingConfig::level, std::vector<std::pair<std::string, sdk::LogLevel>>{
                                           {"debug", sdk::LogLevel::debug},
                                           {"info", sdk::LogLevel::info},
                                           {"warning", sdk::LogLevel::warning},
                                           {"error", sdk::LogLevel::error}})},
    };
    return table;
}

const Table<AuthdConfig>& topKeys() {
    static const Table<AuthdConfig> table = {
        {"server", true, section(&AuthdConfig::server, serverKeys()),
         "at least server.issuer"},
        {"plugins", true, section(&AuthdConfig::plugins, pluginsKeys()),
         "plugins.paths lists the folders holding the plugin files"},
        {"data_dir", false, text(&AuthdConfig::data_dir, nonEmpty)},
        {"storage", true,
         [](AuthdConfig& out, const MapEntry& entry, const std::string& path, IssueSink& sink) {
             if (auto instance =
                     readInstance(entry.value, mapLocation(entry), path, singleInstanceKeys(), sink)) {
                 out.storage = std::move(*instance);
             }
         },
         "for example storage: { plugin: sqlite, config: { path: var/authd.db } }"},
        {"authenticators", false, readAuthenticators},
        {"mail", false,
         [](AuthdConfig& out, const MapEntry& entry, const std::string& path, IssueSink& sink) {
             if (entry.value.IsNull()) {
                 return;  // `mail:` with nothing under it: no mailer
             }
             if (auto instance =
                     readInstance(entry.value, mapLocation(entry), path, singleInstanceKeys(), sink)) {
                 out.mail = std::move(*instance);
             }
         }},
        {"tokens", false, section(&AuthdConfig::tokens, tokensKeys())},
        {"secrets", false,
         section(&AuthdConfig::secrets, secretsKeys(), Check<SecretsConfig>(checkSecrets))},
        {"password_hashing", false,
         section(&AuthdConfig::password_hashing, passwordHashingKeys(),
                 Check<PasswordHashingConfig>(checkPasswordHashing))},
        {"logging", false, section(&AuthdConfig::logging, loggingKeys())},
        {"registration", false,
         choice(&AuthdConfig::registration,
                std::vector<std::pair<std::string, RegistrationMode>>{
                    {"open", RegistrationMode::open},
                    {"invite", RegistrationMode::invite},
                    {"closed", RegistrationMode::closed}})},
    };
    return table;
}

Location markLocation(const YAML::Mark& mark) {
    if (mark.is_null() || mark.line < 0 || mark.column < 0) {
        return {};
    }
    return {mark.line + 1, mark.column + 1};
}

// yaml-cpp messages may quote the offending byte raw; keep the output one line of text.
std::string printable(const std::string& text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out;
}

sdk::Error configError(const ConfigErrors& errors) {
    return sdk::makeError(sdk::ErrorCode::invalid_config, errors.str());
}

}  // namespace

const char* registrationModeName(RegistrationMode mode) {
    switch (mode) {
    case RegistrationMode::open: return "open";
    case RegistrationMode::invite: return "invite";
    case RegistrationMode::closed: return "closed";
    }
    return "closed";
}

sdk::Result<AuthdConfig> loadConfigText(const std::string& text, const std::string& name) {
    ConfigErrors errors;
    IssueSink sink(name, errors);
    try {
        std::vector<YAML::Node> documents;
        try {
            documents = YAML::LoadAll(text);
        } catch (const YAML::DeepRecursion& error) {
            // yaml-cpp 0.7 gives this one a misleading "bad file" message.
            sink.add(markLocation(error.mark), "",
                     "YAML syntax error: nesting is too deep (" + std::to_string(error.depth()) +
                         " levels)");
            return configError(errors);
        } catch (const YAML::Exception& error) {
            sink.add(markLocation(error.mark), "",
                     "YAML syntax error: " + printable(error.msg));
            return configError(errors);
        }
        if (documents.size() > 1) {
            sink.add(detail::locationOf(documents[1]), "",
                     "only one YAML document is allowed; remove the --- separators");
            return configError(errors);
        }
        const YAML::Node root = documents.empty() ? YAML::Node() : documents[0];
        if (!root.IsDefined() || root.IsNull()) {
            sink.add({}, "",
                     "the config is empty; expected a map with at least server, plugins and "
                     "storage (see config/authd.dev.yaml)");
            return configError(errors);
        }
        if (!root.IsMap()) {
            sink.add(detail::locationOf(root), "",
                     "expected a map of sections (server, plugins, storage, ...) at the top, "
                     "got " + detail::describeNode(root));
            return configError(errors);
        }
        AuthdConfig config;
        config.source_file = name;
        Location top = detail::locationOf(root);
        if (top.line == 0) {
            top = {1, 1};
        }
        readMap(root, top, "", topKeys(), config, sink);
        if (!errors.empty()) {
            return configError(errors);
        }
        return config;
    } catch (const std::exception& error) {
        // yaml-cpp calls above are guarded by type checks; this is a last line of defence.
        sink.add({}, "", std::string("unexpected error while reading the config: ") +
                             error.what());
        return configError(errors);
    }
}

sdk::Result<AuthdConfig> loadConfigFile(const std::string& path) {
    auto fail = [&path](const std::string& why) {
        ConfigErrors errors;
        errors.add(ConfigIssue{path, 0, 0, {}, why});
        return configError(errors);
    };
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return fail(std::string("cannot read the config file: ") + std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode)) {
        return fail("the config path is not a regular file");
    }
    if (static_cast<std::size_t>(info.st_size) > kMaxConfigBytes) {
        return fail("the config file is larger than 16 MiB");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(std::string("cannot open the config file: ") + std::strerror(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) {
        return fail("cannot read the config file");
    }
    return loadConfigText(content.str(), path);
}

}  // namespace authd::config
