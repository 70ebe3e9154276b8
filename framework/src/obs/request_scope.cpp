// SPDX-License-Identifier: Apache-2.0
#include "obs/request_scope.hpp"

#include <utility>

namespace authd::obs {
namespace {
thread_local std::string current_request_id;
} // namespace

RequestScope::RequestScope(std::string request_id)
    : previous_(std::exchange(current_request_id, std::move(request_id))) {}

RequestScope::~RequestScope() {
    current_request_id = std::move(previous_);
}

const std::string& RequestScope::current() noexcept {
    return current_request_id;
}

} // namespace authd::obs
