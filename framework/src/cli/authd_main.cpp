// SPDX-License-Identifier: Apache-2.0
// authd: the server (serve), and the operator's commands check-config and migrate.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "admin/api.hpp"
#include "app/host_context.hpp"
#include "app/server.hpp"
#include "config/authd_config.hpp"
#include "crypto/warm_up.hpp"
#include "obs/json_logger.hpp"
#include "dash/dash.hpp"
#include "oauth/provider.hpp"
#include "plugin/plugin_registry.hpp"
#include "version.hpp"

namespace {

using authd::sdk::LogLevel;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: authd <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve --config FILE [--demo]   run the provider; --demo also creates a demo project and\n"
    "                                 user and prints their secrets (development only)\n"
    "  check-config FILE              validate FILE and every plugin instance's config against\n"
    "                                 its plugin's schema (no database, no network)\n"
    "  migrate --config FILE          apply the store's schema migrations and print the version\n"
    "  --version                      print the version\n"
    "  --help                         print this help\n";

int usageError(const std::string& message) {
    std::cerr << "authd: " << message << "\n\n" << kUsage;
    return kExitUsage;
}

// Parses `--config FILE` (or `--config=FILE`) plus the boolean flags in `flags`.
struct Options {
    std::string config;
    bool demo = false;
};

bool parseOptions(const std::vector<std::string>& args, bool allow_demo, Options& options,
                  std::string& error) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--config") {
            if (i + 1 >= args.size()) {
                error = "--config needs a file name";
                return false;
            }
            options.config = args[++i];
        } else if (arg.rfind("--config=", 0) == 0) {
            options.config = arg.substr(9);
        } else if (arg == "--demo" && allow_demo) {
            options.demo = true;
        } else {
            error = "unknown option: " + arg;
            return false;
        }
    }
    if (options.config.empty()) {
        error = "--config FILE is required";
        return false;
    }
    return true;
}

authd::sdk::Result<authd::config::AuthdConfig> loadConfig(const std::string& path) {
    auto config = authd::config::loadConfigFile(path);
    if (!config) {
        std::cerr << config.error().message;
        if (!config.error().message.empty() && config.error().message.back() != '\n') {
            std::cerr << '\n';
        }
    }
    return config;
}

int serve(const std::vector<std::string>& args) {
    Options options;
    std::string error;
    if (!parseOptions(args, true, options, error)) {
        return usageError(error);
    }
    // Before any thread exists, so that every thread inherits the mask and run() can sigwait.
    authd::app::blockTerminationSignals();
    // OpenSSL's one-time set-up runs beside reading the config, opening the store and loading
    // the plugins instead of inside them; joined before serve() returns.
    const authd::crypto::OpenSslWarmUp openssl_warm_up;
    auto config = loadConfig(options.config);
    if (!config) {
        return kExitFailure;
    }
    authd::app::ServerOptions server_options;
    server_options.demo = options.demo;
    auto server = authd::app::Server::create(std::move(*config), std::cout, server_options);
    if (!server) {
        std::cerr << "authd: " << server.error().message << '\n';
        return kExitFailure;
    }
    // Declared after the server, so it goes first: it uses the server's store and router.
    auto provider = authd::oauth::Provider::create(**server);
    if (!provider) {
        std::cerr << "authd: " << provider.error().message << '\n';
        return kExitFailure;
    }
    (*provider)->registerRoutes((*server)->router());
    authd::admin::addAdminApiRoutes((*server)->router(), (*provider)->context());
    if (auto dashboard = authd::dash::ensureDashboardProject((*provider)->context()); !dashboard) {
        std::cerr << "authd: the dashboard project: " << dashboard.error().message << '\n';
        return kExitFailure;
    }
    authd::dash::addDashRoutes((*server)->router(), (*provider)->context());
    return (*server)->run();
}

int checkConfig(const std::vector<std::string>& args) {
    if (args.size() != 1 || args[0].rfind("--", 0) == 0) {
        return usageError("check-config takes exactly one FILE");
    }
    const std::string& path = args[0];
    auto config = loadConfig(path);
    if (!config) {
        return kExitFailure;
    }
    authd::obs::JsonLogger logger(std::cerr, LogLevel::warning);
    authd::plugin::PluginRegistry registry(config->plugins.paths, logger);
    if (auto valid = registry.validateInstances(*config); !valid) {
        std::cerr << valid.error().message;
        if (!valid.error().message.empty() && valid.error().message.back() != '\n') {
            std::cerr << '\n';
        }
        return kExitFailure;
    }
    std::cout << path << ": OK\n";
    return kExitOk;
}

int migrate(const std::vector<std::string>& args) {
    Options options;
    std::string error;
    if (!parseOptions(args, false, options, error)) {
        return usageError(error);
    }
    auto config = loadConfig(options.config);
    if (!config) {
        return kExitFailure;
    }
    authd::obs::JsonLogger logger(std::cerr, config->logging.level < LogLevel::warning
                                                 ? LogLevel::warning
                                                 : config->logging.level);
    authd::sdk::HostInfo info;
    info.issuer = config->server.issuer;
    info.version = authd::version();
    info.data_dir = config->data_dir;
    info.config_file = config->source_file;
    authd::app::HostContext host(info, logger, config->password_hashing.params());
    authd::plugin::PluginRegistry registry(config->plugins.paths, logger);
    auto storage = registry.createStorage(config->storage, host);
    if (!storage) {
        std::cerr << "authd: storage (" << config->storage.plugin
                  << "): " << storage.error().message << '\n';
        return kExitFailure;
    }
    auto before = (*storage)->schemaVersion();
    auto version = (*storage)->migrate();
    if (!version) {
        std::cerr << "authd: migration failed: " << version.error().message << '\n';
        return kExitFailure;
    }
    std::cout << "storage " << config->storage.plugin << ": schema version " << *version;
    if (before && *before != *version) {
        std::cout << " (migrated from " << *before << ")";
    } else if (before) {
        std::cout << " (already current)";
    }
    std::cout << '\n';
    return kExitOk;
}

int dispatch(const std::vector<std::string>& argv) {
    if (argv.empty()) {
        return usageError("no command given");
    }
    const std::string& command = argv[0];
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());
    if (command == "--version" || command == "version") {
        std::cout << "authd " << authd::version() << '\n';
        return kExitOk;
    }
    if (command == "--help" || command == "-h" || command == "help") {
        std::cout << kUsage;
        return kExitOk;
    }
    if (command == "serve") {
        return serve(rest);
    }
    if (command == "check-config") {
        return checkConfig(rest);
    }
    if (command == "migrate") {
        return migrate(rest);
    }
    return usageError("unknown command: " + command);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        std::cerr << "authd: internal error: " << e.what() << '\n';
    } catch (...) {
        std::cerr << "authd: internal error\n";
    }
    return kExitFailure;
}
