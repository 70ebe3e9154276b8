// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

#include "http/form.hpp"

namespace authd::http {

/// Bounds on every request, enforced by the transport and the Pipeline before any handler
/// runs. RequestParser also refuses more than 100 header fields (431). Poco, which serves TLS,
/// refuses some things earlier with a bare 400: a header line over 8192 bytes, a name over
/// 256, more than 100 header fields, a request line over 16384 bytes.
struct Limits {
    std::size_t max_body_bytes = 1024 * 1024; ///< larger → 413
    std::size_t max_header_bytes = 16384;     ///< request line + fields → 431
    std::size_t max_uri_bytes = 8192;         ///< → 414
    FormLimits form;                          ///< query strings and form bodies → 400
};

} // namespace authd::http
