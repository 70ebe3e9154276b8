// SPDX-License-Identifier: Apache-2.0
#include "config/config_error.hpp"

#include <algorithm>

namespace authd::config {

std::string ConfigIssue::str() const {
    std::string out = file;
    if (line > 0) {
        out += ":" + std::to_string(line);
        if (column > 0) {
            out += ":" + std::to_string(column);
        }
    }
    if (!out.empty()) {
        out += ": ";
    }
    if (!path.empty()) {
        out += path + ": ";
    }
    out += message;
    return out;
}

void ConfigErrors::add(ConfigIssue issue) {
    issues_.push_back(std::move(issue));
}

std::string ConfigErrors::str() const {
    std::vector<const ConfigIssue*> sorted;
    sorted.reserve(issues_.size());
    for (const ConfigIssue& issue : issues_) {
        sorted.push_back(&issue);
    }
    std::stable_sort(sorted.begin(), sorted.end(), [](const ConfigIssue* a, const ConfigIssue* b) {
        if (a->file != b->file) {
            return a->file < b->file;
        }
        if (a->line != b->line) {
            return a->line < b->line;
        }
        return a->column < b->column;
    });
    std::string out;
    for (const ConfigIssue* issue : sorted) {
        if (!out.empty()) {
            out += '\n';
        }
        out += issue->str();
    }
    return out;
}

}  // namespace authd::config
