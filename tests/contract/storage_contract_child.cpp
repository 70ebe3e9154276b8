// SPDX-License-Identifier: Apache-2.0
// Helper process for the storage contract suite's multi-process test: opens the store the
// arguments name, waits for a start signal, consumes one authorization code and reports the
// outcome through its exit status (0 won, 10 already_consumed, 11 other error, 2 bad usage).
//   storage_contract_child --plugin=PATH [--config=K=V ...] --code=HASH --now=T --ready=FILE
//                          --go=FILE
// It creates the --ready file once its store is open, then waits for the --go file.
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "storage_plugin.hpp"
#include "test_host.hpp"

int main(int argc, char** argv) {
    std::string plugin_path;
    std::string code_hash;
    std::string go_file;
    std::string ready_file;
    long long now = 0;
    std::map<std::string, std::string> config;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto starts = [&](const char* prefix) { return arg.rfind(prefix, 0) == 0; };
        if (starts("--plugin=")) {
            plugin_path = arg.substr(9);
        } else if (starts("--config=")) {
            std::string pair = arg.substr(9);
            std::size_t eq = pair.find('=');
            if (eq == std::string::npos) {
                std::fprintf(stderr, "child: bad --config %s\n", pair.c_str());
                return 2;
            }
            config[pair.substr(0, eq)] = pair.substr(eq + 1);
        } else if (starts("--code=")) {
            code_hash = arg.substr(7);
        } else if (starts("--now=")) {
            now = std::stoll(arg.substr(6));
        } else if (starts("--ready=")) {
            ready_file = arg.substr(8);
        } else if (starts("--go=")) {
            go_file = arg.substr(5);
        } else {
            std::fprintf(stderr, "child: unknown argument %s\n", arg.c_str());
            return 2;
        }
    }
    if (plugin_path.empty() || code_hash.empty() || go_file.empty() || ready_file.empty()) {
        std::fprintf(stderr, "child: --plugin, --code, --ready and --go are required\n");
        return 2;
    }
    try {
        authd::test::StoragePlugin plugin(plugin_path);
        authd::test::TestHost host;
        auto store = plugin.open(config, host, "child");
        if (!store) {
            std::fprintf(stderr, "child: open failed: %s\n", store.error().message.c_str());
            return 11;
        }
        if (std::FILE* ready = std::fopen(ready_file.c_str(), "w")) {
            std::fclose(ready);
        } else {
            std::fprintf(stderr, "child: cannot create %s\n", ready_file.c_str());
            return 11;
        }
        // Every child is ready before any consumes, so that they really race.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!std::filesystem::exists(go_file)) {
            if (std::chrono::steady_clock::now() > deadline) {
                std::fprintf(stderr, "child: no start signal\n");
                return 11;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        auto result = (*store)->codes().consume(code_hash, now);
        if (result) {
            return 0;
        }
        if (result.error().code == authd::sdk::ErrorCode::already_consumed) {
            return 10;
        }
        std::fprintf(stderr, "child: consume failed: %s: %s\n",
                     authd::sdk::errorCodeName(result.error().code), result.error().message.c_str());
        return 11;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "child: %s\n", error.what());
        return 11;
    }
}
