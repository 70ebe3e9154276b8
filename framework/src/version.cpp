// SPDX-License-Identifier: Apache-2.0
#include "version.hpp"

namespace authd {
const char* version() noexcept { return AUTHD_VERSION; }
}  // namespace authd
