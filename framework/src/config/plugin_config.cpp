// SPDX-License-Identifier: Apache-2.0
#include "config/plugin_config.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <openssl/crypto.h>

#include "config/secret_source.hpp"
#include "config/yaml_support.hpp"

namespace authd::config {

namespace {

using detail::IssueSink;
using detail::Location;
using detail::MapEntry;

// The host's view of a validated plugin config map.
class HostConfigNode final : public sdk::ConfigNode {
public:
    struct Value {
        sdk::ConfigType type = sdk::ConfigType::string;
        bool present = false;
        std::string text;                 // string and secret
        std::int64_t number = 0;          // integer and duration (seconds)
        bool flag = false;
        std::vector<std::string> list;
        std::unique_ptr<HostConfigNode> child;
        std::string where;
    };

    explicit HostConfigNode(std::string where_prefix, std::string path)
        : where_prefix_(std::move(where_prefix)), path_(std::move(path)) {}
    ~HostConfigNode() override {
        for (auto& [key, value] : values_) {
            if (value.type == sdk::ConfigType::secret && !value.text.empty()) {
                OPENSSL_cleanse(value.text.data(), value.text.size());
            }
        }
    }
    HostConfigNode(const HostConfigNode&) = delete;
    HostConfigNode& operator=(const HostConfigNode&) = delete;

    Value& set(const std::string& key) { return values_[key]; }

    bool has(const std::string& key) const override {
        const Value* value = find(key);
        return value != nullptr && value->present;
    }
    std::string getString(const std::string& key, const std::string& fallback) const override {
        const Value* value = find(key, sdk::ConfigType::string);
        return value != nullptr ? value->text : fallback;
    }
    std::int64_t getInt(const std::string& key, std::int64_t fallback) const override {
        const Value* value = find(key, sdk::ConfigType::integer);
        return value != nullptr ? value->number : fallback;
    }
    bool getBool(const std::string& key, bool fallback) const override {
        const Value* value = find(key, sdk::ConfigType::boolean);
        return value != nullptr ? value->flag : fallback;
    }
    sdk::Seconds getDuration(const std::string& key, sdk::Seconds fallback) const override {
        const Value* value = find(key, sdk::ConfigType::duration);
        return value != nullptr ? value->number : fallback;
    }
    std::vector<std::string> getStringList(const std::string& key) const override {
        const Value* value = find(key, sdk::ConfigType::string_list);
        return value != nullptr ? value->list : std::vector<std::string>{};
    }
    std::string getSecret(const std::string& key) const override {
        const Value* value = find(key, sdk::ConfigType::secret);
        return value != nullptr ? value->text : std::string();
    }
    const sdk::ConfigNode* child(const std::string& key) const override {
        const Value* value = find(key, sdk::ConfigType::map);
        return value != nullptr ? value->child.get() : nullptr;
    }
    std::string where(const std::string& key) const override {
        const Value* value = find(key);
        if (value != nullptr && !value->where.empty()) {
            return value->where;
        }
        return where_prefix_ + detail::joinPath(path_, key);
    }

private:
    const Value* find(const std::string& key) const {
        const auto it = values_.find(key);
        return it == values_.end() ? nullptr : &it->second;
    }
    const Value* find(const std::string& key, sdk::ConfigType type) const {
        const Value* value = find(key);
        return value != nullptr && value->type == type ? value : nullptr;
    }

    std::string where_prefix_;  // "file:line:col: " of the map itself
    std::string path_;
    std::map<std::string, Value> values_;
};

std::string typeName(sdk::ConfigType type) {
    switch (type) {
    case sdk::ConfigType::string: return "string";
    case sdk::ConfigType::integer: return "integer";
    case sdk::ConfigType::boolean: return "boolean";
    case sdk::ConfigType::duration: return "duration";
    case sdk::ConfigType::string_list: return "list of strings";
    case sdk::ConfigType::secret: return "secret";
    case sdk::ConfigType::map: return "map";
    }
    return "value";
}

class Validator {
public:
    explicit Validator(IssueSink& sink) : sink_(sink) {}

    std::unique_ptr<HostConfigNode> validateMap(const YAML::Node& node, Location where,
                                                const std::string& path,
                                                const std::vector<sdk::ConfigKey>& keys);

private:
    // Reads one scalar-typed value; false if it was reported as a problem.
    bool readTyped(const sdk::ConfigKey& key, const YAML::Node& value, Location where,
                   const std::string& path, HostConfigNode::Value& out);
    void readSecretKey(const sdk::ConfigKey& key, const MapEntry* env, const MapEntry* file,
                       Location map_where, const std::string& path, HostConfigNode& node);
    std::string allowedKeys(const std::vector<sdk::ConfigKey>& keys) const;

