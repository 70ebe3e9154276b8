// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE magic_link_plugin
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <ostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <boost/dll/import.hpp>

#include "authd/sdk/abi.hpp"

#include "support/fake_config.hpp"
#include "support/fake_host.hpp"

namespace authd::sdk {
// Printers so that BOOST_TEST can show the SDK's enums when a comparison fails.
static std::ostream& operator<<(std::ostream& out, ErrorCode code) {
    return out << errorCodeName(code);
}
static std::ostream& operator<<(std::ostream& out, PluginKind kind) {
    return out << pluginKindName(kind);
}
static std::ostream& operator<<(std::ostream& out, Verdict::Kind kind) {
    return out << "Verdict::Kind(" << static_cast<int>(kind) << ")";
}
static std::ostream& operator<<(std::ostream& out, ConfigType type) {
    return out << "ConfigType(" << static_cast<int>(type) << ")";
}
}  // namespace authd::sdk

namespace sdk = authd::sdk;
using authd::test::FakeConfigNode;
using authd::test::FakeHost;

namespace {

const std::string kId = "email-link";
const std::string kPending = "pending-1";
const std::string kExpiredOrUsed = "This link has expired or was already used. Request a new one.";
const std::string kNeedsMail = "magic_link needs a mail: section";

/// The plugin's manifest, loaded once from the real .so; the import handle keeps the library
/// loaded for the whole run, as the host's registry does.
const sdk::PluginManifest& manifest() {
    static const std::function<sdk::ManifestFunction> entry =
        boost::dll::import_alias<sdk::ManifestFunction>(AUTHD_MAGIC_LINK_PLUGIN_PATH,
                                                        AUTHD_PLUGIN_SYMBOL);
    static const sdk::PluginManifest* loaded = entry();
    BOOST_TEST_REQUIRE(loaded != nullptr);
    return *loaded;
}

std::vector<sdk::ConfigKey> schemaKeys() {
    sdk::ConfigSchema schema;
    manifest().describe_config(schema);
    return schema.keys();
}

const sdk::ConfigKey* findKey(const std::vector<sdk::ConfigKey>& keys, const std::string& name) {
    auto it = std::find_if(keys.begin(), keys.end(),
                           [&](const sdk::ConfigKey& k) { return k.name == name; });
    return it == keys.end() ? nullptr : &*it;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

/// What a sign-in mail's link carries.
struct Link {
    std::string url;
    std::string token;
    std::string req;
};

std::vector<Link> linksIn(const std::string& text) {
    static const std::regex pattern(
        R"((http://127\.0\.0\.1:8080/login/email-link/verify\?token=([A-Za-z0-9_-]+)&req=([A-Za-z0-9._~%-]+)))");
    std::vector<Link> links;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
         it != std::sregex_iterator(); ++it) {
        links.push_back({(*it)[1].str(), (*it)[2].str(), (*it)[3].str()});
    }
    return links;
}

bool isSuccess(const sdk::Verdict& v) {
    return v.kind == sdk::Verdict::Kind::success;
}
bool isFailure(const sdk::Verdict& v) {
    return v.kind == sdk::Verdict::Kind::failure;
}
bool isPage(const sdk::Verdict& v) {
    return v.kind == sdk::Verdict::Kind::page;
}

struct Fixture {
    FakeHost host;
    FakeConfigNode config{schemaKeys(), "authenticators[2].config"};
    sdk::AuthenticatorPtr authenticator;

    sdk::Result<sdk::AuthenticatorPtr> tryMake() {
        sdk::InstanceSpec spec{kId, &config};
        return manifest().make_authenticator(spec, host);
    }

    sdk::Authenticator& make() {
        BOOST_TEST_REQUIRE(config.validate().empty());
        authenticator.reset();
        auto made = tryMake();
        BOOST_TEST_REQUIRE(made.has_value(), (made ? "" : made.error().message));
        authenticator = std::move(made).value();
        return *authenticator;
    }

    sdk::Authenticator& auth() {
        if (!authenticator) {
            make();
        }
        return *authenticator;
    }

    /// Mails go out from the plugin's own threads; destroying the instance sends what is
    /// queued and joins them, so afterwards every requested mail is in the recording mailer.
    std::vector<sdk::MailMessage> sentMail() {
        authenticator.reset();
        return host.recordingMailer().messages();
    }

    static sdk::LoginStep step(const std::string& address = "192.0.2.10") {
        sdk::LoginStep s;
        s.instance_id = kId;
        s.pending_id = kPending;
        s.action_url = "/login/" + kId;
        s.hidden_fields_html = "<input type=\"hidden\" name=\"csrf\" value=\"tok123\">";
        s.client_id = "proj_demo";
        s.project_name = "Demo";
        s.request.method = "POST";
        s.request.path = "/login/" + kId;
        s.request.client_address = address;
        return s;
    }

