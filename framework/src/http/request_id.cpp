// SPDX-License-Identifier: Apache-2.0
#include "http/request_id.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>

#include "crypto/random.hpp"

namespace authd::http {

bool isValidRequestId(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (char c : id) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}


std::string generateRequestId() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::array<unsigned char, 12> bytes{};
    // Request ids are unguessable but not secret; every request pays for one before routing.
    if (!crypto::pooledRandomBytes(bytes.data(), bytes.size())) {
        static std::atomic<std::uint64_t> sequence{0};
        const auto now =
            static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        const std::uint64_t mixed = now ^ (sequence.fetch_add(1) << 40);
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            bytes[i] = static_cast<unsigned char>(mixed >> ((i % 8) * 8));
        }
    }
    std::string id;
    id.reserve(bytes.size() * 2);
    for (unsigned char b : bytes) {
        id += kHex[b >> 4];
        id += kHex[b & 0x0F];
    }
    return id;
}

std::string acceptOrGenerateRequestId(std::string_view incoming) {
    return isValidRequestId(incoming) ? std::string(incoming) : generateRequestId();
}

} // namespace authd::http
