// SPDX-License-Identifier: Apache-2.0
// Argon2id verification time with authd's own hasher (crypto::PasswordHasher, the code behind
// every password sign-in), and the bound it puts on complete sign-in flows per second.
// Usage: argon2_bench [t_cost] [m_cost_kib] [parallelism] [verifications per thread, default 5]
//                     [threads, default: hardware threads]
// Prints one machine-readable line:
//   ARGON2JSON {"t_cost":..,"m_cost_kib":..,"single_ms":<median of one-at-a-time verifications>,
//               "threads":N,"parallel_per_second":<verifications/s with N threads at once>,
//               "bound_flows_per_second":<threads / single_ms * 1000>}
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "crypto/password_hasher.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double millisSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

unsigned long argOr(int argc, char** argv, int index, unsigned long fallback) {
    if (argc <= index) {
        return fallback;
    }
    char* end = nullptr;
    const unsigned long value = std::strtoul(argv[index], &end, 10);
    if (end == argv[index] || *end != '\0' || value == 0) {
        std::fprintf(stderr, "argument %d is not a positive integer: %s\n", index, argv[index]);
        std::exit(2);
    }
    return value;
}

}  // namespace

int main(int argc, char** argv) {
    authd::crypto::Argon2Params params;
    params.t_cost = static_cast<std::uint32_t>(argOr(argc, argv, 1, params.t_cost));
    params.m_cost_kib = static_cast<std::uint32_t>(argOr(argc, argv, 2, params.m_cost_kib));
    params.parallelism = static_cast<std::uint32_t>(argOr(argc, argv, 3, params.parallelism));
    const unsigned long rounds = argOr(argc, argv, 4, 5);
    const unsigned long threads =
        argOr(argc, argv, 5, std::max(1U, std::thread::hardware_concurrency()));

    auto hasher = authd::crypto::PasswordHasher::create(params);
    if (!hasher) {
        std::fprintf(stderr, "bad parameters: %s\n", hasher.error().message.c_str());
        return 2;
    }
    auto encoded = hasher->hash("correct horse battery staple");
    if (!encoded) {
        std::fprintf(stderr, "hash failed: %s\n", encoded.error().message.c_str());
        return 1;
    }

    // One at a time: the latency of one sign-in's verification on an otherwise idle server.
    std::vector<double> singles;
    for (unsigned long i = 0; i < rounds; ++i) {
        const auto start = Clock::now();
        auto match = hasher->verify(*encoded, "correct horse battery staple");
        singles.push_back(millisSince(start));
        if (!match || !*match) {
            std::fprintf(stderr, "verification failed\n");
            return 1;
        }
    }
    std::sort(singles.begin(), singles.end());
    const double single_ms = singles[singles.size() / 2];

    // All threads at once: what the cores deliver together (memory bandwidth is shared).
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    const auto start = Clock::now();
    for (unsigned long t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (unsigned long i = 0; i < rounds; ++i) {
                auto match = hasher->verify(*encoded, "correct horse battery staple");
                if (!match || !*match) {
                    failed = true;
                }
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    const double parallel_ms = millisSince(start);
    if (failed) {
        std::fprintf(stderr, "verification failed\n");
        return 1;
    }
    const double parallel_per_second =
        static_cast<double>(threads * rounds) / (parallel_ms / 1000.0);
    std::printf("ARGON2JSON {\"t_cost\":%u,\"m_cost_kib\":%u,\"parallelism\":%u,\"single_ms\":%.2f,"
                "\"single_min_ms\":%.2f,\"threads\":%lu,\"parallel_per_second\":%.2f,"
                "\"bound_flows_per_second\":%.2f}\n",
                params.t_cost, params.m_cost_kib, params.parallelism, single_ms, singles.front(),
                threads, parallel_per_second, static_cast<double>(threads) * 1000.0 / single_ms);
    return 0;
}
