// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "authd/sdk/result.hpp"
#include "net/net_module.hpp"

namespace authd::app {

/// The net module (TLS listener, outgoing HTTP), opened on the first call: libauthd_net.so
/// installed in <prefix>/<libdir>/authd/ (found from the running binary), else the one in the
/// build tree. A missing or broken module is an error naming the paths tried, every time it is
/// asked for. Threading: thread-safe.
sdk::Result<net::Module*> netModule();

} // namespace authd::app
