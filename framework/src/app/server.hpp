// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "app/host_context.hpp"
#include "authd/sdk/authenticator.hpp"
#include "authd/sdk/mailer.hpp"
#include "authd/sdk/storage.hpp"
#include "config/authd_config.hpp"
#include "crypto/password_hasher.hpp"
#include "crypto/secret_box.hpp"
#include "http/router.hpp"
#include "obs/json_logger.hpp"
#include "obs/metrics.hpp"

namespace authd::plugin {
class PluginRegistry;
}

namespace authd::http {
class EventServer;
class Pipeline;
class TlsSink;
} // namespace authd::http

namespace authd::net {
class TlsListener;
} // namespace authd::net

namespace authd::app {

struct ServerOptions {
    /// Create the demo project and user after migrating and print them (README's run command).
    bool demo = false;
};

/// One configured authenticator instance.
struct AuthenticatorInstance {
    std::string id;
    std::string plugin;
    sdk::AuthenticatorPtr authenticator;
};

/// The running provider: everything built from one AuthdConfig, in this order: JSON logger
/// (stdout), master key (a loud `secrets.dev_master_key_generated` warning when a development
/// key was generated), crypto, host context, plugin registry, storage (+ migrate()), mailer,
/// authenticators, then the router with /healthz, /readyz and /metrics. Later code adds its
/// routes through router() before start(). start() binds (port 0 works) and logs
/// `server.listening` with the bound address and port; stop() drains gracefully.
/// Ownership: owns every plugin object and outlives them; plugin libraries are released last.
/// Threading: create/start/stop from one thread; the accessors are safe from handlers.
class Server {
  public:
    /// Builds everything but does not listen. Errors carry a message for the operator
    /// (the config is assumed valid: loadConfigFile already ran).
    static sdk::Result<std::unique_ptr<Server>>
    create(config::AuthdConfig config, std::ostream& log_out, ServerOptions options = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    http::Router& router() noexcept { return router_; }
    HostContext& host() noexcept { return *host_; }
    obs::Metrics& metrics() noexcept { return metrics_; }
    obs::JsonLogger& logger() noexcept { return logger_; }
    sdk::Storage& storage() noexcept { return *storage_; }
    sdk::Mailer* mailer() noexcept { return mailer_.get(); }
    const std::vector<AuthenticatorInstance>& authenticators() const noexcept {
        return authenticators_;
    }
    /// Seals and opens secrets at rest with the master key.
    const crypto::SecretBox& secretBox() const noexcept { return *secret_box_; }
    const crypto::PasswordHasher& passwordHasher() const noexcept { return hasher_; }
    const config::AuthdConfig& config() const noexcept { return config_; }

    /// Binds the listening socket (TLS when configured) and starts serving. Errors: the
    /// address is taken or invalid, the TLS files cannot be used.
    sdk::Result<void> start();
    /// The bound port (after start()).
    std::uint16_t port() const noexcept { return port_; }
    /// Stops accepting, lets in-flight requests finish within shutdown_grace, and logs
    /// `server.stopped`. Returns false when requests were still running at the deadline (the
    /// HTTP server is then left behind: the caller should exit the process).
    bool stop();
    /// start(), wait for SIGTERM or SIGINT (blockTerminationSignals() must have run before any
    /// thread was created), stop(). Returns the process exit code: 0 after a stop, 1 when it
    /// cannot listen (the reason is logged and printed to stderr).
    int run();

  private:
    Server(config::AuthdConfig config, std::ostream& log_out);
    sdk::Result<void> build(const ServerOptions& options);
    void addHostRoutes();

    config::AuthdConfig config_;
    std::ostream& out_;
    obs::JsonLogger logger_;
    obs::Metrics metrics_;
    crypto::PasswordHasher hasher_;
    std::unique_ptr<crypto::SecretBox> secret_box_;
    std::unique_ptr<HostContext> host_;
    // Declared before the plugin objects so that the libraries are unloaded after them.
    std::unique_ptr<plugin::PluginRegistry> registry_;
    sdk::StoragePtr storage_;
    sdk::MailerPtr mailer_;
    std::vector<AuthenticatorInstance> authenticators_;
    http::Router router_;
    std::unique_ptr<http::Pipeline> pipeline_;
    // Plain HTTP: our event-driven server. TLS: Poco's HTTPServer in the net module, opened
    // only then (decisions 0006 and 0007).
    std::unique_ptr<http::EventServer> event_server_;
    std::unique_ptr<http::TlsSink> tls_sink_;
    std::unique_ptr<net::TlsListener> tls_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
};

/// Blocks SIGTERM and SIGINT in the calling thread; threads created afterwards inherit the
/// mask, so Server::run() can take them with sigwait. Call first thing in main.
void blockTerminationSignals();

} // namespace authd::app
