// SPDX-License-Identifier: Apache-2.0
#include "crypto/master_key.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "crypto/encoding.hpp"
#include "crypto/random.hpp"

namespace authd::crypto {

namespace {

sdk::Error configError(std::string message) {
    return sdk::makeError(sdk::ErrorCode::invalid_config, std::move(message));
}

std::string trimWhitespace(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

// Reads a whole small file with POSIX calls so that errno is available for the message.
sdk::Result<std::string> readKeyFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return configError("cannot open master key file " + path + ": " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        const int saved = errno;
        ::close(fd);
        return configError("cannot stat master key file " + path + ": " + std::strerror(saved));
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd);
        return configError("master key file " + path + " is not a regular file");
    }
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        ::close(fd);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
        return configError("master key file " + path + " has mode " + mode +
                           ", which lets group or others access it; run: chmod 600 " + path);
    }
    if (info.st_size > 4096) {
        ::close(fd);
        return configError("master key file " + path +
                           " is too large; it must hold 64 hex characters");
    }
    std::string content;
    char buffer[512];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int saved = errno;
            ::close(fd);
            OPENSSL_cleanse(buffer, sizeof buffer);
            return configError("cannot read master key file " + path + ": " +
                               std::strerror(saved));
        }
        if (n == 0) {
            break;
        }
        content.append(buffer, static_cast<std::size_t>(n));
        if (content.size() > 4096) {
            break;
        }
    }
    ::close(fd);
    OPENSSL_cleanse(buffer, sizeof buffer);
    std::string trimmed = trimWhitespace(content);
    OPENSSL_cleanse(content.data(), content.size());
    return trimmed;
}

sdk::Result<MasterKey> fromHexText(std::string hex, const std::string& source,
                                   const std::string& fix) {
    if (hex.size() != 64 || !hexDecode(hex)) {
        const std::size_t length = hex.size();
        OPENSSL_cleanse(hex.data(), hex.size());
        return configError("master key from " + source + " must be 64 hex characters (32 bytes), " +
                           "got " + std::to_string(length) + " characters" +
                           (length == 64 ? " with a non-hex character" : "") + "; " + fix);
    }
    sdk::Result<SecretBox> box = SecretBox::fromHex(hex);
    OPENSSL_cleanse(hex.data(), hex.size());
    if (!box) {
        return configError("master key from " + source + ": " + box.error().message);
    }
    return MasterKey{std::move(box).value(), false, source};
}

sdk::Result<MasterKey> generateDevKey(const std::string& key_file) {
    std::error_code ec;
    const std::filesystem::path path(key_file);
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) {
            return configError("cannot create folder " + path.parent_path().string() +
                               " for the development master key: " + ec.message());
        }
    }
    std::string hex = randomHex(32);
    if (hex.empty()) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              "CSPRNG failure while generating a development master key");
    }
    // O_EXCL: never overwrite a key someone else just wrote (it may already protect data).
    const int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                          S_IRUSR | S_IWUSR);
    if (fd < 0) {
        const int saved = errno;
        OPENSSL_cleanse(hex.data(), hex.size());
        return configError("cannot create development master key file " + key_file + ": " +
                           std::strerror(saved));
    }
    // The umask can only remove bits, but make the mode explicit anyway.
    bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
    std::string line = hex + "\n";
    std::size_t done = 0;
    while (ok && done < line.size()) {
        const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        ok = n > 0;
        if (ok) {
            done += static_cast<std::size_t>(n);
        }
    }
    const int saved = errno;
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    OPENSSL_cleanse(line.data(), line.size());
    if (!ok) {
        OPENSSL_cleanse(hex.data(), hex.size());
        ::unlink(key_file.c_str());
        return configError("cannot write development master key file " + key_file + ": " +
                           std::strerror(saved));
    }
    sdk::Result<MasterKey> key = fromHexText(std::move(hex), "file " + key_file, "");
    if (key) {
        key->generated_dev_key = true;
    }
    return key;
}

}  // namespace

sdk::Result<MasterKey> loadMasterKey(const std::string& env_var, const std::string& key_file,
                                     bool allow_dev_default) {
    if (!env_var.empty()) {
        if (const char* value = std::getenv(env_var.c_str()); value != nullptr) {
            if (*value == '\0') {
                return configError("environment variable " + env_var +
                                   " is set but empty; set it to 64 hex characters " +
                                   "(for example: openssl rand -hex 32) or unset it");
            }
            return fromHexText(trimWhitespace(value), "env " + env_var,
                               "generate one with: openssl rand -hex 32");
        }
    }
    if (!key_file.empty()) {
        std::error_code ec;
        const bool exists = std::filesystem::exists(std::filesystem::symlink_status(key_file, ec));
        if (exists) {
            sdk::Result<std::string> text = readKeyFile(key_file);
            if (!text) {
                return std::move(text).error();
            }
            return fromHexText(std::move(text).value(), "file " + key_file,
                               "regenerate it with: openssl rand -hex 32 > " + key_file);
        }
    }
    if (allow_dev_default) {
        if (key_file.empty()) {
            return configError("no master key: set the environment variable " +
                               (env_var.empty() ? std::string("named by secrets.master_key_env")
                                                : env_var) +
                               " or name a secrets.master_key_file where a development key "
                               "can be generated");
        }
        return generateDevKey(key_file);
    }
    std::string message = "no master key: set the environment variable " +
                          (env_var.empty() ? std::string("named by secrets.master_key_env")
                                           : env_var) +
                          " to 64 hex characters (openssl rand -hex 32)";
    if (!key_file.empty()) {
        message += " or create " + key_file + " (mode 0600) holding them";
    }
    return configError(message);
}

}  // namespace authd::crypto
