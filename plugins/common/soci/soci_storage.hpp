// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/storage.hpp"
#include "database.hpp"

/// The entry points a SOCI-based storage plugin calls from its factory.
namespace authd::plugins::soci_common {

/// A pool of `size` sessions of which the first `open_now` (1..size) are opened with
/// `connector` and set up by `dialect.onConnect`; the store opens the others on first use.
/// Opening at least one here is what reports a bad path, address or password at start-up.
/// Never throws: connection failures are `unavailable`, anything else `internal`.
sdk::Result<std::unique_ptr<::soci::connection_pool>> openPool(const Connector& connector,
                                                               std::size_t size,
                                                               std::size_t open_now,
                                                               const Dialect& dialect);

/// The Storage over a pool made by openPool with the same `connector`. Owns the dialect and
/// the pool. `host` must outlive it (the host guarantees that for plugin objects). Never
/// throws.
sdk::Result<sdk::StoragePtr> makeStorage(std::unique_ptr<Dialect> dialect,
                                         std::unique_ptr<::soci::connection_pool> pool,
                                         std::size_t pool_size, Connector connector,
                                         DatabaseOptions options, sdk::HostContext& host);

}  // namespace authd::plugins::soci_common
