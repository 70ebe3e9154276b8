// SPDX-License-Identifier: Apache-2.0
#include <iostream>

int main() {
    std::cout << "authd " AUTHD_VERSION "\n";
    return 0;
}
