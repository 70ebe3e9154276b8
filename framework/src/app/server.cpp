// SPDX-License-Identifier: Apache-2.0
#include "app/server.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/demo.hpp"
#include "app/net_library.hpp"
#include "crypto/master_key.hpp"
#include "http/event_server.hpp"
#include "http/pipeline.hpp"
#include "http/tls_sink.hpp"
#include "json/json.hpp"
#include "plugin/plugin_registry.hpp"
#include "version.hpp"

namespace authd::app {
namespace {

constexpr int kListenBacklog = 128;
// Poco (TLS only) serves one connection per thread for its whole keep-alive life: after this
// many requests the connection is closed so that queued connections get their turn.
constexpr int kMaxKeepAliveRequests = 100;

sdk::Error startupError(const std::string& what, const sdk::Error& cause) {
    return sdk::makeError(cause.code, what + ": " + cause.message);
}

struct Listener {
    int fd = -1;
    std::string host; ///< the bound address, numeric
    std::uint16_t port = 0;
};

std::string numericHost(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = address.ss_family == AF_INET6
                          ? static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr)
                          : static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in&>(address).sin_addr);
    return ::inet_ntop(address.ss_family, raw, text, sizeof text) != nullptr ? text : "";
}

// Binds and listens on host:port as Poco's ServerSocket did: the host is an IPv4 or IPv6
// literal or a name (its first IPv4 address, else its first address), SO_REUSEADDR is set.
sdk::Result<Listener> listenOn(const std::string& host, std::uint16_t port, int backlog) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (const int status = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
        status != 0) {
        return sdk::makeError(sdk::ErrorCode::invalid_config,
                              "host '" + host + "' cannot be resolved: " + ::gai_strerror(status));
    }
    const addrinfo* chosen = found;
    for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
        if (entry->ai_family == AF_INET) {
            chosen = entry;
            break;
        }
    }
    Listener listener;
    auto fail = [&](const std::string& step) {
        const int error = errno;
        if (listener.fd >= 0) {
            ::close(listener.fd);
        }
        ::freeaddrinfo(found);
        std::string reason = std::strerror(error);
        if (error == EADDRINUSE) {
            reason = "the address is already in use (is another server running on this port?)";
        } else if (error == EADDRNOTAVAIL) {
            reason = "the address is not one of this machine's";
        }
        return sdk::makeError(sdk::ErrorCode::unavailable, step + ": " + reason);
    };
    listener.fd = ::socket(chosen->ai_family, chosen->ai_socktype | SOCK_CLOEXEC,
                           chosen->ai_protocol);
    if (listener.fd < 0) {
        return fail("socket");
    }
    const int on = 1;
    if (::setsockopt(listener.fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
        return fail("SO_REUSEADDR");
    }
    if (::bind(listener.fd, chosen->ai_addr, chosen->ai_addrlen) != 0) {
        return fail("bind");
    }
    if (::listen(listener.fd, backlog) != 0) {
        return fail("listen");
    }
    ::freeaddrinfo(found);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
        const int error = errno;
        ::close(listener.fd);
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              std::string("getsockname: ") + std::strerror(error));
    }
    listener.host = numericHost(bound);
    listener.port = ntohs(bound.ss_family == AF_INET6
                              ? reinterpret_cast<const sockaddr_in6&>(bound).sin6_port
                              : reinterpret_cast<const sockaddr_in&>(bound).sin_port);
    return listener;
}

} // namespace

void blockTerminationSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Server::Server(config::AuthdConfig config, std::ostream& log_out)
    : config_(std::move(config)), out_(log_out), logger_(log_out, config_.logging.level),
      metrics_(authd::version()), hasher_(config_.password_hashing.params()), router_(&metrics_) {}

Server::~Server() {
    event_server_.reset();
    tls_.reset(); // stops it at once
}

sdk::Result<std::unique_ptr<Server>> Server::create(config::AuthdConfig config,
                                                    std::ostream& log_out, ServerOptions options) {
    std::unique_ptr<Server> server(new Server(std::move(config), log_out));
    if (auto built = server->build(options); !built) {
        server->logger_.log(sdk::LogLevel::error, "server.start_failed", built.error().message);
        return std::move(built).error();
    }
    return server;
}