    sdk::Verdict request(const std::string& email, const std::string& address = "192.0.2.10") {
        sdk::Fields form;
        form.add("email", email);
        auto verdict = auth().submit(step(address), form);
        BOOST_TEST_REQUIRE(verdict.has_value(), (verdict ? "" : verdict.error().message));
        return *verdict;
    }

    /// The GET of a link: `browser_pending` is the pending authorization the host found this
    /// browser holding (empty in another browser).
    static sdk::LoginStep linkStep(const std::string& token, const std::string& req,
                                   const std::string& browser_pending) {
        sdk::LoginStep s;
        s.instance_id = kId;
        s.pending_id = browser_pending;
        s.action_url = "/login/" + kId;
        s.sub_path = "verify";
        s.request.method = "GET";
        s.request.path = "/login/" + kId + "/verify";
        s.request.client_address = "192.0.2.10";
        s.request.query.add("token", token);
        if (!req.empty()) {
            s.request.query.add("req", req);
        }
        return s;
    }

    sdk::Verdict follow(const Link& link, const std::string& browser_pending = kPending) {
        auto verdict = auth().callback(linkStep(link.token, link.req, browser_pending));
        BOOST_TEST_REQUIRE(verdict.has_value(), (verdict ? "" : verdict.error().message));
        return *verdict;
    }

    /// Requests a link for `email` and returns the one mail's link.
    Link linkFor(const std::string& email) {
        const auto before = host.recordingMailer().messages().size();
        BOOST_TEST_REQUIRE(isPage(request(email)));
        const auto mail = sentMail();
        BOOST_TEST_REQUIRE(mail.size() == before + 1);
        const auto links = linksIn(mail.back().text_body);
        BOOST_TEST_REQUIRE(links.size() == 1U, mail.back().text_body);
        return links.front();
    }

    std::vector<sdk::AuditEvent> audit(const std::string& type = {}) {
        sdk::AuditQuery query;
        query.type = type;
        query.limit = 1000;
        auto listed = host.storage().audit().list(query);
        BOOST_TEST_REQUIRE(listed.has_value());
        return listed->items;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_and_config)

BOOST_AUTO_TEST_CASE(manifest_declares_a_magic_link_authenticator) {
    const sdk::PluginManifest& m = manifest();
    BOOST_TEST(m.abi_version == static_cast<std::uint32_t>(AUTHD_SDK_ABI_VERSION));
    BOOST_TEST(std::string(m.toolchain) == AUTHD_SDK_TOOLCHAIN);
    BOOST_TEST(std::string(m.name) == "magic_link");
    BOOST_TEST(m.kind == sdk::PluginKind::authenticator);
    BOOST_TEST(std::string(m.version).size() > 0U);
    BOOST_TEST(m.describe_config != nullptr);
    BOOST_TEST(m.make_authenticator != nullptr);
    BOOST_TEST(m.make_storage == nullptr);
    BOOST_TEST(m.make_mailer == nullptr);
}

BOOST_AUTO_TEST_CASE(schema_declares_documented_keys_defaults_and_ranges) {
    const auto keys = schemaKeys();
    struct Expected {
        const char* name;
        sdk::ConfigType type;
        const char* default_value;
        std::int64_t min;
        std::int64_t max;
    };
    const std::vector<Expected> expected = {
        {"ttl", sdk::ConfigType::duration, "15m", 5, 86400},
        {"per_email_limit", sdk::ConfigType::integer, "5", 1, 1000},
        {"per_address_limit", sdk::ConfigType::integer, "20", 1, 1000000},
        {"limit_window", sdk::ConfigType::duration, "15m", 60, 86400},
    };
    for (const Expected& e : expected) {
        const sdk::ConfigKey* key = findKey(keys, e.name);
        BOOST_TEST_REQUIRE(key != nullptr, e.name);
        BOOST_TEST(key->type == e.type, e.name);
        BOOST_TEST(key->default_value == e.default_value, e.name);
        BOOST_TEST(key->min == e.min, e.name);
        BOOST_TEST(key->max == e.max, e.name);
    }
    const sdk::ConfigKey* create = findKey(keys, "create_accounts");
    BOOST_TEST_REQUIRE(create != nullptr);
    BOOST_TEST(create->type == sdk::ConfigType::boolean);
    BOOST_TEST(create->default_value == "false");
    BOOST_TEST_REQUIRE(findKey(keys, "label") != nullptr);
    BOOST_TEST(findKey(keys, "label")->default_value == "Email link");
    BOOST_TEST_REQUIRE(findKey(keys, "subject") != nullptr);
    BOOST_TEST(findKey(keys, "subject")->default_value == "Your sign-in link");
    BOOST_TEST(keys.size() == 7U);
}

BOOST_AUTO_TEST_CASE(schema_refuses_a_ttl_outside_five_seconds_to_a_day) {
    for (const std::string ttl : {"4s", "25h"}) {
        FakeConfigNode config(schemaKeys(), "authenticators[2].config");
        config.set("ttl", ttl);
        const auto errors = config.validate();
        BOOST_TEST_REQUIRE(errors.size() == 1U, ttl);
        BOOST_TEST(contains(errors[0], "authenticators[2].config.ttl"));
    }
}

BOOST_FIXTURE_TEST_CASE(refuses_an_empty_label_and_a_subject_with_a_line_break, Fixture) {
    config.set("label", "").set("subject", "Sign in\r\nBcc: everyone@example.com");
    auto made = tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(made.error().message, config.where("label")), made.error().message);
    BOOST_TEST(contains(made.error().message, config.where("subject") + ": must be one line"));
}

BOOST_FIXTURE_TEST_CASE(refuses_to_start_without_a_mailer, Fixture) {
    host.setMailerConfigured(false);
    auto made = tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(made.error().message, kNeedsMail), made.error().message);
    BOOST_TEST(contains(made.error().message, kId));
}

