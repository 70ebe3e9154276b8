// SPDX-License-Identifier: Apache-2.0
#include "crypto/password_hasher.hpp"

#include <charconv>
#include <optional>
#include <vector>

#include <argon2.h>
#include <openssl/crypto.h>

#include "crypto/random.hpp"

namespace authd::crypto {

namespace {

constexpr std::string_view kPrefix = "$argon2id$";

struct PhcHeader {
    std::uint32_t version = 0;
    Argon2Params params;
};

bool parseUint32(std::string_view text, std::uint32_t& out) {
    if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) {
        return false;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

bool isB64Char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

// Parses `$argon2id$v=19$m=M,t=T,p=P$SALT$HASH` far enough to check the cost before libargon2
// allocates m KiB: a crafted string must not make verify() allocate gigabytes.
std::optional<PhcHeader> parseHeader(std::string_view encoded) {
    if (encoded.substr(0, kPrefix.size()) != kPrefix) {
        return std::nullopt;
    }
    std::string_view rest = encoded.substr(kPrefix.size());
    std::vector<std::string_view> parts;
    while (true) {
        const auto dollar = rest.find('$');
        parts.push_back(rest.substr(0, dollar));
        if (dollar == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(dollar + 1);
    }
    if (parts.size() != 4 || parts[0].substr(0, 2) != "v=") {
        return std::nullopt;
    }
    PhcHeader header;
    if (!parseUint32(parts[0].substr(2), header.version)) {
        return std::nullopt;
    }
    std::string_view costs = parts[1];
    const std::string_view names[3] = {"m=", "t=", "p="};
    std::uint32_t* targets[3] = {&header.params.m_cost_kib, &header.params.t_cost,
                                 &header.params.parallelism};
    for (int i = 0; i < 3; ++i) {
        const auto comma = costs.find(',');
        std::string_view item = costs.substr(0, comma);
        if (item.substr(0, 2) != names[i] || !parseUint32(item.substr(2), *targets[i])) {
            return std::nullopt;
        }
        if ((i < 2) != (comma != std::string_view::npos)) {
            return std::nullopt;
        }
        if (comma != std::string_view::npos) {
            costs.remove_prefix(comma + 1);
        }
    }
    for (const std::string_view b64 : {parts[2], parts[3]}) {
        if (b64.empty()) {
            return std::nullopt;
        }
        for (const char c : b64) {
            if (!isB64Char(c)) {
                return std::nullopt;
            }
        }
    }
    return header;
}

sdk::Error argonError(const char* what, int code) {
    return sdk::makeError(sdk::ErrorCode::internal,
                          std::string(what) + ": " + argon2_error_message(code));
}

}  // namespace

sdk::Result<void> PasswordHasher::validate(const Argon2Params& params) {
    auto refuse = [](std::string message) {
        return sdk::makeError(sdk::ErrorCode::invalid_config, std::move(message));
    };
    if (params.t_cost < 1 || params.t_cost > kMaxTimeCost) {
        return refuse("argon2 t_cost must be between 1 and " + std::to_string(kMaxTimeCost) +
                      ", got " + std::to_string(params.t_cost));
    }
    if (params.parallelism < 1 || params.parallelism > kMaxParallelism) {
        return refuse("argon2 parallelism must be between 1 and " +
                      std::to_string(kMaxParallelism) + ", got " +
                      std::to_string(params.parallelism));
    }
    if (params.m_cost_kib < 8U * params.parallelism) {
        return refuse("argon2 m_cost_kib must be at least 8 * parallelism (" +
                      std::to_string(8U * params.parallelism) + "), got " +
                      std::to_string(params.m_cost_kib));
    }
    if (params.m_cost_kib > kMaxMemoryKib) {
        return refuse("argon2 m_cost_kib must be at most " + std::to_string(kMaxMemoryKib) +
                      " (4 GiB), got " + std::to_string(params.m_cost_kib));
    }
    return sdk::ok();
}

sdk::Result<PasswordHasher> PasswordHasher::create(const Argon2Params& params) {
    if (sdk::Result<void> valid = validate(params); !valid) {
        return std::move(valid).error();
    }
    return PasswordHasher(params);
}

PasswordHasher::PasswordHasher(Argon2Params params) : params_(params) {}

sdk::Result<std::string> PasswordHasher::hash(std::string_view password) const {
    unsigned char salt[kSaltSize];
    if (!randomBytes(salt, sizeof salt)) {
        return sdk::makeError(sdk::ErrorCode::internal, "CSPRNG failure while salting a password");
    }
    return hashWithSalt(password, {reinterpret_cast<const char*>(salt), sizeof salt});
}

sdk::Result<std::string> PasswordHasher::hashWithSaltForTest(std::string_view password,
                                                             std::string_view salt) const {
    return hashWithSalt(password, salt);
}

sdk::Result<std::string> PasswordHasher::hashWithSalt(std::string_view password,
                                                      std::string_view salt) const {
    if (sdk::Result<void> valid = validate(params_); !valid) {
        return std::move(valid).error();
    }
    if (password.size() > ARGON2_MAX_PWD_LENGTH) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "password too long");
    }
    if (salt.size() < ARGON2_MIN_SALT_LENGTH || salt.size() > 1024) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "argon2 salt must be 8 to 1024 bytes");
    }
    const std::size_t length =
        argon2_encodedlen(params_.t_cost, params_.m_cost_kib, params_.parallelism,
                          static_cast<std::uint32_t>(salt.size()),
                          static_cast<std::uint32_t>(kTagSize), Argon2_id);
    std::string encoded(length, '\0');
    const int rc = argon2id_hash_encoded(params_.t_cost, params_.m_cost_kib, params_.parallelism,
                                         password.data(), password.size(), salt.data(),
                                         salt.size(), kTagSize, encoded.data(), encoded.size());
    if (rc != ARGON2_OK) {
        return argonError("argon2id hashing failed", rc);
    }
    encoded.resize(std::char_traits<char>::length(encoded.c_str()));
    return encoded;
}

