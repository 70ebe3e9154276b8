// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace authd::test {

/// A helper server for end-to-end tests (an upstream OP, an SMTP sink), started with
/// posix_spawn, its stdout and stderr captured to a file. Construction waits until the output
/// contains `ready` (throws std::runtime_error with the output when it exits or times out
/// first). SIGTERM, then SIGKILL, on destruction.
class ChildProcess {
  public:
    ChildProcess(const std::vector<std::string>& argv, const std::string& ready,
                 std::chrono::seconds timeout = std::chrono::seconds(60),
                 const std::string& working_dir = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    std::string output() const;
    int pid() const { return pid_; }

  private:
    int pid_ = -1;
    std::string log_path_;
};

}  // namespace authd::test
