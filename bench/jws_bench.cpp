// SPDX-License-Identifier: Apache-2.0
// Sign and verify throughput of tokens/jws per alg, single-threaded and on N threads.
// Usage: jws_bench [seconds per measurement, default 1] [threads, default 2]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tokens/claims.hpp"
#include "tokens/jws.hpp"
#include "tokens/keys.hpp"

namespace {

using authd::tokens::Alg;
using Clock = std::chrono::steady_clock;

// Runs `op` on `threads` threads for `seconds`; returns operations per second overall.
double measure(double seconds, int threads, const std::function<bool()>& op) {
    std::atomic<bool> stop{false};
    std::atomic<long long> total{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> workers;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            long long count = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                if (!op()) {
                    failed = true;
                }
                ++count;
            }
            total += count;
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& worker : workers) {
        worker.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed) {
        std::fprintf(stderr, "an operation failed during the benchmark\n");
        std::exit(1);
    }
    return static_cast<double>(total.load()) / elapsed;
}

std::string claims() {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return R"({"iss":"https://idp.example","sub":"5f0c8a52-6a55-4f0e-9a4c-3c2d1f7e9b10","aud":"proj_demo","client_id":"proj_demo","exp":)" +
           std::to_string(now + 300) + R"(,"iat":)" + std::to_string(now) +
           R"(,"jti":"3q2-7wWkQ1yTt0bqkZgOSw","scope":"openid email profile","email":"ada@example.com","role":"user","status":"active","amr":["pwd"]})";
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
    if (seconds <= 0 || threads <= 0) {
        std::fprintf(stderr, "usage: jws_bench [seconds > 0] [threads > 0]\n");
        return 2;
    }
    const std::string payload = claims();
    std::printf("jws_bench: %.1f s per measurement, payload %zu bytes, %u hardware threads\n",
                seconds, payload.size(), std::thread::hardware_concurrency());
    std::printf("%-6s %12s %12s %16s %16s %8s\n", "alg", "sign/s", "verify/s", "sign/s (xN)",
                "verify+claims/s (xN)", "bytes");

    for (Alg alg : {Alg::hs256, Alg::rs256, Alg::es256, Alg::eddsa}) {
        authd::tokens::Key key = [&] {
            if (alg == Alg::hs256) {
                return *authd::tokens::Key::hmac(std::string(64, 'k'));
            }
            return authd::tokens::generateKey(alg)->key;
        }();
        const authd::tokens::KeySet keys({key});
        const authd::tokens::AlgSet allowed{alg};
        auto token = authd::tokens::sign(payload, key);
        if (!token) {
            std::fprintf(stderr, "sign failed: %s\n", token.error().message.c_str());
            return 1;
        }
        authd::tokens::ClaimRules rules;
        rules.now = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
        rules.issuer = "https://idp.example";
        rules.audience = "proj_demo";

        auto sign_op = [&] { return authd::tokens::sign(payload, key).has_value(); };
        auto verify_op = [&] { return authd::tokens::verify(*token, keys, allowed).has_value(); };
        auto full_op = [&] {
            auto verified = authd::tokens::verify(*token, keys, allowed);
            return verified && static_cast<bool>(authd::tokens::checkClaims(verified->claims, rules));
        };
        const double sign_1 = measure(seconds, 1, sign_op);
        const double verify_1 = measure(seconds, 1, verify_op);
        const double sign_n = measure(seconds, threads, sign_op);
        const double full_n = measure(seconds, threads, full_op);
        std::printf("%-6s %12.0f %12.0f %16.0f %16.0f %8zu\n",
                    std::string(authd::tokens::algName(alg)).c_str(), sign_1, verify_1, sign_n,
                    full_n, token->size());
    }
    std::printf("(xN = %d threads)\n", threads);
    return 0;
}
