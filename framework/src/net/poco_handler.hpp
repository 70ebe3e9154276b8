// SPDX-License-Identifier: Apache-2.0
#pragma once
// For the transport tests, which compile net_module.cpp into their executable and run Poco's
// HTTPServer themselves. The host never includes this header.

#include "net/net_module.hpp"

namespace Poco::Net {
class HTTPRequestHandlerFactory;
} // namespace Poco::Net

namespace authd::net {

/// A request handler factory for Poco's HTTPServer that hands every request to `sink` (as the
/// TLS listener does). Poco owns the result; the sink must outlive the server.
Poco::Net::HTTPRequestHandlerFactory* newRequestHandlerFactory(RequestSink& sink);

} // namespace authd::net
