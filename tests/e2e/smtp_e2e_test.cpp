// SPDX-License-Identifier: Apache-2.0
// The magic-link sign-in through real SMTP: authd with `mail: {plugin: smtp}` delivers to a
// local aiosmtpd sink (plugins/smtp/tests/smtp_sink.py, AUTH required), the test reads the
// message the sink stored, takes the link out of it (decoding quoted-printable when a part
// uses it) and completes the sign-in with the same cookie jar, down to the tokens.
#define BOOST_TEST_MODULE smtp_e2e_test
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <boost/test/unit_test.hpp>

#include "support/authd_process.hpp"
#include "support/child_process.hpp"
#include "support/web_client.hpp"

using authd::test::AuthdProcess;
using authd::test::HttpResult;
using authd::test::TempDir;
using authd::test::Browser;
using authd::test::ChildProcess;
using authd::test::contains;
using authd::test::formAction;
using authd::test::formBody;
using authd::test::freePort;
using authd::test::hiddenValue;
using authd::test::httpRequest;
using authd::test::jwtClaims;
using authd::test::parseObject;
using authd::test::queryOf;
using authd::test::resolveUrl;
using authd::test::toJson;
using authd::test::unescapeHtml;

namespace {

const std::string kAdminToken = "smtp-e2e-admin-token-0123456789abcdef0123456789abcd";
const std::string kSmtpUser = "authd-mailer";
const std::string kSmtpPassword = "smtp-pa55word-for-the-sink";
const std::string kAppRedirect = "http://127.0.0.1:3000/cb";

// RFC 2045 6.7: "=XX" octets and soft line breaks.
std::string decodeQuotedPrintable(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
        } else if (text.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;
        } else if (i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        }
    }
    return out;
}

// The decoded bodies of every part of a (multipart) message, concatenated, and the headers.
struct Mail {
    std::string headers;
    std::string text;
};

Mail readMail(const std::string& raw) {
    Mail mail;
    const std::size_t end = raw.find("\r\n\r\n");
    BOOST_TEST_REQUIRE(end != std::string::npos);
    mail.headers = raw.substr(0, end + 2);
    // Split at every part header block; each block names its transfer encoding.
    const std::regex part("Content-Transfer-Encoding: ([A-Za-z0-9-]+)\r\n\r\n");
    auto begin = std::sregex_iterator(raw.begin(), raw.end(), part);
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::size_t start = static_cast<std::size_t>(it->position(0) + it->length(0));
        const std::size_t stop = raw.find("\r\n--", start);
        const std::string body =
            raw.substr(start, stop == std::string::npos ? std::string::npos : stop - start);
        mail.text += (*it)[1].str() == "quoted-printable" ? decodeQuotedPrintable(body) : body;
        mail.text += "\n";
    }
    return mail;
}

