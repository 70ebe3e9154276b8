// SPDX-License-Identifier: Apache-2.0
#include "http/security_headers.hpp"

#include <string>

namespace authd::http {

void addSecurityHeaders(Response& response) {
    response.headers.setDefault("X-Content-Type-Options", "nosniff");
    response.headers.setDefault("Referrer-Policy", "no-referrer");
    if (response.isHtml()) {
        response.headers.setDefault("Content-Security-Policy",
                                    std::string(kHtmlContentSecurityPolicy));
        response.headers.setDefault("X-Frame-Options", "DENY");
    }
}

} // namespace authd::http