sdk::Result<void> Server::build(const ServerOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    logger_.log(sdk::LogLevel::info, "server.starting", "authd is starting",
                {{"version", authd::version()}, {"config", config_.source_file}});

    auto master_key =
        crypto::loadMasterKey(config_.secrets.master_key_env, config_.secrets.master_key_file,
                              config_.secrets.dev_master_key);
    if (!master_key) {
        return startupError("master key", master_key.error());
    }
    if (master_key->generated_dev_key) {
        logger_.log(sdk::LogLevel::warning, "secrets.dev_master_key_generated",
                    "DEVELOPMENT MASTER KEY GENERATED: secrets at rest are protected only by a "
                    "file on this machine. Set " +
                        (config_.secrets.master_key_env.empty() ? std::string("a master key")
                                                                : config_.secrets.master_key_env) +
                        " to 64 hex characters in production.",
                    {{"master_key_file", config_.secrets.master_key_file}});
    }
    secret_box_ = std::make_unique<crypto::SecretBox>(master_key->box);
    logger_.log(sdk::LogLevel::info, "secrets.master_key_loaded", "master key loaded",
                {{"source", master_key->source}});

    if (auto valid = crypto::PasswordHasher::validate(config_.password_hashing.params()); !valid) {
        return startupError("password_hashing", valid.error());
    }

    if (!config_.data_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(config_.data_dir, ec);
        if (ec) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "data_dir " + config_.data_dir +
                                      " cannot be created: " + ec.message());
        }
    }

    sdk::HostInfo info;
    info.issuer = config_.server.issuer;
    info.version = authd::version();
    info.data_dir = config_.data_dir;
    info.config_file = config_.source_file;
    host_ =
        std::make_unique<HostContext>(std::move(info), logger_, config_.password_hashing.params());

    registry_ = std::make_unique<plugin::PluginRegistry>(config_.plugins.paths, logger_);
    auto storage = registry_->createStorage(config_.storage, *host_);
    if (!storage) {
        return startupError("storage (" + config_.storage.plugin + ")", storage.error());
    }
    storage_ = std::move(*storage);
    auto version = storage_->migrate();
    if (!version) {
        return startupError("storage migration", version.error());
    }
    host_->setStorage(storage_.get());
    logger_.log(sdk::LogLevel::info, "storage.ready", "store migrated",
                {{"plugin", config_.storage.plugin}, {"schema_version", std::to_string(*version)}});

    if (config_.mail) {
        auto mailer = registry_->createMailer(*config_.mail, *host_);
        if (!mailer) {
            return startupError("mail (" + config_.mail->plugin + ")", mailer.error());
        }
        mailer_ = std::move(*mailer);
        host_->setMailer(mailer_.get());
    }
    for (const config::PluginInstanceConfig& instance : config_.authenticators) {
        auto authenticator = registry_->createAuthenticator(instance, *host_);
        if (!authenticator) {
            return startupError("authenticator " + instance.id + " (" + instance.plugin + ")",
                                authenticator.error());
        }
        authenticators_.push_back({instance.id, instance.plugin, std::move(*authenticator)});
    }

    if (options.demo) {
        auto demo = ensureDemo(*storage_, *secret_box_, hasher_, host_->clock().now());
        if (!demo) {
            return startupError("demo bootstrap", demo.error());
        }
        logger_.log(sdk::LogLevel::warning, "demo.ready",
                    "demo project and user ready; their secrets are printed below",
                    {{"client_id", demo->client_id},
                     {"email", demo->email},
                     {"project_created", demo->project_created ? "true" : "false"}});
        printDemo(out_, *demo, config_.server.issuer);
    }

    addHostRoutes();
    const auto elapsed = std::chrono::steady_clock::now() - started;
    logger_.log(
        sdk::LogLevel::debug, "server.built", "components ready",
        {{"duration_ms",
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count())}});
    return sdk::ok();
}

void Server::addHostRoutes() {
    router_.add({"GET"}, "/healthz",
                [](http::Request&) { return http::Response::json(200, R"({"status":"ok"})"); });
    router_.add({"GET"}, "/readyz", [this](http::Request&) {
        if (stopping_.load(std::memory_order_relaxed)) {
            return http::Response::json(503,
                                        R"({"status":"unavailable","reason":"shutting down"})");
        }
        auto ping = storage_->ping();
        if (!ping) {
            logger_.log(sdk::LogLevel::warning, "readyz.store_unavailable", ping.error().message);
            return http::Response::json(
                503, json::Object{{"status", "unavailable"},
                                  {"reason", "store: " + ping.error().message}});
        }
        return http::Response::json(200, R"({"status":"ready"})");
    });
    router_.add({"GET"}, "/metrics", [this](http::Request&) {
        http::Response response;
        response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        response.body = metrics_.render();
        return response;
    });
}