class Deployment {
  public:
    Deployment() {
        sink_dir_ = dir_.path() / "mail";
        const std::uint16_t smtp_port = freePort();
        sink_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{"/usr/bin/python3", AUTHD_SMTP_SINK, "--port",
                                     std::to_string(smtp_port), "--dir", sink_dir_.string(),
                                     "--user", kSmtpUser, "--password", kSmtpPassword},
            "READY");
        const std::string password_file = dir_.write("smtp.password", kSmtpPassword);
        port_ = freePort();
        const std::string d = dir_.path().string();
        const std::string base = "127.0.0.1:" + std::to_string(port_);
        std::string y;
        y += "server:\n  listen: \"" + base + "\"\n  issuer: \"http://" + base +
             "\"\n  threads: 8\n";
        y += "plugins:\n  paths: [ \"" + authd::test::pluginDir() + "\" ]\n";
        y += "data_dir: \"" + d + "/var\"\n";
        y += "storage:\n  plugin: sqlite\n  config:\n    path: \"" + d + "/var/authd.db\"\n";
        y += "authenticators:\n  - id: email-link\n    plugin: magic_link\n    config: { ttl: 15m "
             "}\n";
        y += "mail:\n  plugin: smtp\n  config:\n";
        y += "    host: 127.0.0.1\n    port: " + std::to_string(smtp_port) + "\n";
        y += "    from: signin@example.com\n    tls: none\n";
        y += "    username: " + kSmtpUser + "\n    password_file: \"" + password_file + "\"\n";
        y += "    auth: plain\n    timeout: 5s\n    retries: 1\n    retry_delay: 0\n";
        y += "password_hashing: { t_cost: 1, m_cost_kib: 8192, parallelism: 1 }\n";
        y += "secrets:\n  master_key_env: \"\"\n  master_key_file: \"" + d + "/var/master.key\"\n";
        y += "  admin_token_env: AUTHD_ADMIN_TOKEN\n  dev_master_key: true\n";
        const std::string path = dir_.write("authd.yaml", y);
        AuthdProcess::Options options;
        options.env["AUTHD_ADMIN_TOKEN"] = kAdminToken;
        process_ = std::make_unique<AuthdProcess>(path, options);
    }

    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
    AuthdProcess& process() { return *process_; }

    Poco::JSON::Object::Ptr adminPost(const std::string& path, const Poco::JSON::Object& body) {
        const HttpResult r =
            httpRequest("POST", base() + "/admin/api/v1" + path, toJson(body), "application/json",
                        {{"Authorization", "Bearer " + kAdminToken}});
        if (r.status != 201) {
            throw std::runtime_error("POST " + path + " -> HTTP " + std::to_string(r.status) +
                                     ": " + r.body);
        }
        return parseObject(r.body);
    }

    // Raw messages the sink stored, oldest first; waits up to 20 s for at least `count`.
    std::vector<std::string> messages(std::size_t count) {
        for (int i = 0; i < 1000; ++i) {
            std::vector<std::filesystem::path> names;
            std::error_code ec;
            for (const auto& entry : std::filesystem::directory_iterator(sink_dir_, ec)) {
                if (entry.path().extension() == ".eml") {
                    names.push_back(entry.path());
                }
            }
            if (names.size() >= count) {
                std::sort(names.begin(), names.end());
                std::vector<std::string> out;
                for (const auto& name : names) {
                    std::ifstream in(name, std::ios::binary);
                    std::ostringstream text;
                    text << in.rdbuf();
                    out.push_back(text.str());
                }
                return out;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        BOOST_FAIL("the SMTP sink received fewer than " << count << " messages in 20 seconds");
        return {};
    }

  private:
    TempDir dir_;
    std::filesystem::path sink_dir_;
    std::unique_ptr<ChildProcess> sink_;
    std::uint16_t port_ = 0;
    std::unique_ptr<AuthdProcess> process_;
};

Deployment& deployment() {
    static Deployment instance;
    return instance;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_magic_link_mailed_over_smtp_completes_the_sign_in) {
    Deployment& d = deployment();
    Poco::JSON::Object project_body;
    project_body.set("name", "Mail app");
    Poco::JSON::Array uris;
    uris.add(kAppRedirect);
    project_body.set("redirect_uris", uris);
    project_body.set("client_type", "confidential");
    const auto project = d.adminPost("/projects", project_body);
    const std::string client_id = project->getValue<std::string>("client_id");
    const std::string client_secret = project->getValue<std::string>("client_secret");
    Poco::JSON::Object user_body;
    user_body.set("email", "mail-user@example.com");
    user_body.set("name", "Mail User");
    user_body.set("role", "user");
    user_body.set("status", "active");
    const std::string user_id = d.adminPost("/users", user_body)->getValue<std::string>("id");

    Browser browser;
    const HttpResult start = browser.get(d.base() + "/oauth/authorize?" +
                                         formBody({{"client_id", client_id},
                                                   {"redirect_uri", kAppRedirect},
                                                   {"response_type", "code"},
                                                   {"scope", "openid email"},
                                                   {"state", "mail-state"}}));
    BOOST_TEST_REQUIRE(Browser::isRedirect(start.status), start.body);
    const HttpResult form = browser.follow(start, d.base());
    BOOST_TEST_REQUIRE(form.status == 200, form.body);
    BOOST_TEST_REQUIRE(contains(form.body, "name=\"email\""), form.body);
    const HttpResult asked = browser.postForm(d.base() + formAction(form.body),
                                              {{"csrf_token", hiddenValue(form.body, "csrf_token")},
                                               {"req", hiddenValue(form.body, "req")},
                                               {"email", "mail-user@example.com"}});
    BOOST_TEST_REQUIRE(asked.status == 200, asked.body);
    BOOST_TEST(contains(asked.body, "Check your email"));

    const std::vector<std::string> received = d.messages(1);
    BOOST_TEST_REQUIRE(received.size() == 1U);
    const Mail mail = readMail(received[0]);
    BOOST_TEST(contains(mail.headers, "From: signin@example.com\r\n"));
    BOOST_TEST(contains(mail.headers, "To: mail-user@example.com\r\n"));
    BOOST_TEST(contains(mail.headers, "multipart/alternative"));
    const std::regex pattern(
        d.base() +
        R"(/login/email-link/verify\?token=[A-Za-z0-9_-]{43}&(amp;)?req=[A-Za-z0-9._~%-]+)");
    std::smatch match;
    BOOST_TEST_REQUIRE(std::regex_search(mail.text, match, pattern), mail.text);
    const std::string link = unescapeHtml(match[0].str());
    // The HTML part carries the same link (HTML-escaped).
    std::string html_links;
    for (auto it = std::sregex_iterator(mail.text.begin(), mail.text.end(), pattern);
         it != std::sregex_iterator(); ++it) {
        BOOST_TEST(unescapeHtml(it->str()) == link);
        html_links += "x";
    }
    BOOST_TEST(html_links.size() >= 2U);

    HttpResult r = browser.get(link);
    BOOST_TEST_REQUIRE(Browser::isRedirect(r.status), r.status << ": " << r.body);
    std::string location = resolveUrl(link, r.header("Location"));
    if (location.rfind(d.base() + "/oauth/consent", 0) == 0) {
        const HttpResult consent = browser.get(location);
        r = browser.postForm(resolveUrl(location, formAction(consent.body)),
                             {{"csrf_token", hiddenValue(consent.body, "csrf_token")},
                              {"req", hiddenValue(consent.body, "req")},
                              {"decision", "allow"}});
        location = r.header("Location");
    }
    BOOST_TEST_REQUIRE(location.rfind(kAppRedirect + "?", 0) == 0, location);
    const auto query = queryOf(location);
    BOOST_TEST(query.at("state") == "mail-state");
    const HttpResult tokens = httpRequest("POST", d.base() + "/oauth/token",
                                          formBody({{"grant_type", "authorization_code"},
                                                    {"code", query.at("code")},
                                                    {"redirect_uri", kAppRedirect},
                                                    {"client_id", client_id},
                                                    {"client_secret", client_secret}}),
                                          "application/x-www-form-urlencoded");
    BOOST_TEST_REQUIRE(tokens.status == 200, tokens.body);
    const auto claims = jwtClaims(parseObject(tokens.body)->getValue<std::string>("id_token"));
    BOOST_TEST(claims->getValue<std::string>("sub") == user_id);

    // The mailer logged the delivery, and never the SMTP password.
    BOOST_TEST(d.process().waitForOutput("smtp.sent"));
    BOOST_TEST(!contains(d.process().output(), kSmtpPassword));
    BOOST_TEST(!contains(d.process().errors(), kSmtpPassword));
}
