// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace authd::obs {
class Metrics;
class RouteMetrics;
} // namespace authd::obs

namespace authd::http {

/// A request handler. It should return errors as responses; an exception that escapes anyway
/// becomes a 500 in the pipeline.
using Handler = std::function<Response(Request&)>;

/// Maps (method, path) to handlers: exact paths first, then the longest matching prefix
/// (`/login/` matches `/login/password/verify`). An unknown path is a 404, a known path with
/// another method a 405 with an Allow header; HEAD is served by the GET handler.
/// Threading: routes are added at start-up, before freeze(); dispatch() is then thread-safe.
/// Adding a route after freeze(), or the same method twice on one path, throws
/// std::logic_error (a programming error on the start-up path, never a request's doing).
class Router {
  public:
    /// With `metrics`, every route gets its RouteMetrics (label = the path, or prefix + "*"),
    /// and unknown paths share the label "unmatched".
    explicit Router(obs::Metrics* metrics = nullptr);

    void add(const std::vector<std::string>& methods, const std::string& path, Handler handler,
             std::string label = {});
    void addPrefix(const std::vector<std::string>& methods, const std::string& prefix,
                   Handler handler, std::string label = {});
    void freeze() noexcept { frozen_ = true; }

    /// Sets request.route, request.path_rest and request.route_metrics, then runs the handler
    /// (or builds the 404/405). Exceptions from the handler propagate.
    Response dispatch(Request& request) const;

    /// The methods allowed on `path` ("GET, HEAD"), empty when no route matches.
    std::string allowedMethods(const std::string& path) const;

  private:
    struct Route {
        std::string path;
        bool prefix = false;
        std::string label;
        obs::RouteMetrics* metrics = nullptr;
        std::vector<std::pair<std::string, Handler>> handlers;
    };
    Route& routeFor(const std::string& path, bool prefix, std::string label);
    void addTo(Route& route, const std::vector<std::string>& methods, Handler handler);
    const Route* match(const std::string& path) const;
    static std::string allowOf(const Route& route);

    obs::Metrics* metrics_;
    obs::RouteMetrics* unmatched_ = nullptr;
    std::map<std::string, Route> exact_;
    std::vector<Route> prefixes_; // longest first
    bool frozen_ = false;
};

} // namespace authd::http
