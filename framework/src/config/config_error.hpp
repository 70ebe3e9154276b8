// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace authd::config {

/// One problem found in a config file.
struct ConfigIssue {
    std::string file;   ///< the file name as given (or the name passed to loadConfigText)
    int line = 0;       ///< 1-based; 0 when unknown
    int column = 0;     ///< 1-based; 0 when unknown
    std::string path;   ///< dotted YAML path, e.g. `authenticators[0].config.digits`; may be empty
    std::string message;

    /// `file:line:col: path: message` (parts that are unknown are left out).
    std::string str() const;
};

/// Every problem found while loading a config: validation collects them all instead of
/// stopping at the first, so one run of `authd check-config` shows everything to fix.
/// Threading: not synchronised; used at start-up only.
class ConfigErrors {
public:
    void add(ConfigIssue issue);
    bool empty() const { return issues_.empty(); }
    std::size_t size() const { return issues_.size(); }
    const std::vector<ConfigIssue>& issues() const { return issues_; }
    /// All issues sorted by line then column (stable), one per line, no trailing newline.
    std::string str() const;

private:
    std::vector<ConfigIssue> issues_;
};

}  // namespace authd::config
