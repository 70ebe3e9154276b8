// SPDX-License-Identifier: Apache-2.0
#include "magic_link_config.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace authd::plugins::magic_link {

namespace {

// Short lifetimes are for tests of expiry against the real binary; 15m is the default.
constexpr sdk::Seconds kMinTtl = 5;
constexpr sdk::Seconds kMaxTtl = 86'400;
constexpr std::int64_t kMaxPerEmail = 1'000;
constexpr std::int64_t kMaxPerAddress = 1'000'000;
constexpr sdk::Seconds kMinWindow = 60;
constexpr sdk::Seconds kMaxWindow = 86'400;
constexpr std::size_t kMaxSubjectBytes = 200;

void checkRange(const sdk::ConfigNode& node, const std::string& key, std::int64_t value,
                std::int64_t min, std::int64_t max, const char* unit,
                std::vector<std::string>& errors) {
    if (value < min || value > max) {
        errors.push_back(node.where(key) + ": must be between " + std::to_string(min) + unit +
                         " and " + std::to_string(max) + unit + ", got " + std::to_string(value) +
                         unit);
    }
}

}  // namespace

void describeMagicLinkConfig(sdk::ConfigSchema& schema) {
    schema.add("label", sdk::ConfigType::string, false, "Email link",
               "the method's name on the login page");
    schema.add("subject", sdk::ConfigType::string, false, "Your sign-in link",
               "subject of the email that carries the link");
    auto& ttl = schema.add("ttl", sdk::ConfigType::duration, false, "15m",
                           "how long an emailed link works");
    ttl.min = kMinTtl;
    ttl.max = kMaxTtl;
    schema.add("create_accounts", sdk::ConfigType::boolean, false, "false",
               "create an account (email verified) when an unknown address follows its link");
    auto& per_email = schema.add("per_email_limit", sdk::ConfigType::integer, false, "5",
                                 "links one email address may be sent per limit_window");
    per_email.min = 1;
    per_email.max = kMaxPerEmail;
    auto& per_address = schema.add("per_address_limit", sdk::ConfigType::integer, false, "20",
                                   "link requests one client address may make per limit_window");
    per_address.min = 1;
    per_address.max = kMaxPerAddress;
    auto& window = schema.add("limit_window", sdk::ConfigType::duration, false, "15m",
                              "period over which link requests are counted");
    window.min = kMinWindow;
    window.max = kMaxWindow;
}

sdk::Result<MagicLinkConfig> parseMagicLinkConfig(const sdk::ConfigNode& node) {
    MagicLinkConfig config;
    std::vector<std::string> errors;

    config.label = node.getString("label", config.label);
    if (config.label.empty()) {
        errors.push_back(node.where("label") + ": must not be empty");
    }
    config.subject = node.getString("subject", config.subject);
    if (config.subject.empty()) {
        errors.push_back(node.where("subject") + ": must not be empty");
    } else if (config.subject.size() > kMaxSubjectBytes) {
        errors.push_back(node.where("subject") + ": must be at most " +
                         std::to_string(kMaxSubjectBytes) + " bytes");
    } else if (std::any_of(config.subject.begin(), config.subject.end(), [](char c) {
                   return static_cast<unsigned char>(c) < 0x20U || c == '\x7f';
               })) {
        // A line break in a header is how header injection starts.
        errors.push_back(node.where("subject") + ": must be one line without control characters");
    }
    config.ttl = node.getDuration("ttl", config.ttl);
    config.create_accounts = node.getBool("create_accounts", config.create_accounts);
    config.per_email_limit = node.getInt("per_email_limit", config.per_email_limit);
    config.per_address_limit = node.getInt("per_address_limit", config.per_address_limit);
    config.limit_window = node.getDuration("limit_window", config.limit_window);
    checkRange(node, "ttl", config.ttl, kMinTtl, kMaxTtl, "s", errors);
    checkRange(node, "per_email_limit", config.per_email_limit, 1, kMaxPerEmail, "", errors);
    checkRange(node, "per_address_limit", config.per_address_limit, 1, kMaxPerAddress, "", errors);
    checkRange(node, "limit_window", config.limit_window, kMinWindow, kMaxWindow, "s", errors);

    if (!errors.empty()) {
        std::string message;
        for (const std::string& error : errors) {
            message += message.empty() ? error : "\n" + error;
        }
        return sdk::makeError(sdk::ErrorCode::invalid_config, message);
    }
    return config;
}

}  // namespace authd::plugins::magic_link