sdk::Result<bool> PasswordHasher::verify(std::string_view encoded,
                                         std::string_view password) const {
    const std::optional<PhcHeader> header = parseHeader(encoded);
    if (!header) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "stored password hash is not an argon2id PHC string");
    }
    if (header->version != ARGON2_VERSION_13) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "stored password hash uses argon2 version " +
                                  std::to_string(header->version) + "; only 19 is accepted");
    }
    if (sdk::Result<void> valid = validate(header->params); !valid) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "stored password hash has an unacceptable cost: " +
                                  valid.error().message);
    }
    if (password.size() > ARGON2_MAX_PWD_LENGTH) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument, "password too long");
    }
    // argon2id_verify wants a NUL-terminated string.
    const std::string terminated(encoded);
    const int rc = argon2id_verify(terminated.c_str(), password.data(), password.size());
    switch (rc) {
    case ARGON2_OK:
        return true;
    case ARGON2_VERIFY_MISMATCH:
        return false;
    case ARGON2_MEMORY_ALLOCATION_ERROR:
    case ARGON2_THREAD_FAIL:
        return argonError("argon2id verification failed", rc);
    default:
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              std::string("stored password hash is malformed: ") +
                                  argon2_error_message(rc));
    }
}

bool PasswordHasher::needsRehash(std::string_view encoded) const {
    const std::optional<PhcHeader> header = parseHeader(encoded);
    return !header || header->version != ARGON2_VERSION_13 ||
           header->params.t_cost != params_.t_cost ||
           header->params.m_cost_kib != params_.m_cost_kib ||
           header->params.parallelism != params_.parallelism;
}

sdk::Result<std::string> PasswordHasher::rawForTest(std::string_view password,
                                                    std::string_view salt,
                                                    std::string_view secret, std::string_view ad,
                                                    const Argon2Params& params,
                                                    std::uint32_t tag_length) {
    if (sdk::Result<void> valid = validate(params); !valid) {
        return std::move(valid).error();
    }
    std::vector<std::uint8_t> out(tag_length);
    std::vector<std::uint8_t> pwd(password.begin(), password.end());
    std::vector<std::uint8_t> salt_bytes(salt.begin(), salt.end());
    std::vector<std::uint8_t> secret_bytes(secret.begin(), secret.end());
    std::vector<std::uint8_t> ad_bytes(ad.begin(), ad.end());
    argon2_context context{};
    context.out = out.data();
    context.outlen = tag_length;
    context.pwd = pwd.empty() ? nullptr : pwd.data();
    context.pwdlen = static_cast<std::uint32_t>(pwd.size());
    context.salt = salt_bytes.empty() ? nullptr : salt_bytes.data();
    context.saltlen = static_cast<std::uint32_t>(salt_bytes.size());
    context.secret = secret_bytes.empty() ? nullptr : secret_bytes.data();
    context.secretlen = static_cast<std::uint32_t>(secret_bytes.size());
    context.ad = ad_bytes.empty() ? nullptr : ad_bytes.data();
    context.adlen = static_cast<std::uint32_t>(ad_bytes.size());
    context.t_cost = params.t_cost;
    context.m_cost = params.m_cost_kib;
    context.lanes = params.parallelism;
    context.threads = params.parallelism;
    context.version = ARGON2_VERSION_13;
    context.flags = ARGON2_DEFAULT_FLAGS;
    const int rc = argon2_ctx(&context, Argon2_id);
    if (rc != ARGON2_OK) {
        return argonError("argon2id failed", rc);
    }
    return std::string(out.begin(), out.end());
}

}  // namespace authd::crypto
