// SPDX-License-Identifier: Apache-2.0
// authctl: the administrator's command line (docs/authctl.md); the work is in admin/authctl.
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "admin/authctl.hpp"

int main(int argc, char** argv) {
    std::map<std::string, std::string> env;
    for (const char* name : {"AUTHD_URL", "AUTHD_ADMIN_TOKEN"}) {
        if (const char* value = std::getenv(name); value != nullptr) {
            env.emplace(name, value);
        }
    }
    return authd::admin::runAuthctl(std::vector<std::string>(argv + 1, argv + argc), env, std::cout,
                                    std::cerr);
}
