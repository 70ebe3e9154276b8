// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authd::plugins::magic_link {

/// What the store keeps about one emailed link, under the SHA-256 of its token (the token
/// itself is never stored). Either `user_id` names an existing account, or it is empty and
/// `email` is the address to create an account for.
struct LinkRecord {
    std::string pending_id;  ///< the pending authorization the link completes
    std::string email;       ///< the address the link was sent to (lower-cased)
    std::string user_id;     ///< empty: create the account on first use
};

/// A flat JSON object: {"pending_id":...,"email":...,"user_id":...}.
std::string encodeLinkRecord(const LinkRecord& record);

/// Parses what encodeLinkRecord wrote (any flat object of string members; unknown members are
/// ignored). nullopt when the text is not such an object or `pending_id`/`email` is missing.
std::optional<LinkRecord> decodeLinkRecord(std::string_view json);

}  // namespace authd::plugins::magic_link
