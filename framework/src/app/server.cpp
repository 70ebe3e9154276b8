// SPDX-License-Identifier: Apache-2.0
#include "app/server.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <pthread.h>
#include <unistd.h>

#include "app/demo.hpp"
#include "crypto/master_key.hpp"
#include "http/event_server.hpp"
#include "http/pipeline.hpp"
#include "http/poco_adapter.hpp"
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
    if (server_) {
        server_->stopAll(true);
        server_.reset();
    }
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
            Poco::JSON::Object body;
            body.set("status", "unavailable");
            body.set("reason", "store: " + ping.error().message);
            return http::Response::json(503, body);
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
    try {
        const Poco::Net::SocketAddress address(server.listen_host, server.listen_port);
        std::unique_ptr<Poco::Net::ServerSocket> socket;
        if (server.tls) {
            Poco::Net::initializeSSL();
            Poco::Net::Context::Ptr context = new Poco::Net::Context(
                Poco::Net::Context::TLS_SERVER_USE, server.tls->key, server.tls->cert, "",
                Poco::Net::Context::VERIFY_NONE, 9, false, "HIGH:!aNULL:!MD5:!RC4:@STRENGTH");
            context->disableProtocols(
                Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
            socket =
                std::make_unique<Poco::Net::SecureServerSocket>(address, kListenBacklog, context);
        } else {
            socket = std::make_unique<Poco::Net::ServerSocket>(address, kListenBacklog);
        }
        port_ = socket->address().port();

        http::Limits limits;
        limits.max_body_bytes = static_cast<std::size_t>(server.max_body_bytes);
        limits.max_header_bytes = static_cast<std::size_t>(server.max_header_bytes);
        limits.form.max_value_bytes = limits.max_body_bytes;
        router_.freeze();
        pipeline_ = std::make_unique<http::Pipeline>(router_, metrics_, logger_, limits,
                                                     server.tls.has_value());
        if (server.tls) {
            auto* params = new Poco::Net::HTTPServerParams;
            params->setMaxThreads(server.threads);
            params->setMaxQueued(server.queue);
            params->setKeepAlive(true);
            params->setKeepAliveTimeout(Poco::Timespan(server.keep_alive_timeout, 0));
            params->setMaxKeepAliveRequests(kMaxKeepAliveRequests);
            params->setTimeout(Poco::Timespan(server.receive_timeout, 0));
            pool_ = std::make_unique<Poco::ThreadPool>(std::min(4, server.threads), server.threads);
            server_ = std::make_unique<Poco::Net::HTTPServer>(
                new http::RequestHandlerFactory(*pipeline_), *pool_, *socket, params);
            server_->start();
        } else {
            // The event server owns a duplicate of the bound descriptor; Poco closes its own.
            const int fd = ::dup(socket->impl()->sockfd());
            if (fd < 0) {
                return sdk::makeError(sdk::ErrorCode::unavailable,
                                      "cannot listen on " + server.listen +
                                          ": the listening socket cannot be duplicated");
            }
            http::EventServerOptions options;
            options.threads = server.threads;
            options.max_connections = static_cast<std::size_t>(server.threads + server.queue);
            options.keep_alive_timeout = std::chrono::seconds(server.keep_alive_timeout);
            options.receive_timeout = std::chrono::seconds(server.receive_timeout);
            event_server_ = std::make_unique<http::EventServer>(*pipeline_, fd, options);
            if (auto started = event_server_->start(); !started) {
                event_server_.reset();
                return sdk::makeError(sdk::ErrorCode::unavailable,
                                      "cannot listen on " + server.listen + ": " +
                                          started.error().message);
            }
        }
        const std::string host = socket->address().host().toString();
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
    } catch (const Poco::Exception& e) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "cannot listen on " + server.listen + ": " + e.displayText());
    } catch (const std::exception& e) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              "cannot listen on " + server.listen + ": " + e.what());
    }
    return sdk::ok();
}

bool Server::stop() {
    if (!server_ && !event_server_) {
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
        std::packaged_task<void()> task([server = server_.get()] { server->stopAll(false); });
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
        (void)server_.release();
        (void)pool_.release();
        (void)pipeline_.release();
        return false;
    }
    event_server_.reset();
    server_.reset();
    pool_.reset();
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
