// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"
#include "authd/sdk/storage.hpp"
#include "database.hpp"

namespace soci {
class backend_factory;
}  // namespace soci

/// The entry points a SOCI-based storage plugin calls from its factory.
namespace authd::plugins::soci_common {

/// Opens `size` sessions with `factory` and `connect_string`, each set up by
/// `dialect.onConnect`. Never throws: connection failures are `unavailable`, anything else
/// `internal`. `redacted` describes the target in messages (it must not hold a password).
sdk::Result<std::unique_ptr<::soci::connection_pool>> openPool(
    const ::soci::backend_factory& factory, const std::string& connect_string, std::size_t size,
    const Dialect& dialect, const std::string& redacted);

/// The Storage over an opened pool. Owns the dialect and the pool. `host` must outlive it
/// (the host guarantees that for plugin objects). Never throws.
sdk::Result<sdk::StoragePtr> makeStorage(std::unique_ptr<Dialect> dialect,
                                         std::unique_ptr<::soci::connection_pool> pool,
                                         std::size_t pool_size, DatabaseOptions options,
                                         sdk::HostContext& host);

}  // namespace authd::plugins::soci_common