    IssueSink& sink_;
};

std::string Validator::allowedKeys(const std::vector<sdk::ConfigKey>& keys) const {
    std::vector<std::string> names;
    for (const sdk::ConfigKey& key : keys) {
        if (key.type == sdk::ConfigType::secret) {
            names.push_back(key.name + "_env");
            names.push_back(key.name + "_file");
        } else {
            names.push_back(key.name);
        }
    }
    return names.empty() ? "this plugin takes no settings" : "allowed keys: " + detail::joinNames(names);
}

bool Validator::readTyped(const sdk::ConfigKey& key, const YAML::Node& value, Location where,
                          const std::string& path, HostConfigNode::Value& out) {
    out.type = key.type;
    switch (key.type) {
    case sdk::ConfigType::string: {
        auto text = detail::readString(value, where, path, sink_);
        if (text) {
            out.text = std::move(*text);
        }
        return text.has_value();
    }
    case sdk::ConfigType::integer: {
        auto number = detail::readInteger(value, where, path, key.min, key.max, sink_);
        if (number) {
            out.number = *number;
        }
        return number.has_value();
    }
    case sdk::ConfigType::boolean: {
        auto flag = detail::readBoolean(value, where, path, sink_);
        if (flag) {
            out.flag = *flag;
        }
        return flag.has_value();
    }
    case sdk::ConfigType::duration: {
        auto seconds = detail::readDuration(value, where, path, key.min, key.max, sink_);
        if (seconds) {
            out.number = *seconds;
        }
        return seconds.has_value();
    }
    case sdk::ConfigType::string_list: {
        auto list = detail::readStringList(value, where, path, sink_);
        if (list) {
            out.list = std::move(*list);
        }
        return list.has_value();
    }
    case sdk::ConfigType::secret:
    case sdk::ConfigType::map:
        break;  // handled by the callers
    }
    return false;
}

void Validator::readSecretKey(const sdk::ConfigKey& key, const MapEntry* env,
                              const MapEntry* file, Location map_where, const std::string& path,
                              HostConfigNode& node) {
    const std::string key_path = detail::joinPath(path, key.name);
    if (env == nullptr && file == nullptr) {
        if (key.required) {
            std::string message = "missing required secret \"" + key.name + "\": give " +
                                  key.name + "_env: VARIABLE or " + key.name + "_file: PATH";
            if (!key.help.empty()) {
                message += " (" + key.help + ")";
            }
            sink_.add(map_where, path, message);
        }
        HostConfigNode::Value& absent = node.set(key.name);
        absent.type = sdk::ConfigType::secret;
        absent.where = sink_.where(map_where, key_path);
        return;
    }
    if (env != nullptr && file != nullptr) {
        sink_.add(file->key_location, detail::joinPath(path, file->key),
                  "give " + env->key + " or " + file->key + ", not both");
        return;
    }
    const MapEntry& source = env != nullptr ? *env : *file;
    const std::string source_path = detail::joinPath(path, source.key);
    std::optional<std::string> name =
        detail::readString(source.value, source.value_location, source_path, sink_);
    if (!name) {
        return;
    }
    if (env != nullptr && !detail::isEnvName(*name)) {
        sink_.add(source.value_location, source_path,
                  "expected an environment variable name (letters, digits and _), got " +
                      detail::quoted(*name));
        return;
    }
    if (name->empty()) {
        sink_.add(source.value_location, source_path, "must not be empty");
        return;
    }
    sdk::Result<std::string> secret =
        env != nullptr ? readSecret(*name, "") : readSecret("", *name);
    if (!secret) {
        sink_.add(source.value_location, source_path, secret.error().message);
        return;
    }
    HostConfigNode::Value& value = node.set(key.name);
    value.type = sdk::ConfigType::secret;
    value.present = true;
    value.text = std::move(secret).value();
    value.where = sink_.where(source.value_location, source_path);
}

std::unique_ptr<HostConfigNode> Validator::validateMap(const YAML::Node& node, Location where,
                                                       const std::string& path,
                                                       const std::vector<sdk::ConfigKey>& keys) {
    auto result = std::make_unique<HostConfigNode>(sink_.where(where, ""), path);
    std::vector<MapEntry> entries;
    // An undefined node (a PluginInstanceConfig built in code) counts as an empty map.
    if (node.IsDefined() && node.IsMap()) {
        entries = detail::mapEntries(node, path, sink_);
    } else if (node.IsDefined() && !node.IsNull()) {
        sink_.add(where, path, "expected a map, got " + detail::describeNode(node));
        return result;
    }

    auto find_entry = [&entries](const std::string& name) -> const MapEntry* {
        const auto it = std::find_if(entries.begin(), entries.end(),
                                     [&](const MapEntry& e) { return e.key == name; });
        return it == entries.end() ? nullptr : &*it;
    };

    // Unknown keys and literal secrets first, in file order.
    for (const MapEntry& entry : entries) {
        const std::string entry_path = detail::joinPath(path, entry.key);
        bool known = false;
        for (const sdk::ConfigKey& key : keys) {
            if (key.type == sdk::ConfigType::secret) {
                if (entry.key == key.name) {
                    sink_.add(entry.key_location, entry_path,
                              "secrets must not be written in the config file; use " + key.name +
                                  "_env: VARIABLE or " + key.name + "_file: PATH instead");
                    known = true;
                    break;
                }
                if (entry.key == key.name + "_env" || entry.key == key.name + "_file") {
                    known = true;
                    break;
                }
            } else if (entry.key == key.name) {
                known = true;
                break;
            }
        }
        if (!known) {
            sink_.add(entry.key_location, entry_path, "unknown key; " + allowedKeys(keys));
        }
    }

    for (const sdk::ConfigKey& key : keys) {
        const std::string key_path = detail::joinPath(path, key.name);
        if (key.type == sdk::ConfigType::secret) {
            readSecretKey(key, find_entry(key.name + "_env"), find_entry(key.name + "_file"),
                          where, path, *result);
            continue;
        }
        const MapEntry* entry = find_entry(key.name);
        if (key.type == sdk::ConfigType::map) {
            HostConfigNode::Value& value = result->set(key.name);
            value.type = sdk::ConfigType::map;
            if (entry == nullptr) {
                if (key.required) {
                    sink_.add(where, path, "missing required key \"" + key.name + "\"" +
                                               (key.help.empty() ? "" : " (" + key.help + ")"));
                }
                value.where = sink_.where(where, key_path);
                continue;
            }
            Location child_where =
                entry->value.IsMap() ? detail::locationOf(entry->value) : entry->value_location;
            if (child_where.line == 0) {
                child_where = entry->value_location;
            }
            value.present = true;
            value.child = validateMap(entry->value, child_where, key_path, key.children);
            value.where = sink_.where(entry->value_location, key_path);
            continue;
        }
        HostConfigNode::Value& value = result->set(key.name);
        value.type = key.type;
        if (entry != nullptr) {
            value.present = true;
            value.where = sink_.where(entry->value_location, key_path);
            readTyped(key, entry->value, entry->value_location, key_path, value);
            continue;
        }
        value.where = sink_.where(where, key_path);
        if (key.required) {
            sink_.add(where, path, "missing required key \"" + key.name + "\"" +
                                       (key.help.empty() ? "" : " (" + key.help + ")"));
            continue;
        }
        if (key.default_value.empty() && key.type != sdk::ConfigType::string) {
            continue;  // no default: the getter's fallback applies
        }
        // The default is YAML text from the plugin; check it like user input so a plugin bug
        // is reported instead of silently yielding a zero. A string default that is not a
        // YAML scalar ("Sign in: now") is taken literally.
        YAML::Node default_node;
        bool parsed_ok = true;
        try {
            default_node = YAML::Load(key.default_value);
        } catch (const YAML::Exception& error) {
            parsed_ok = false;
            if (key.type != sdk::ConfigType::string) {
                sink_.add(where, key_path,
                          "the plugin's default value is not valid YAML (" + error.msg +
                              "); this is a bug in the plugin");
                continue;
            }
        }
        if (key.type == sdk::ConfigType::string && (!parsed_ok || !default_node.IsScalar())) {
            value.text = key.default_value;
            continue;
        }
        ConfigErrors default_errors;
        IssueSink default_sink(sink_.file(), default_errors);
        Validator default_validator(default_sink);
        HostConfigNode::Value parsed;
        if (!default_validator.readTyped(key, default_node, where, key_path, parsed)) {
            sink_.add(where, key_path,
                      "the plugin's default value " + detail::quoted(key.default_value) +
                          " is not a valid " + typeName(key.type) + "; this is a bug in the plugin");
            continue;
        }
        parsed.where = value.where;
        value = std::move(parsed);
    }
    return result;
}

}  // namespace

std::unique_ptr<sdk::ConfigNode> validatePluginConfig(const PluginInstanceConfig& instance,
                                                      const sdk::ConfigSchema& schema,
                                                      ConfigErrors& errors) {
    IssueSink sink(instance.file, errors);
    const std::size_t before = errors.size();
    const std::string path = detail::joinPath(instance.yaml_path, "config");
    try {
        Location where = detail::locationOf(instance.config);
        if (where.line == 0) {
            where = {instance.line, instance.column};
        }
        Validator validator(sink);
        std::unique_ptr<HostConfigNode> node =
            validator.validateMap(instance.config, where, path, schema.keys());
        if (errors.size() != before) {
            return nullptr;
        }
        return node;
    } catch (const std::exception& error) {
        sink.add({instance.line, instance.column}, path,
                 std::string("unexpected error while validating the plugin config: ") +
                     error.what());
        return nullptr;
    }
}

}  // namespace authd::config
