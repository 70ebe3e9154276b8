// SPDX-License-Identifier: Apache-2.0
#include "http/router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "obs/metrics.hpp"

namespace authd::http {

Router::Router(obs::Metrics* metrics) : metrics_(metrics) {
    if (metrics_ != nullptr) {
        unmatched_ = &metrics_->route("unmatched");
    }
}

Router::Route& Router::routeFor(const std::string& path, bool prefix, std::string label) {
    if (frozen_) {
        throw std::logic_error("route " + path + " added after the server started");
    }
    if (path.empty() || path.front() != '/') {
        throw std::logic_error("route path must start with '/': " + path);
    }
    Route* route = nullptr;
    if (prefix) {
        auto it = std::find_if(prefixes_.begin(), prefixes_.end(),
                               [&](const Route& r) { return r.path == path; });
        if (it == prefixes_.end()) {
            Route fresh;
            fresh.path = path;
            fresh.prefix = true;
            prefixes_.push_back(std::move(fresh));
            std::stable_sort(
                prefixes_.begin(), prefixes_.end(),
                [](const Route& a, const Route& b) { return a.path.size() > b.path.size(); });
            it = std::find_if(prefixes_.begin(), prefixes_.end(),
                              [&](const Route& r) { return r.path == path; });
        }
        route = &*it;
    } else {
        route = &exact_[path];
        route->path = path;
    }
    if (route->label.empty()) {
        route->label = !label.empty() ? std::move(label) : (prefix ? path + "*" : path);
        if (metrics_ != nullptr) {
            route->metrics = &metrics_->route(route->label);
        }
    }
    return *route;
}

void Router::addTo(Route& route, const std::vector<std::string>& methods, Handler handler) {
    if (methods.empty()) {
        throw std::logic_error("route " + route.path + " has no method");
    }
    for (const std::string& method : methods) {
        for (const auto& existing : route.handlers) {
            if (existing.first == method) {
                throw std::logic_error("route " + method + " " + route.path + " added twice");
            }
        }
        route.handlers.emplace_back(method, handler);
    }
}

void Router::add(const std::vector<std::string>& methods, const std::string& path, Handler handler,
                 std::string label) {
    addTo(routeFor(path, false, std::move(label)), methods, std::move(handler));
}

void Router::addPrefix(const std::vector<std::string>& methods, const std::string& prefix,
                       Handler handler, std::string label) {
    if (prefix.back() != '/') {
        throw std::logic_error("prefix route must end with '/': " + prefix);
    }
    addTo(routeFor(prefix, true, std::move(label)), methods, std::move(handler));
}

const Router::Route* Router::match(const std::string& path) const {
    if (auto it = exact_.find(path); it != exact_.end()) {
        return &it->second;
    }
    for (const Route& route : prefixes_) {
        if (path.compare(0, route.path.size(), route.path) == 0) {
            return &route;
        }
    }
    return nullptr;
}

std::string Router::allowOf(const Route& route) {
    std::set<std::string> methods;
    for (const auto& [method, handler] : route.handlers) {
        methods.insert(method);
        if (method == "GET") {
            methods.insert("HEAD");
        }
    }
    std::string allow;
    for (const std::string& method : methods) {
        allow += (allow.empty() ? "" : ", ") + method;
    }
    return allow;
}

std::string Router::allowedMethods(const std::string& path) const {
    const Route* route = match(path);
    return route == nullptr ? std::string() : allowOf(*route);
}

Response Router::dispatch(Request& request) const {
    const Route* route = match(request.path);
    if (route == nullptr) {
        request.route = "unmatched";
        request.route_metrics = unmatched_;
        return Response::error(404, "not_found", "no such endpoint: " + request.path);
    }
    request.route = route->label;
    request.route_metrics = route->metrics;
    request.path_rest = route->prefix ? request.path.substr(route->path.size()) : std::string();
    const Handler* get_handler = nullptr;
    for (const auto& [method, handler] : route->handlers) {
        if (method == request.method) {
            return handler(request);
        }
        if (method == "GET") {
            get_handler = &handler;
        }
    }
    if (request.method == "HEAD" && get_handler != nullptr) {
        return (*get_handler)(request);
    }
    Response response =
        Response::error(405, "method_not_allowed",
                        "method " + request.method + " is not allowed on " + request.path);
    response.headers.set("Allow", allowOf(*route));
    return response;
}

} // namespace authd::http
