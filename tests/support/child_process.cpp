// SPDX-License-Identifier: Apache-2.0
#include "support/child_process.hpp"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace authd::test {

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& ready,
                           std::chrono::seconds timeout, const std::string& working_dir) {
    std::random_device device;
    log_path_ = (std::filesystem::temp_directory_path() /
                 ("authd-e2e-child-" + std::to_string(device()) + ".log"))
                    .string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<std::string> args = argv;
    if (!working_dir.empty()) {
        // posix_spawn has no portable chdir action in glibc 2.36's headers: go through sh.
        args = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", working_dir};
        args.insert(args.end(), argv.begin(), argv.end());
    }
    std::vector<char*> raw;
    for (auto& arg : args) {
        raw.push_back(arg.data());
    }
    raw.push_back(nullptr);
    const int spawned = posix_spawnp(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start " + argv.front());
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (output().find(ready) == std::string::npos) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error(argv.front() + " exited before it was ready:\n" + output());
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error(argv.front() + " was not ready in time:\n" + output());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        bool gone = false;
        for (int i = 0; i < 100 && !gone; ++i) {
            gone = waitpid(pid_, &status, WNOHANG) == pid_;
            if (!gone) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        if (!gone) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
    }
    std::error_code ec;
    std::filesystem::remove(log_path_, ec);
}

std::string ChildProcess::output() const {
    return readAll(log_path_);
}

}  // namespace authd::test
