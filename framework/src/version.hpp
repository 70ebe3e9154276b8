// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace authd {
/// authd's version, e.g. "0.1.0".
const char* version() noexcept;
}  // namespace authd
