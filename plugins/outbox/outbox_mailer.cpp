// SPDX-License-Identifier: Apache-2.0
#include "outbox_mailer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <system_error>
#include <utility>

#include "mime_message.hpp"

namespace authd::plugins::outbox {
namespace {

// Sorts by time in a directory listing; UTC so that names do not depend on the host's zone.
std::string fileStamp(sdk::UnixTime time) {
    const std::time_t seconds = static_cast<std::time_t>(time);
    std::tm parts{};
    if (gmtime_r(&seconds, &parts) == nullptr) {
        return "19700101T000000Z";
    }
    std::array<char, 32> buffer{};
    std::strftime(buffer.data(), buffer.size(), "%Y%m%dT%H%M%SZ", &parts);
    return buffer.data();
}

sdk::Error unavailable(const std::string& what, const std::filesystem::path& path, int err) {
    return sdk::makeError(sdk::ErrorCode::unavailable, "outbox cannot " + what + " " +
                                                           path.string() + ": " +
                                                           std::strerror(err));
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

}  // namespace

OutboxMailer::OutboxMailer(std::filesystem::path dir, std::string from, sdk::HostContext& host)
    : dir_(std::move(dir)), from_(std::move(from)), host_(host) {}

sdk::Result<void> OutboxMailer::send(const sdk::MailMessage& message) {
    try {
        const sdk::UnixTime now = host_.clock().now();
        const std::string id_token = host_.random().token(18);
        const std::string boundary_token = host_.random().token(18);
        const std::string name_token = host_.random().token(9);
        if (id_token.empty() || boundary_token.empty() || name_token.empty()) {
            return sdk::makeError(sdk::ErrorCode::unavailable,
                                  "outbox cannot name the message: the CSPRNG failed");
        }
        MimeParts parts;
        parts.from = message.from.empty() ? from_ : message.from;
        parts.to = message.to;
        parts.subject = message.subject;
        parts.text_body = message.text_body;
        parts.html_body = message.html_body;
        parts.date = now;
        const std::size_t at = parts.from.rfind('@');
        const std::string domain =
            at == std::string::npos ? "localhost" : parts.from.substr(at + 1);
        parts.message_id = "<" + id_token + "@" + domain + ">";
        parts.boundary = "=_authd_" + boundary_token;
        auto formatted = formatMessage(parts);
        if (!formatted) {
            return std::move(formatted).error();
        }
        return writeAtomically(fileStamp(now) + "-" + name_token + ".eml", *formatted);
    } catch (const std::exception& e) {
        return sdk::makeError(sdk::ErrorCode::internal, std::string("outbox failed: ") + e.what());
    }
}

sdk::Result<void> OutboxMailer::writeAtomically(const std::string& name,
                                                const std::string& content) {
    // The folder may have been removed since start-up (a test cleaning up, an operator).
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "outbox cannot create " + dir_.string() + ": " + ec.message());
    }
    const std::filesystem::path final_path = dir_ / name;
    // Hidden and without the .eml suffix: tools watching for *.eml never pick it up.
    const std::filesystem::path temp_path = dir_ / ("." + name + ".tmp");
    FileDescriptor file(::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (file.get() < 0) {
        return unavailable("create", temp_path, errno);
    }
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(file.get(), content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::unlink(temp_path.c_str());
            return unavailable("write", temp_path, err);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(file.get()) != 0 || ::close(file.release()) != 0) {
        const int err = errno;
        ::unlink(temp_path.c_str());
        return unavailable("flush", temp_path, err);
    }
    if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp_path.c_str());
        return unavailable("rename into", final_path, err);
    }
    // Make the rename itself durable; a failure here loses nothing already visible.
    FileDescriptor folder(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (folder.get() >= 0) {
        ::fsync(folder.get());
    }
    return sdk::ok();
}

}  // namespace authd::plugins::outbox
