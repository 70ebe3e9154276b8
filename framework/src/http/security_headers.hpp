// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

#include "http/response.hpp"

namespace authd::http {

/// The Content-Security-Policy of HTML pages: own resources only, no framing, forms post only
/// to this origin. A handler that must post elsewhere sets its own header.
inline constexpr std::string_view kHtmlContentSecurityPolicy =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'";

/// Adds X-Content-Type-Options and Referrer-Policy to every response, and for HTML also CSP
/// and X-Frame-Options; a header the handler already set is kept.
void addSecurityHeaders(Response& response);

} // namespace authd::http
