// SPDX-License-Identifier: Apache-2.0
#include "config/secret_source.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

namespace authd::config {

namespace {

constexpr std::size_t kMaxSecretFile = 1024 * 1024;

sdk::Error secretError(std::string message) {
    return sdk::makeError(sdk::ErrorCode::invalid_config, std::move(message));
}

sdk::Result<std::string> readFile(const std::string& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return secretError("cannot read secret file " + file + ": " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return secretError("secret file " + file + " is not a regular file");
    }
    if (static_cast<std::size_t>(info.st_size) > kMaxSecretFile) {
        ::close(fd);
        return secretError("secret file " + file + " is larger than 1 MiB");
    }
    std::string content;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            const int saved = errno;
            ::close(fd);
            OPENSSL_cleanse(buffer, sizeof buffer);
            OPENSSL_cleanse(content.data(), content.size());
            return secretError("cannot read secret file " + file + ": " + std::strerror(saved));
        }
        if (n == 0) {
            break;
        }
        content.append(buffer, static_cast<std::size_t>(n));
        if (content.size() > kMaxSecretFile) {
            ::close(fd);
            OPENSSL_cleanse(buffer, sizeof buffer);
            OPENSSL_cleanse(content.data(), content.size());
            return secretError("secret file " + file + " is larger than 1 MiB");
        }
    }
    ::close(fd);
    OPENSSL_cleanse(buffer, sizeof buffer);
    if (!content.empty() && content.back() == '\n') {
        content.pop_back();
        if (!content.empty() && content.back() == '\r') {
            content.pop_back();
        }
    }
    if (content.empty()) {
        return secretError("secret file " + file + " is empty");
    }
    return content;
}

}  // namespace

sdk::Result<std::string> readSecret(const std::string& env_var, const std::string& file) {
    if (!env_var.empty() && !file.empty()) {
        return secretError("give the secret either through environment variable " + env_var +
                           " or through file " + file + ", not both");
    }
    if (env_var.empty() && file.empty()) {
        return secretError("no source for the secret: name an environment variable or a file");
    }
    if (!file.empty()) {
        return readFile(file);
    }
    const char* value = std::getenv(env_var.c_str());
    if (value == nullptr) {
        return secretError("environment variable " + env_var + " is not set");
    }
    if (*value == '\0') {
        return secretError("environment variable " + env_var + " is empty");
    }
    return std::string(value);
}

}  // namespace authd::config