sdk::Result<void> Server::start() {
    const config::ServerConfig& server = config_.server;
    const std::string cannot_listen = "cannot listen on " + server.listen + ": ";
    http::Limits limits;
    limits.max_body_bytes = static_cast<std::size_t>(server.max_body_bytes);
    limits.max_header_bytes = static_cast<std::size_t>(server.max_header_bytes);
    limits.form.max_value_bytes = limits.max_body_bytes;
    std::string host;
    if (server.tls) {
        // Poco's HTTPServer on a SecureServerSocket, in the net module opened now.
        auto module = netModule();
        if (!module) {
            return sdk::makeError(module.error().code, cannot_listen + module.error().message);
        }
        router_.freeze();
        pipeline_ = std::make_unique<http::Pipeline>(router_, metrics_, logger_, limits, true);
        tls_sink_ = std::make_unique<http::TlsSink>(*pipeline_);
        net::TlsListenerOptions options;
        options.host = server.listen_host;
        options.port = server.listen_port;
        options.certificate_file = server.tls->cert;
        options.key_file = server.tls->key;
        options.backlog = kListenBacklog;
        options.threads = server.threads;
        options.queue = server.queue;
        options.keep_alive_timeout_s = static_cast<int>(server.keep_alive_timeout);
        options.max_keep_alive_requests = kMaxKeepAliveRequests;
        options.receive_timeout_s = static_cast<int>(server.receive_timeout);
        try {
            tls_ = (*module)->listenTls(options, *tls_sink_);
            host = tls_->host();
            port_ = tls_->port();
        } catch (const std::exception& e) {
            return sdk::makeError(sdk::ErrorCode::unavailable, cannot_listen + e.what());
        }
    } else {
        auto listener = listenOn(server.listen_host, server.listen_port, kListenBacklog);
        if (!listener) {
            return sdk::makeError(listener.error().code,
                                  cannot_listen + listener.error().message);
        }
        host = listener->host;
        port_ = listener->port;
        router_.freeze();
        pipeline_ = std::make_unique<http::Pipeline>(router_, metrics_, logger_, limits, false);
        http::EventServerOptions options;
        options.threads = server.threads;
        options.max_connections = static_cast<std::size_t>(server.threads + server.queue);
        options.keep_alive_timeout = std::chrono::seconds(server.keep_alive_timeout);
        options.receive_timeout = std::chrono::seconds(server.receive_timeout);
        // The event server owns the descriptor from here on.
        event_server_ = std::make_unique<http::EventServer>(*pipeline_, listener->fd, options);
        if (auto started = event_server_->start(); !started) {
            event_server_.reset();
            return sdk::makeError(sdk::ErrorCode::unavailable,
                                  cannot_listen + started.error().message);
        }
    }
    logger_.log(sdk::LogLevel::info, "server.listening",
                "serving HTTP" + std::string(server.tls ? "S" : ""),
                {{"address", host},
                 {"port", std::to_string(port_)},
                 {"issuer", server.issuer},
                 {"tls", server.tls ? "true" : "false"},
                 {"threads", std::to_string(server.threads)}});
    // From here on a line per request: written in batches (warnings and errors at once).
    // server.listening above is written at once, for whoever waits for it.
    logger_.startBackgroundFlush();
    return sdk::ok();
}

bool Server::stop() {
    if (!tls_ && !event_server_) {
        return true;
    }
    stopping_.store(true, std::memory_order_relaxed);
    pipeline_->beginShutdown();
    const sdk::Seconds grace = config_.server.shutdown_grace;
    logger_.log(sdk::LogLevel::info, "server.stopping",
                "no longer accepting connections; finishing requests in flight",
                {{"in_flight", std::to_string(metrics_.inFlight().load())},
                 {"grace_s", std::to_string(grace)}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
    bool drained = true;
    if (event_server_) {
        drained = event_server_->drain(deadline);
    } else {
        // stopAll(false) returns once every connection has finished its current request; it
        // has no deadline of its own, so it runs aside while this thread keeps the clock.
        std::packaged_task<void()> task([listener = tls_.get()] { listener->stopAll(false); });
        std::future<void> done = task.get_future();
        std::thread stopper(std::move(task));
        drained = done.wait_until(deadline) == std::future_status::ready;
        if (drained) {
            stopper.join();
        } else {
            stopper.detach();
        }
    }
    if (!drained) {
        logger_.log(
            sdk::LogLevel::warning, "server.stopped",
            "grace period over with requests still in flight; they are cut off",
            {{"in_flight", std::to_string(metrics_.inFlight().load())}, {"drained", "false"}});
        // Their threads are still busy, so nothing they use can be destroyed; the process
        // exits next.
        (void)event_server_.release();
        (void)tls_.release();
        (void)tls_sink_.release();
        (void)pipeline_.release();
        return false;
    }
    event_server_.reset();
    tls_.reset();
    logger_.log(sdk::LogLevel::info, "server.stopped", "all requests finished",
                {{"drained", "true"}});
    return true;
}

int Server::run() {
    if (auto started = start(); !started) {
        logger_.log(sdk::LogLevel::error, "server.start_failed", started.error().message);
        std::cerr << "authd: " << started.error().message << '\n';
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int signal = 0;
    while (sigwait(&set, &signal) != 0) {
    }
    logger_.log(sdk::LogLevel::info, "server.signal", "termination requested",
                {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    if (!stop()) {
        out_.flush();
        std::_Exit(0);
    }
    return 0;
}

} // namespace authd::app