BOOST_FIXTURE_TEST_CASE(refuses_a_missing_config_node, Fixture) {
    sdk::InstanceSpec spec{kId, nullptr};
    auto made = manifest().make_authenticator(spec, host);
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
}

BOOST_FIXTURE_TEST_CASE(display_name_defaults_and_follows_label, Fixture) {
    BOOST_TEST(make().displayName() == "Email link");
    config.set("label", "Email me a link");
    BOOST_TEST(make().displayName() == "Email me a link");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(render)

BOOST_FIXTURE_TEST_CASE(renders_a_labelled_email_field_in_a_post_form, Fixture) {
    auto page = auth().render(step());
    BOOST_TEST_REQUIRE(page.has_value());
    const std::string& html = page->body_html;
    BOOST_TEST(page->status == 200);
    BOOST_TEST(
        contains(html, "<form class=\"login-form\" method=\"post\" action=\"/login/email-link\">"));
    BOOST_TEST(contains(html, step().hidden_fields_html));
    BOOST_TEST(contains(html, "<label for=\"authd-email-link-email\">Email</label>"));
    BOOST_TEST(contains(html, "<input id=\"authd-email-link-email\" name=\"email\" type=\"email\" "
                              "autocomplete=\"email\" autocapitalize=\"none\" "
                              "spellcheck=\"false\" required autofocus>"));
    BOOST_TEST(contains(html, "<div class=\"field\">"));
    BOOST_TEST(contains(html, "<div class=\"actions\">"));
    BOOST_TEST(contains(html, "<button type=\"submit\" class=\"button primary\">Email me a "
                              "sign-in link</button>"));
    BOOST_TEST(!contains(html, "role=\"alert\""));
    BOOST_TEST(!contains(html, "<script"));
    BOOST_TEST(!contains(html, "style="));
    BOOST_TEST(!contains(html, " on"));
}

BOOST_FIXTURE_TEST_CASE(escapes_a_hostile_login_hint_error_and_action, Fixture) {
    sdk::LoginStep s = step();
    s.login_hint = "\"><script>alert(1)</script>";
    s.error = "<b>bad</b>";
    s.action_url = "/login/email-link?x=\"y\"";
    auto page = auth().render(s);
    BOOST_TEST_REQUIRE(page.has_value());
    const std::string& html = page->body_html;
    BOOST_TEST(!contains(html, "<script>"));
    BOOST_TEST(!contains(html, "<b>"));
    BOOST_TEST(contains(html, "value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
    BOOST_TEST(contains(html, "<p class=\"alert\" role=\"alert\">&lt;b&gt;bad&lt;/b&gt;</p>"));
    BOOST_TEST(contains(html, "action=\"/login/email-link?x=&quot;y&quot;\""));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request)

BOOST_FIXTURE_TEST_CASE(emails_a_link_whose_token_is_stored_only_as_its_hash, Fixture) {
    const auto alice = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(alice.has_value());
    const sdk::UnixTime now = host.fakeClock().now();
    const sdk::Verdict v = request("  Alice@Example.COM ");
    BOOST_TEST_REQUIRE(isPage(v));
    BOOST_TEST(v.page.status == 200);
    BOOST_TEST(contains(v.page.body_html, "<h2>Check your email</h2>"));
    BOOST_TEST(contains(v.page.body_html, "<p class=\"notice\" role=\"status\">If "
                                          "<strong>alice@example.com</strong> belongs to an "
                                          "account, a sign-in link is on its way to it.</p>"));
    BOOST_TEST(contains(v.page.body_html, "expires in 15 minutes"));
    BOOST_TEST(contains(v.page.body_html, "href=\"/login/email-link?req=pending-1\""));
    BOOST_TEST(!contains(v.page.body_html, "style="));

    const auto mail = sentMail();
    BOOST_TEST_REQUIRE(mail.size() == 1U);
    BOOST_TEST(mail[0].to == "alice@example.com");
    BOOST_TEST(mail[0].subject == "Your sign-in link");
    BOOST_TEST(mail[0].from.empty());  // the mailer's configured sender
    const auto links = linksIn(mail[0].text_body);
    BOOST_TEST_REQUIRE(links.size() == 1U, mail[0].text_body);
    const Link link = links[0];
    BOOST_TEST(link.token.size() == 43U);  // 256 bits, base64url
    BOOST_TEST(link.req == kPending);
    BOOST_TEST(contains(mail[0].text_body, "Sign in to Demo"));
    BOOST_TEST(contains(mail[0].text_body, "expires in 15 minutes"));
    // The HTML part carries the same link, escaped, in the product's inline-styled look.
    BOOST_TEST(
        contains(mail[0].html_body, "<a href=\"" + replaceAll(link.url, "&", "&amp;") + "\""));
    BOOST_TEST(contains(mail[0].html_body, "background:#1746c2"));
    BOOST_TEST(contains(mail[0].html_body, "Sign in to Demo"));

    auto stored = host.storage().pluginData().get(kId, host.crypto().sha256Hex(link.token), now);
    BOOST_TEST_REQUIRE(stored.has_value());
    BOOST_TEST(stored->expires_at == now + 15 * 60);
    BOOST_TEST(contains(stored->value, "\"pending_id\":\"pending-1\""));
    BOOST_TEST(contains(stored->value, "\"user_id\":\"" + alice->id + "\""));
    BOOST_TEST(!contains(stored->value, link.token));
    BOOST_TEST(!host.storage().pluginData().get(kId, link.token, now).has_value());

    const auto requested = audit("signin.link_requested");
    BOOST_TEST_REQUIRE(requested.size() == 1U);
    BOOST_TEST(requested[0].user_id == alice->id);
    BOOST_TEST(contains(requested[0].detail, "\"account\":\"existing\""));
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.mail_sent"));
}

BOOST_FIXTURE_TEST_CASE(every_request_gets_a_fresh_token_and_ttl_and_subject_follow_config,
                        Fixture) {
    config.set("ttl", "2h").set("subject", "Sign in to Acme");
    make();
    BOOST_TEST_REQUIRE(host.addUser("alice@example.com").has_value());
    const Link first = linkFor("alice@example.com");
    const Link second = linkFor("alice@example.com");
    BOOST_TEST(first.token != second.token);
    const auto mail = host.recordingMailer().messages();
    BOOST_TEST(mail.back().subject == "Sign in to Acme");
    BOOST_TEST(contains(mail.back().text_body, "expires in 2 hours"));
    // Both links work (each once): a second request does not cancel the first.
    BOOST_TEST(isSuccess(follow(first)));
    BOOST_TEST(isSuccess(follow(second)));
}

BOOST_FIXTURE_TEST_CASE(unknown_email_gets_the_same_page_and_no_mail, Fixture) {
    BOOST_TEST_REQUIRE(host.addUser("alice@example.com").has_value());
    const sdk::Verdict known = request("alice@example.com");
    const sdk::Verdict unknown = request("ghost@example.com");
    BOOST_TEST(known.kind == unknown.kind);
    BOOST_TEST(known.page.status == unknown.page.status);
    BOOST_TEST(replaceAll(known.page.body_html, "alice@", "X@") ==
               replaceAll(unknown.page.body_html, "ghost@", "X@"));
    const auto mail = sentMail();
    BOOST_TEST_REQUIRE(mail.size() == 1U);
    BOOST_TEST(mail[0].to == "alice@example.com");
    const auto requested = audit("signin.link_requested");
    BOOST_TEST_REQUIRE(requested.size() == 2U);
    BOOST_TEST(std::any_of(requested.begin(), requested.end(), [](const sdk::AuditEvent& e) {
        return e.user_id.empty() && contains(e.detail, "\"account\":\"unknown\"");
    }));
}

BOOST_FIXTURE_TEST_CASE(refuses_empty_and_invalid_addresses_without_counting_them, Fixture) {
    BOOST_TEST(request("").message == "Enter your email address.");
    BOOST_TEST(request("   ").message == "Enter your email address.");
    for (const std::string bad :
         {"alice", "alice@", "@example.com", "alice@localhost", "a b@example.com",
          "alice@example.com\r\nBcc: everyone@example.com", "<alice@example.com>",
          "Alice <alice@example.com>", ".alice@example.com", "alice.@example.com",
          "al..ice@example.com", "alice@-example.com", "alice@example..com", "\"a\"@example.com",
          "alice@exa_mple.com",
          "al\xC3\xAF"
          "ce@example.com"}) {
        const sdk::Verdict v = request(bad);
        BOOST_TEST(isFailure(v), bad);
        BOOST_TEST(v.message == "Enter a valid email address, such as name@example.com.", bad);
    }
    BOOST_TEST(isFailure(request(std::string(250, 'a') + "@example.com")));
    BOOST_TEST(sentMail().empty());
    BOOST_TEST(!host.storage().counters().get("email-link:addr:192.0.2.10").has_value());
    // Addresses with the less usual but valid characters go through.
    for (const std::string fine : {"o'brien+tag@mail.example.co.uk", "x_y-z@a-b.example"}) {
        BOOST_TEST(isPage(request(fine)), fine);
    }
}

BOOST_FIXTURE_TEST_CASE(limits_links_per_email_with_the_same_answer_for_unknown_emails, Fixture) {
    config.set("per_email_limit", "2").set("limit_window", "10m");
    make();
    BOOST_TEST_REQUIRE(host.addUser("alice@example.com").has_value());
    std::vector<std::string> known;
    std::vector<std::string> unknown;
    for (int i = 0; i < 3; ++i) {
        known.push_back(request("alice@example.com", "198.51.100." + std::to_string(i)).message);
        unknown.push_back(request("ghost@example.com", "203.0.113." + std::to_string(i)).message);
    }
    BOOST_TEST(known == unknown);
    BOOST_TEST(known[2] == "Too many sign-in links were requested. Try again in 10 minutes.");
    BOOST_TEST(sentMail().size() == 2U);
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.rate_limited"));
    host.fakeClock().advance(10 * 60 + 1);
    BOOST_TEST(isPage(request("alice@example.com")));
    BOOST_TEST(sentMail().size() == 3U);
}

BOOST_FIXTURE_TEST_CASE(limits_requests_per_client_address, Fixture) {
    config.set("per_address_limit", "3");
    make();
    BOOST_TEST_REQUIRE(host.addUser("alice@example.com").has_value());
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(isPage(request("user" + std::to_string(i) + "@example.com", "203.0.113.9")));
    }
    const sdk::Verdict limited = request("alice@example.com", "203.0.113.9");
    BOOST_TEST(isFailure(limited));
    BOOST_TEST(contains(limited.message, "Too many sign-in links"));
    BOOST_TEST(isPage(request("alice@example.com", "203.0.113.10")));
    BOOST_TEST(sentMail().size() == 1U);
}

BOOST_FIXTURE_TEST_CASE(lockout_keys_name_the_per_email_limit, Fixture) {
    config.set("per_email_limit", "1");
    make();
    const auto alice = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(alice.has_value());
    BOOST_TEST(isPage(request("alice@example.com")));
    BOOST_TEST(isFailure(request("alice@example.com")));
    auto keys = auth().lockoutKeys(*alice);
    BOOST_TEST_REQUIRE(keys.has_value());
    // One key, the email's (hashed): never the address's, which nobody may lift.
    BOOST_TEST_REQUIRE(keys->size() == 1U);
    BOOST_TEST(keys->front().rfind(kId + ":email:", 0) == 0U, keys->front());
    BOOST_TEST(!contains(keys->front(), "alice"));
    BOOST_TEST(host.storage().counters().get(keys->front()).has_value());
    BOOST_TEST_REQUIRE(host.clearLockout(auth(), alice->id).has_value());
    BOOST_TEST(isPage(request("alice@example.com")));
    auto made = auth().makeCredential(*alice, "anything");
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::unsupported);
}

BOOST_FIXTURE_TEST_CASE(no_mailer_at_request_time_is_a_clear_error, Fixture) {
    auth();
    host.setMailerConfigured(false);
    sdk::Fields form;
    form.add("email", "alice@example.com");
    auto v = auth().submit(step(), form);
    BOOST_TEST_REQUIRE(!v.has_value());
    BOOST_TEST(v.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(v.error().message, kNeedsMail), v.error().message);
}

BOOST_FIXTURE_TEST_CASE(a_failing_mailer_is_logged_and_the_answer_is_unchanged, Fixture) {
    BOOST_TEST_REQUIRE(host.addUser("alice@example.com").has_value());
    host.recordingMailer().setFailureForTest(sdk::ErrorCode::unavailable);
    const sdk::Verdict v = request("alice@example.com");
    BOOST_TEST(isPage(v));
    BOOST_TEST(contains(v.page.body_html, "Check your email"));
    BOOST_TEST(sentMail().empty());
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.mail_failed"));
    BOOST_TEST(!host.recordingLogger().hasEvent("magic_link.mail_sent"));
}

BOOST_FIXTURE_TEST_CASE(shutdown_with_a_failing_mailer_accounts_for_every_queued_mail, Fixture) {
    // Whether a mail was tried (and failed) before shutdown or dropped at shutdown depends on
    // the threads; that each one is either tried or counted as dropped does not.
    config.set("create_accounts", "true");
    make();
    host.recordingMailer().setFailureForTest(sdk::ErrorCode::unavailable);
    for (int i = 0; i < 6; ++i) {
        BOOST_TEST(isPage(request("user" + std::to_string(i) + "@example.com")));
    }
    BOOST_TEST(sentMail().empty());  // destroys the instance: shutdown
    std::int64_t failed = 0;
    std::int64_t dropped = 0;
    for (const auto& line : host.recordingLogger().lines()) {
        if (line.event == "magic_link.mail_failed") {
            ++failed;
        } else if (line.event == "magic_link.mail_dropped") {
            for (const auto& [name, value] : line.fields) {
                if (name == "count") {
                    dropped += std::stoll(value);
                }
            }
        }
    }
    BOOST_TEST(failed + dropped == 6);
    BOOST_TEST(failed >= 1);
}

BOOST_FIXTURE_TEST_CASE(refuses_a_request_outside_a_pending_authorization, Fixture) {
    sdk::LoginStep s = step();
    s.pending_id.clear();
    sdk::Fields form;
    form.add("email", "alice@example.com");
    auto v = auth().submit(s, form);
    BOOST_TEST_REQUIRE(!v.has_value());
    BOOST_TEST(v.error().code == sdk::ErrorCode::invalid_argument);
}

BOOST_FIXTURE_TEST_CASE(storage_failures_become_errors, Fixture) {
    auth();
    host.memoryStorage().setFailureForTest(sdk::ErrorCode::unavailable);
    sdk::Fields form;
    form.add("email", "alice@example.com");
    auto v = auth().submit(step(), form);
    BOOST_TEST_REQUIRE(!v.has_value());
    BOOST_TEST(v.error().code == sdk::ErrorCode::unavailable);
    auto followed = auth().callback(linkStep(std::string(43, 'A'), kPending, kPending));
    BOOST_TEST_REQUIRE(!followed.has_value());
    BOOST_TEST(followed.error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(auth().render(step()).has_value());
    host.memoryStorage().setFailureForTest(std::nullopt);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(following_the_link)

BOOST_FIXTURE_TEST_CASE(the_link_signs_in_once_for_its_pending_authorization, Fixture) {
    const auto alice = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(alice.has_value());
    const Link link = linkFor("alice@example.com");
    const sdk::Verdict v = follow(link);
    BOOST_TEST_REQUIRE(isSuccess(v));
    BOOST_TEST(v.user_id == alice->id);
    BOOST_TEST(v.amr == std::vector<std::string>{"otp"});
    BOOST_TEST(v.pending_id == kPending);
    BOOST_TEST(v.refresh_ttl == 0);
    BOOST_TEST(contains(v.audit_detail, "\"authenticator\":\"email-link\""));
    BOOST_TEST(contains(v.audit_detail, "\"account_created\":false"));

    const sdk::Verdict again = follow(link);
    BOOST_TEST_REQUIRE(isPage(again));
    BOOST_TEST(again.page.status == 400);
    BOOST_TEST(contains(again.page.body_html,
                        "<p class=\"alert\" role=\"alert\">" + kExpiredOrUsed + "</p>"));
    BOOST_TEST(contains(again.page.body_html, "href=\"/login/email-link?req=pending-1\""));
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.link_unusable"));
}

BOOST_FIXTURE_TEST_CASE(following_the_link_marks_the_email_verified, Fixture) {
    auto alice = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(alice.has_value());
    alice->email_verified = false;
    BOOST_TEST_REQUIRE(host.storage().users().update(*alice).has_value());
    BOOST_TEST(isSuccess(follow(linkFor("alice@example.com"))));
    auto stored = host.storage().users().get(alice->id);
    BOOST_TEST_REQUIRE(stored.has_value());
    BOOST_TEST(stored->email_verified);
}

BOOST_FIXTURE_TEST_CASE(an_expired_link_is_refused, Fixture) {
    BOOST_TEST_REQUIRE(host.addUser("alice@example.com").has_value());
    const Link early = linkFor("alice@example.com");
    const Link late = linkFor("alice@example.com");
    host.fakeClock().advance(15 * 60 - 1);
    BOOST_TEST(isSuccess(follow(early)));
    host.fakeClock().advance(1);
    const sdk::Verdict v = follow(late);
    BOOST_TEST_REQUIRE(isPage(v));
    BOOST_TEST(v.page.status == 400);
    BOOST_TEST(contains(v.page.body_html, kExpiredOrUsed));
}

BOOST_FIXTURE_TEST_CASE(a_link_opened_in_another_browser_is_left_for_the_right_one, Fixture) {
    const auto alice = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(alice.has_value());
    const Link link = linkFor("alice@example.com");
    // Another browser (or a mail scanner): the host found no pending authorization for it.
    const sdk::Verdict foreign = follow(link, "");
    BOOST_TEST_REQUIRE(isFailure(foreign));
    BOOST_TEST(foreign.pending_id == kPending);  // the host shows its "another browser" page
    BOOST_TEST(foreign.user_id.empty());
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.other_browser"));
    // The browser that asked still can.
    const sdk::Verdict v = follow(link);
    BOOST_TEST_REQUIRE(isSuccess(v));
    BOOST_TEST(v.user_id == alice->id);
}

BOOST_FIXTURE_TEST_CASE(a_link_without_its_req_is_used_up_and_left_to_the_host_binding, Fixture) {
    const auto alice = host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(alice.has_value());
    Link link = linkFor("alice@example.com");
    link.req.clear();  // e.g. cut off by a mail client
    const sdk::Verdict v = follow(link, "");
    BOOST_TEST_REQUIRE(isSuccess(v));
    BOOST_TEST(v.pending_id == kPending);  // the host checks that this browser holds it
    BOOST_TEST(isPage(follow(link, "")));
    // A req naming another pending authorization changes nothing either.
    Link other = linkFor("alice@example.com");
    other.req = "pending-2";
    const sdk::Verdict w = follow(other, "pending-2");
    BOOST_TEST_REQUIRE(isSuccess(w));
    BOOST_TEST(w.pending_id == kPending);
}

BOOST_FIXTURE_TEST_CASE(malformed_tokens_are_refused_without_touching_the_store, Fixture) {
    auth();
    host.memoryStorage().setFailureForTest(sdk::ErrorCode::unavailable);
    for (const std::string& token :
         {std::string(), std::string("abc"), std::string(42, 'A'), std::string(44, 'A'),
          std::string(42, 'A') + "!", std::string(42, 'A') + "="}) {
        auto v = auth().callback(linkStep(token, kPending, kPending));
        BOOST_TEST_REQUIRE(v.has_value(), token);
        BOOST_TEST(isPage(*v));
        BOOST_TEST(v->page.status == 400);
        BOOST_TEST(contains(v->page.body_html, "This sign-in link is incomplete."));
    }
    host.memoryStorage().setFailureForTest(std::nullopt);
    const sdk::Verdict unknown = follow({"", std::string(43, 'A'), kPending});
    BOOST_TEST(isPage(unknown));
    BOOST_TEST(contains(unknown.page.body_html, kExpiredOrUsed));
    // Without a pending authorization in this browser, the page sends the user to the app.
    const sdk::Verdict lost = follow({"", std::string(43, 'A'), ""}, "");
    BOOST_TEST(contains(lost.page.body_html, "Go back to the app"));
}

BOOST_FIXTURE_TEST_CASE(other_paths_are_unsupported, Fixture) {
    sdk::LoginStep s = linkStep(std::string(43, 'A'), kPending, kPending);
    s.sub_path = "callback";
    auto v = auth().callback(s);
    BOOST_TEST_REQUIRE(!v.has_value());
    BOOST_TEST(v.error().code == sdk::ErrorCode::unsupported);
}

BOOST_FIXTURE_TEST_CASE(an_unreadable_record_fails_closed, Fixture) {
    const std::string token(43, 'B');
    sdk::PluginRecord broken;
    broken.ns = kId;
    broken.key = host.crypto().sha256Hex(token);
    broken.value = "{\"pending_id\":";
    BOOST_TEST_REQUIRE(host.storage().pluginData().put(broken).has_value());
    auto v = auth().callback(linkStep(token, kPending, kPending));
    BOOST_TEST_REQUIRE(!v.has_value());
    BOOST_TEST(v.error().code == sdk::ErrorCode::internal);
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.record_invalid"));
}

BOOST_FIXTURE_TEST_CASE(a_link_is_refused_once_the_account_is_gone_or_its_email_changed, Fixture) {
    auto alice = host.addUser("alice@example.com");
    auto bob = host.addUser("bob@example.com");
    BOOST_TEST_REQUIRE(alice.has_value());
    BOOST_TEST_REQUIRE(bob.has_value());
    const Link to_alice = linkFor("alice@example.com");
    const Link to_bob = linkFor("bob@example.com");
    BOOST_TEST_REQUIRE(host.storage().users().remove(alice->id).has_value());
    BOOST_TEST(contains(follow(to_alice).page.body_html, kExpiredOrUsed));
    bob->email = "robert@example.com";
    BOOST_TEST_REQUIRE(host.storage().users().update(*bob).has_value());
    BOOST_TEST(contains(follow(to_bob).page.body_html, kExpiredOrUsed));
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.account_gone"));
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.email_changed"));
}

BOOST_FIXTURE_TEST_CASE(of_concurrent_followers_exactly_one_signs_in, Fixture) {
    BOOST_TEST_REQUIRE(host.addUser("alice@example.com").has_value());
    const Link link = linkFor("alice@example.com");
    sdk::Authenticator& a = auth();
    std::atomic<int> successes{0};
    std::atomic<int> refusals{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            auto v = a.callback(linkStep(link.token, link.req, kPending));
            if (!v) {
                ++errors;
            } else if (isSuccess(*v)) {
                ++successes;
            } else if (isPage(*v) && v->page.status == 400) {
                ++refusals;
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    BOOST_TEST(successes.load() == 1);
    BOOST_TEST(refusals.load() == 7);
    BOOST_TEST(errors.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(create_accounts)

BOOST_FIXTURE_TEST_CASE(an_unknown_address_gets_an_account_with_a_verified_email, Fixture) {
    config.set("create_accounts", "true");
    make();
    const sdk::Verdict asked = request("New.Person@Example.com");
    BOOST_TEST_REQUIRE(isPage(asked));
    BOOST_TEST(contains(asked.page.body_html, "A sign-in link is on its way to "
                                              "<strong>new.person@example.com</strong>."));
    const auto mail = sentMail();
    BOOST_TEST_REQUIRE(mail.size() == 1U);
    BOOST_TEST(mail[0].to == "new.person@example.com");
    BOOST_TEST(!host.storage().users().findByEmail("new.person@example.com").has_value());
    const auto links = linksIn(mail[0].text_body);
    BOOST_TEST_REQUIRE(links.size() == 1U);

    const sdk::Verdict v = follow(links[0]);
    BOOST_TEST_REQUIRE(isSuccess(v));
    auto created = host.storage().users().findByEmail("new.person@example.com");
    BOOST_TEST_REQUIRE(created.has_value());
    BOOST_TEST(v.user_id == created->id);
    BOOST_TEST(created->email_verified);
    BOOST_TEST(created->status == "active");
    BOOST_TEST(created->role == "user");
    BOOST_TEST(std::regex_match(created->id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                                        "[89ab][0-9a-f]{3}-[0-9a-f]{12}")),
               created->id);
    BOOST_TEST(contains(v.audit_detail, "\"account_created\":true"));
    const auto events = audit("user.created");
    BOOST_TEST_REQUIRE(events.size() == 1U);
    BOOST_TEST(events[0].user_id == created->id);
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.account_created"));
}

BOOST_FIXTURE_TEST_CASE(two_first_links_for_one_address_share_one_account, Fixture) {
    config.set("create_accounts", "true");
    make();
    const Link first = linkFor("new@example.com");
    const Link second = linkFor("new@example.com");
    const sdk::Verdict a = follow(first);
    const sdk::Verdict b = follow(second);
    BOOST_TEST_REQUIRE(isSuccess(a));
    BOOST_TEST_REQUIRE(isSuccess(b));
    BOOST_TEST(a.user_id == b.user_id);
    BOOST_TEST(contains(b.audit_detail, "\"account_created\":false"));
}

BOOST_FIXTURE_TEST_CASE(a_new_account_link_is_refused_after_create_accounts_is_turned_off,
                        Fixture) {
    config.set("create_accounts", "true");
    make();
    const Link link = linkFor("new@example.com");
    config.set("create_accounts", "false");
    make();
    BOOST_TEST(contains(follow(link).page.body_html, kExpiredOrUsed));
    BOOST_TEST(!host.storage().users().findByEmail("new@example.com").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(secrets)

BOOST_FIXTURE_TEST_CASE(tokens_never_reach_logs_or_audit, Fixture) {
    config.set("create_accounts", "true");
    make();
    BOOST_TEST_REQUIRE(host.addUser("alice@example.com").has_value());
    std::vector<Link> links;
    links.push_back(linkFor("alice@example.com"));
    links.push_back(linkFor("new@example.com"));
    host.recordingMailer().setFailureForTest(sdk::ErrorCode::unavailable);
    BOOST_TEST(isPage(request("alice@example.com")));
    BOOST_TEST(sentMail().size() == 2U);
    host.recordingMailer().setFailureForTest(std::nullopt);
    for (const Link& link : links) {
        BOOST_TEST(isSuccess(follow(link)));
        BOOST_TEST(isPage(follow(link)));
        BOOST_TEST(isPage(follow(link, "")));
    }
    BOOST_TEST(host.recordingLogger().hasEvent("magic_link.mail_failed"));
    const auto events = audit();
    BOOST_TEST(events.size() >= 4U);
    for (const Link& link : links) {
        BOOST_TEST(!host.recordingLogger().mentions(link.token), link.token);
        for (const sdk::AuditEvent& e : events) {
            BOOST_TEST(!contains(e.detail, link.token));
            BOOST_TEST(!contains(e.type, link.token));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
