// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "provider_fixture.hpp"

using authd::oauth::AuthenticatedClient;
using authd::oauth::ClientAuthMethod;
using authd::oauth::OAuthError;
using authd::oauth::test::ProviderFixture;
namespace http = authd::http;
namespace sdk = authd::sdk;

namespace {

struct ClientsFixture : ProviderFixture {
    // A secret with every character Basic's form-encoding must carry (RFC 6749 2.3.1).
    const std::string odd_secret = "s3cr%t:+/ &=\xc3\xa9-0123456789abcdef0123456789";
    Secrets confidential = addProject("proj_conf");
    Secrets odd = addProject("proj_odd", "confidential",
                             [this](sdk::Project&, Secrets& s) { s.client_secret = odd_secret; });
    Secrets pub = addProject("proj_pub", "public");

    std::variant<AuthenticatedClient, OAuthError> authenticate(
        const std::vector<std::pair<std::string, std::string>>& headers,
        std::vector<std::pair<std::string, std::string>> params) {
        http::Request request;
        for (const auto& [name, value] : headers) {
            request.headers.add(name, value);
        }
        return clients.authenticate(request, sdk::Fields(std::move(params)));
    }
};

std::string errorCode(const std::variant<AuthenticatedClient, OAuthError>& result) {
    const auto* error = std::get_if<OAuthError>(&result);
    return error != nullptr ? error->code : std::string("<authenticated>");
}

ClientAuthMethod methodOf(const std::variant<AuthenticatedClient, OAuthError>& result) {
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<AuthenticatedClient>(result),
                          "expected success, got " + errorCode(result));
    return std::get<AuthenticatedClient>(result).method;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(client_authentication, ClientsFixture)

BOOST_AUTO_TEST_CASE(basic_credentials_are_form_decoded_before_comparison) {
    const auto result = authenticate({basic("proj_odd", odd_secret)}, {});
    BOOST_TEST((methodOf(result) == ClientAuthMethod::client_secret_basic));
    BOOST_TEST(std::get<AuthenticatedClient>(result).client->project.client_id == "proj_odd");
    BOOST_TEST(errorCode(authenticate({basic("proj_odd", odd_secret + "x")}, {})) ==
               "invalid_client");
}

BOOST_AUTO_TEST_CASE(basic_accepts_a_repeated_matching_client_id_in_the_body) {
    BOOST_TEST((methodOf(authenticate({basic("proj_conf", confidential.client_secret)},
                                      {{"client_id", "proj_conf"}})) ==
                ClientAuthMethod::client_secret_basic));
    BOOST_TEST(errorCode(authenticate({basic("proj_conf", confidential.client_secret)},
                                      {{"client_id", "proj_pub"}})) == "invalid_request");
}

BOOST_AUTO_TEST_CASE(client_secret_post_authenticates) {
    BOOST_TEST((methodOf(authenticate({}, {{"client_id", "proj_conf"},
                                           {"client_secret", confidential.client_secret}})) ==
                ClientAuthMethod::client_secret_post));
}

BOOST_AUTO_TEST_CASE(public_client_authenticates_with_client_id_only) {
    BOOST_TEST((methodOf(authenticate({}, {{"client_id", "proj_pub"}})) == ClientAuthMethod::none));
    // Libraries that send an empty secret for public clients are not refused for it.
    BOOST_TEST((methodOf(authenticate({}, {{"client_id", "proj_pub"}, {"client_secret", ""}})) ==
                ClientAuthMethod::none));
    BOOST_TEST((methodOf(authenticate({basic("proj_pub", "")}, {})) == ClientAuthMethod::none));
}

BOOST_AUTO_TEST_CASE(confidential_client_without_secret_is_refused) {
    BOOST_TEST(errorCode(authenticate({}, {{"client_id", "proj_conf"}})) == "invalid_client");
    BOOST_TEST(errorCode(authenticate({basic("proj_conf", "")}, {})) == "invalid_client");
}

BOOST_AUTO_TEST_CASE(two_methods_at_once_are_an_invalid_request) {
    BOOST_TEST(errorCode(authenticate({basic("proj_conf", confidential.client_secret)},
                                      {{"client_id", "proj_conf"},
                                       {"client_secret", confidential.client_secret}})) ==
               "invalid_request");
}

BOOST_AUTO_TEST_CASE(wrong_secret_or_unknown_client_is_invalid_client) {
    BOOST_TEST(errorCode(authenticate({}, {{"client_id", "proj_conf"},
                                           {"client_secret", odd.client_secret}})) ==
               "invalid_client");
    BOOST_TEST(errorCode(authenticate({basic("proj_conf", "nope")}, {})) == "invalid_client");
    BOOST_TEST(errorCode(authenticate({}, {{"client_id", "proj_nobody"},
                                           {"client_secret", "x"}})) == "invalid_client");
    // A public client has no secret: presenting one cannot succeed.
    BOOST_TEST(errorCode(authenticate({}, {{"client_id", "proj_pub"}, {"client_secret", "x"}})) ==
               "invalid_client");
    BOOST_TEST(errorCode(authenticate({}, {})) == "invalid_client");
}

BOOST_AUTO_TEST_CASE(malformed_basic_headers_are_refused_with_a_reason) {
    const auto check = [&](const std::string& header, const std::string& code) {
        const auto result = authenticate({{"Authorization", header}}, {});
        BOOST_TEST_INFO("Authorization: " << header);
        BOOST_TEST(errorCode(result) == code);
        if (const auto* error = std::get_if<OAuthError>(&result)) {
            BOOST_TEST(!error->description.empty());
        }
    };
    check("Basic !!!notbase64!!!", "invalid_request");
    check("Basic cHJval9jb25m", "invalid_request");        // "proj_conf", no colon
    check("Basic cHJval9jb25mOiV6eg==", "invalid_request");  // "proj_conf:%zz"
    check("Basic OnNlY3JldA==", "invalid_client");           // ":secret", no client_id
    check("Basic", "invalid_client");
    check("Bearer abc", "invalid_client");
    check("Digest username=x", "invalid_client");
}

BOOST_AUTO_TEST_CASE(basic_scheme_name_is_case_insensitive) {
    auto header = basic("proj_conf", confidential.client_secret);
    header.second.replace(0, 5, "bAsIc");
    BOOST_TEST((methodOf(authenticate({header}, {})) == ClientAuthMethod::client_secret_basic));
}

BOOST_AUTO_TEST_CASE(find_caches_and_invalidate_forgets) {
    authd::oauth::ClientRegistry cached(store.projects(), box, std::chrono::seconds(60));
    const auto first = cached.find("proj_conf").value();
    BOOST_TEST(cached.find("proj_conf").value() == first);
    BOOST_TEST(first->signing_key == confidential.signing_key);
    BOOST_TEST(first->client_secret == confidential.client_secret);
    BOOST_TEST(first->access_key.has_value());
    BOOST_TEST(first->secret_key.has_value());
    cached.invalidate("proj_conf");
    BOOST_TEST(cached.find("proj_conf").value() != first);
    BOOST_TEST((cached.find("proj_missing").error().code == sdk::ErrorCode::not_found));
}

BOOST_AUTO_TEST_CASE(secrets_sealed_for_another_project_do_not_open) {
    sdk::Project moved = store.projects().get("proj_conf").value();
    moved.client_id = "proj_moved";
    (void)store.projects().create(moved).value();
    BOOST_TEST((clients.find("proj_moved").error().code == sdk::ErrorCode::internal));
}

BOOST_AUTO_TEST_CASE(grants_default_to_code_and_refresh_when_unset) {
    addProject("proj_nogrants", "confidential",
               [](sdk::Project& p, Secrets&) { p.grant_types.clear(); });
    const auto client = clients.find("proj_nogrants").value();
    BOOST_TEST(client->allowsGrant("authorization_code"));
    BOOST_TEST(client->allowsGrant("refresh_token"));
    BOOST_TEST(!client->allowsGrant("client_credentials"));
}

BOOST_AUTO_TEST_SUITE_END()
