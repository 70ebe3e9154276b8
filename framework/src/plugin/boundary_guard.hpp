// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "authd/sdk/host.hpp"
#include "authd/sdk/result.hpp"

namespace authd::plugin {

/// Runs `call`, a call into plugin code returning an sdk::Result, so that no exception crosses
/// back into the host (STYLE 9.2 step 6): a stray exception becomes ErrorCode::internal and one
/// `plugin.exception` log line naming the plugin and the operation. Plugins must not throw; this
/// is the net for those that do.
/// @param plugin    the plugin's name (or instance id) for the message and the log
/// @param operation what was called, e.g. "make_mailer" or "Mailer::send"
template <typename Call>
auto guardPluginCall(std::string_view plugin, std::string_view operation, sdk::Logger& logger,
                     Call&& call) noexcept -> std::invoke_result_t<Call&&> {
    std::string what;
    try {
        return std::forward<Call>(call)();
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
        what = "an exception that is not a std::exception";
    }
    std::string message = "plugin " + std::string(plugin) + " threw from " +
                          std::string(operation) + " (" + what +
                          "); this is a bug in the plugin, which must return errors as values";
    logger.log(sdk::LogLevel::error, "plugin.exception", message,
               {{"plugin", std::string(plugin)},
                {"operation", std::string(operation)},
                {"exception", what}});
    return sdk::makeError(sdk::ErrorCode::internal, std::move(message));
}

}  // namespace authd::plugin
