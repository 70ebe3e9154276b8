// SPDX-License-Identifier: Apache-2.0
// The oidc_federation authenticator, loaded from the real .so, against the fake host. The
// fake host's HTTP client plays the upstream provider: discovery, a JWKS of RSA and EC keys
// made here with OpenSSL, a token endpoint that checks PKCE and client authentication and
// answers with ID tokens signed here (RS256, ES256, HS256, or deliberately wrong).
#define BOOST_TEST_MODULE oidc_federation_plugin
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <boost/dll/import.hpp>
#include <boost/test/unit_test.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "authd/sdk/abi.hpp"

#include "support/fake_config.hpp"
#include "support/fake_host.hpp"

namespace authd::sdk {
static std::ostream& operator<<(std::ostream& out, ErrorCode code) {
    return out << errorCodeName(code);
}
static std::ostream& operator<<(std::ostream& out, PluginKind kind) {
    return out << pluginKindName(kind);
}
static std::ostream& operator<<(std::ostream& out, Verdict::Kind kind) {
    return out << "Verdict::Kind(" << static_cast<int>(kind) << ")";
}
}  // namespace authd::sdk

namespace sdk = authd::sdk;
using authd::test::FakeConfigNode;
using authd::test::FakeHost;

namespace {

const std::string kIssuer = "https://id.example.com";
const std::string kClientId = "authd-downstream";
const std::string kSecret = "upstream-client-secret-0123456789abcdef-xyz";
const std::string kInstance = "upstream";
const std::string kCallback = "http://127.0.0.1:8080/login/upstream/callback";
const std::string kTokenEndpoint = "https://id.example.com/oauth2/token";
const std::string kJwksUri = "https://id.example.com/oauth2/jwks";
const std::string kUserinfo = "https://id.example.com/oauth2/userinfo";
const std::string kAccessToken = "upstream-access-token-abcdef";

const sdk::PluginManifest& manifest() {
    static const std::function<sdk::ManifestFunction> entry =
        boost::dll::import_alias<sdk::ManifestFunction>(AUTHD_OIDC_FEDERATION_PLUGIN_PATH,
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

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// --- encodings and signatures made here, independently of the plugin -------------------------

std::string b64url(const std::string& bytes) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char ch : bytes) {
        buffer = (buffer << 8U) | static_cast<unsigned char>(ch);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(buffer >> static_cast<unsigned>(bits)) & 63U];
        }
    }
    if (bits > 0) {
        out += kAlphabet[(buffer << static_cast<unsigned>(6 - bits)) & 63U];
    }
    return out;
}

std::string sha256(const std::string& data) {
    unsigned char digest[32];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string toJson(const Poco::JSON::Object& object) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(object, out);
    return out.str();
}

std::string percentDecode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i] == '+' ? ' ' : text[i];
        }
    }
    return out;
}

std::map<std::string, std::string> parseForm(const std::string& text) {
    std::map<std::string, std::string> out;
    std::stringstream in(text);
    std::string pair;
    while (std::getline(in, pair, '&')) {
        const auto eq = pair.find('=');
        out[percentDecode(pair.substr(0, eq))] =
            eq == std::string::npos ? std::string() : percentDecode(pair.substr(eq + 1));
    }
    return out;
}

std::map<std::string, std::string> queryOf(const std::string& url) {
    const auto q = url.find('?');
    return q == std::string::npos ? std::map<std::string, std::string>{}
                                  : parseForm(url.substr(q + 1));
}

struct Key {
    std::shared_ptr<EVP_PKEY> pkey;
    std::string kid;
    std::string alg;  // RS256 | ES256
};

Key makeKey(const std::string& alg, const std::string& kid) {
    EVP_PKEY* raw = alg == "RS256"
                        ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    BOOST_TEST_REQUIRE(raw != nullptr);
    return {std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free), kid, alg};
}

std::string bnBytes(EVP_PKEY* pkey, const char* name, int pad) {
    BIGNUM* bn = nullptr;
    BOOST_TEST_REQUIRE(EVP_PKEY_get_bn_param(pkey, name, &bn) == 1);
    const int size = pad > 0 ? pad : BN_num_bytes(bn);
    std::string out(static_cast<std::size_t>(size), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size);
    BN_free(bn);
    return out;
}

Poco::JSON::Object::Ptr publicJwk(const Key& key) {
    Poco::JSON::Object::Ptr jwk = new Poco::JSON::Object;
    jwk->set("kid", key.kid);
    jwk->set("use", "sig");
    jwk->set("alg", key.alg);
    if (key.alg == "RS256") {
        jwk->set("kty", "RSA");
        jwk->set("n", b64url(bnBytes(key.pkey.get(), OSSL_PKEY_PARAM_RSA_N, 0)));
        jwk->set("e", b64url(bnBytes(key.pkey.get(), OSSL_PKEY_PARAM_RSA_E, 0)));
    } else {
        jwk->set("kty", "EC");
        jwk->set("crv", "P-256");
        jwk->set("x", b64url(bnBytes(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)));
        jwk->set("y", b64url(bnBytes(key.pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)));
    }
    return jwk;
}

std::string signWith(const Key& key, const std::string& input) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t length = 0;
    BOOST_TEST_REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey.get()) ==
                       1);
    EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(length, '\0');
    BOOST_TEST_REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &length,
                                      reinterpret_cast<const unsigned char*>(input.data()),
                                      input.size()) == 1);
    EVP_MD_CTX_free(ctx);
    sig.resize(length);
    if (key.alg == "ES256") {  // DER to R||S
        const auto* cursor = reinterpret_cast<const unsigned char*>(sig.data());
        ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(sig.size()));
        const BIGNUM* r = nullptr;
        const BIGNUM* s = nullptr;
        ECDSA_SIG_get0(parsed, &r, &s);
        std::string raw(64, '\0');
        BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
        BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
        ECDSA_SIG_free(parsed);
        return raw;
    }
    return sig;
}

std::string hmac(const std::string& secret, const std::string& input) {
    unsigned char mac[32];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
    return std::string(reinterpret_cast<const char*>(mac), length);
}

const Key& rsaKey() {
    static const Key key = makeKey("RS256", "rsa-1");
    return key;
}
const Key& rsaKey2() {
    static const Key key = makeKey("RS256", "rsa-2");
    return key;
}
const Key& ecKey() {
    static const Key key = makeKey("ES256", "ec-1");
    return key;
}

// How the fake upstream signs the next ID token.
struct Signing {
    std::string alg = "RS256";  // RS256 | ES256 | HS256 | none
    const Key* key = &rsaKey();
    std::string hmac_secret = kSecret;
    std::string header_kid;       // default: the key's kid ("-" for none)
    bool tamper_payload = false;  // flip a claim after signing
};

// The upstream provider, answering through the fake HTTP client.
class Upstream {
  public:
    std::string issuer = kIssuer;  // in discovery
    std::vector<const Key*> published = {&rsaKey(), &ecKey()};
    Signing signing;
    std::function<void(Poco::JSON::Object&)> tweak;  // edits the next ID token's claims
    std::function<void(Poco::JSON::Object&)> tweak_userinfo;
    int token_status = 200;
    std::string token_error;
    bool include_email = true;
    std::string subject = "upstream-user-1";
    std::string email = "Alice@Example.COM";
    bool email_verified = true;
    sdk::UnixTime now = 0;
    // What the authorization request carried (set by the test from the redirect).
    std::map<std::string, std::string> authorization;
    std::vector<std::map<std::string, std::string>> token_requests;
    std::vector<std::string> token_authorization_headers;

    sdk::Result<sdk::HttpResponse> handle(const sdk::HttpRequest& request) {
        sdk::HttpResponse response;
        response.status = 200;
        if (request.url == kIssuer + "/.well-known/openid-configuration") {
            Poco::JSON::Object doc;
            doc.set("issuer", issuer);
            doc.set("authorization_endpoint", kIssuer + "/oauth2/authorize?tenant=acme");
            doc.set("token_endpoint", kTokenEndpoint);
            doc.set("jwks_uri", kJwksUri);
            doc.set("userinfo_endpoint", kUserinfo);
            response.body = toJson(doc);
        } else if (request.url == kJwksUri) {
            Poco::JSON::Array keys;
            for (const Key* key : published) {
                keys.add(publicJwk(*key));
            }
            Poco::JSON::Object doc;
            doc.set("keys", keys);
            response.body = toJson(doc);
        } else if (request.url == kTokenEndpoint && request.method == "POST") {
            const auto form = parseForm(request.body);
            token_requests.push_back(form);
            std::string basic;
            for (const auto& [name, value] : request.headers) {
                if (name == "Authorization") {
                    basic = value;
                }
            }
            token_authorization_headers.push_back(basic);
            // PKCE: the verifier must hash to the challenge sent to the authorization endpoint.
            const bool pkce_ok =
                form.count("code_verifier") != 0U &&
                b64url(sha256(form.at("code_verifier"))) == authorization_value("code_challenge");
            if (token_status != 200 || !pkce_ok || form.at("code") != "good-code") {
                response.status = token_status != 200 ? token_status : 400;
                response.body =
                    "{\"error\":\"" + (token_error.empty() ? "invalid_grant" : token_error) + "\"}";
                return response;
            }
            Poco::JSON::Object body;
            body.set("access_token", kAccessToken);
            body.set("token_type", "Bearer");
            body.set("expires_in", 300);
            body.set("id_token", idToken());
            response.body = toJson(body);
        } else if (request.url == kUserinfo) {
            Poco::JSON::Object info;
            info.set("sub", subject);
            info.set("email", "userinfo-" + email);
            info.set("email_verified", email_verified);
            info.set("name", "From Userinfo");
            if (tweak_userinfo) {
                tweak_userinfo(info);
            }
            response.body = toJson(info);
        } else {
            response.status = 404;
            response.body = "{}";
        }
        return response;
    }

    std::string authorization_value(const std::string& name) const {
        const auto it = authorization.find(name);
        return it == authorization.end() ? std::string() : it->second;
    }

    Poco::JSON::Object claims() const {
        Poco::JSON::Object c;
        c.set("iss", kIssuer);
        c.set("sub", subject);
        c.set("aud", kClientId);
        c.set("exp", static_cast<Poco::Int64>(now + 300));
        c.set("iat", static_cast<Poco::Int64>(now));
        c.set("nonce", authorization_value("nonce"));
        if (include_email) {
            c.set("email", email);
            c.set("email_verified", email_verified);
            c.set("name", "Alice Upstream");
            c.set("picture", "https://id.example.com/alice.png");
        }
        c.set("amr", Poco::JSON::Array());
        const std::string digest = sha256(kAccessToken);
        c.set("at_hash", b64url(digest.substr(0, 16)));
        return c;
    }

    std::string idToken() const {
        Poco::JSON::Object c = claims();
        if (tweak) {
            tweak(c);
        }
        Poco::JSON::Object header;
        header.set("alg", signing.alg);
        header.set("typ", "JWT");
        const std::string kid = !signing.header_kid.empty() ? signing.header_kid
                                : signing.key != nullptr    ? signing.key->kid
                                                            : "";
        if (kid != "-" && signing.alg != "HS256" && signing.alg != "none") {
            header.set("kid", kid);
        }
        const std::string input = b64url(toJson(header)) + "." + b64url(toJson(c));
        std::string signature;
        if (signing.alg == "HS256") {
            signature = hmac(signing.hmac_secret, input);
        } else if (signing.alg != "none") {
            signature = signWith(*signing.key, input);
        }
        std::string token = input + "." + b64url(signature);
        if (signing.tamper_payload) {
            Poco::JSON::Object forged = c;
            forged.set("sub", "someone-else");
            token = b64url(toJson(header)) + "." + b64url(toJson(forged)) + "." + b64url(signature);
        }
        return token;
    }
};

struct Fixture {
    FakeHost host;
    FakeConfigNode config{schemaKeys(), "authenticators[1].config"};
    Upstream upstream;
    sdk::AuthenticatorPtr authenticator;

    Fixture() {
        config.set("issuer", kIssuer);
        config.set("client_id", kClientId);
        config.setSecret("client_secret", kSecret);
        host.fakeHttp().setHandler(
            [this](const sdk::HttpRequest& request) { return upstream.handle(request); });
        upstream.now = host.clock().now();
    }

    sdk::Result<sdk::AuthenticatorPtr> tryMake() {
        sdk::InstanceSpec spec{kInstance, &config};
        return manifest().make_authenticator(spec, host);
    }

    sdk::Authenticator& auth() {
        if (!authenticator) {
            const auto problems = config.validate();
            BOOST_TEST_REQUIRE(problems.empty(), (problems.empty() ? "" : problems.front()));
            auto made = tryMake();
            BOOST_TEST_REQUIRE(made.has_value(), (made ? "" : made.error().message));
            authenticator = std::move(made).value();
        }
        return *authenticator;
    }

    static sdk::LoginStep step(const std::string& pending = "pending-1") {
        sdk::LoginStep s;
        s.instance_id = kInstance;
        s.pending_id = pending;
        s.action_url = "/login/" + kInstance;
        s.hidden_fields_html = "<input type=\"hidden\" name=\"csrf_token\" value=\"tok\">";
        s.client_id = "proj_demo";
        s.project_name = "Demo";
        s.request.method = "POST";
        s.request.path = "/login/" + kInstance;
        s.request.client_address = "192.0.2.7";
        return s;
    }

    // POST the button; the upstream remembers the authorization request. Returns the redirect.
    sdk::Verdict start(const std::string& pending = "pending-1") {
        auto verdict = auth().submit(step(pending), sdk::Fields());
        BOOST_TEST_REQUIRE(verdict.has_value(), (verdict ? "" : verdict.error().message));
        BOOST_TEST_REQUIRE(verdict->kind == sdk::Verdict::Kind::redirect, verdict->message);
        upstream.authorization = queryOf(verdict->redirect_url);
        return *verdict;
    }

    sdk::Verdict callback(const std::vector<std::pair<std::string, std::string>>& query) {
        sdk::LoginStep s;
        s.instance_id = kInstance;
        s.action_url = "/login/" + kInstance;
        s.sub_path = "callback";
        s.request.method = "GET";
        s.request.path = "/login/" + kInstance + "/callback";
        s.request.client_address = "192.0.2.7";
        s.request.query = sdk::Fields(query);
        auto verdict = auth().callback(s);
        BOOST_TEST_REQUIRE(verdict.has_value(), (verdict ? "" : verdict.error().message));
        return *verdict;
    }

    // The whole round trip: button, upstream redirect back with a good code.
    sdk::Verdict signIn(const std::string& pending = "pending-1") {
        start(pending);
        return callback({{"code", "good-code"}, {"state", upstream.authorization_value("state")}});
    }

    std::size_t requestsTo(const std::string& url) {
        const auto all = host.fakeHttp().requests();
        return static_cast<std::size_t>(std::count_if(
            all.begin(), all.end(), [&](const sdk::HttpRequest& r) { return r.url == url; }));
    }

    std::vector<sdk::User> users() {
        sdk::UserQuery query;
        query.limit = 100;
        auto listed = host.storage().users().list(query);
        BOOST_TEST_REQUIRE(listed.has_value());
        return listed->items;
    }

    // Expects a refusal that sends the user back to the button (pending kept).
    void expectRefused(const sdk::Verdict& verdict,
                       const std::string& text = "could not be verified") {
        BOOST_TEST(verdict.kind == sdk::Verdict::Kind::failure);
        BOOST_TEST(verdict.pending_id == "pending-1");
        BOOST_TEST(contains(verdict.message, text), verdict.message);
        BOOST_TEST(verdict.user_id.empty());
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_and_config)

BOOST_AUTO_TEST_CASE(manifest_declares_the_authenticator_and_its_keys) {
    const auto& m = manifest();
    BOOST_TEST(std::string(m.name) == "oidc_federation");
    BOOST_TEST(m.kind == sdk::PluginKind::authenticator);
    BOOST_TEST(m.make_authenticator != nullptr);
    std::map<std::string, sdk::ConfigKey> keys;
    for (const auto& key : schemaKeys()) {
        keys[key.name] = key;
    }
    BOOST_TEST(keys.at("issuer").required);
    BOOST_TEST(keys.at("client_id").required);
    BOOST_TEST((keys.at("client_secret").type == sdk::ConfigType::secret));
    BOOST_TEST(keys.at("scopes").default_value == "[openid, email, profile]");
    BOOST_TEST(keys.at("link_by_email").default_value == "false");
    BOOST_TEST(keys.at("create_accounts").default_value == "true");
    BOOST_TEST(keys.at("jwks_cache").default_value == "10m");
    BOOST_TEST(keys.at("client_auth").default_value == "client_secret_basic");
    BOOST_TEST(keys.at("timeout").default_value == "10s");
}

BOOST_AUTO_TEST_CASE(plain_http_issuers_are_refused_except_on_loopback) {
    Fixture f;
    f.config.set("issuer", "http://id.example.com");
    auto made = f.tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(made.error().message, "authenticators[1].config.issuer"));
    f.config.set("issuer", "http://127.0.0.1:9000");
    BOOST_TEST(f.tryMake().has_value());
    f.config.set("issuer", "not a url");
    BOOST_TEST(!f.tryMake().has_value());
}

BOOST_AUTO_TEST_CASE(scopes_must_include_openid_and_a_secret_is_needed_unless_public) {
    Fixture f;
    f.config.setList("scopes", {"email", "profile"});
    auto no_openid = f.tryMake();
    BOOST_TEST_REQUIRE(!no_openid.has_value());
    BOOST_TEST(contains(no_openid.error().message, "must include openid"));

    Fixture g;
    g.config.setSecret("client_secret", "");
    auto no_secret = g.tryMake();
    BOOST_TEST_REQUIRE(!no_secret.has_value());
    BOOST_TEST(contains(no_secret.error().message, "client_secret"));
    g.config.set("client_auth", "none");
    BOOST_TEST(g.tryMake().has_value());
    g.config.set("client_auth", "private_key_jwt");
    BOOST_TEST(!g.tryMake().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(button)

BOOST_AUTO_TEST_CASE(render_shows_one_button_posting_the_hidden_fields) {
    Fixture f;
    BOOST_TEST(f.auth().displayName() == "Sign in with id.example.com");
    sdk::LoginStep s = Fixture::step();
    s.error = "<b>nope</b>";
    auto page = f.auth().render(s);
    BOOST_TEST_REQUIRE(page.has_value());
    BOOST_TEST(contains(
        page->body_html,
        "<form class=\"login-form federation\" method=\"post\" action=\"/login/upstream\">"));
    BOOST_TEST(contains(page->body_html, s.hidden_fields_html));
    BOOST_TEST(contains(page->body_html, ">Sign in with id.example.com</button>"));
    BOOST_TEST(contains(page->body_html, "&lt;b&gt;nope&lt;/b&gt;"));
    BOOST_TEST(!contains(page->body_html, "<b>"));
}

BOOST_AUTO_TEST_CASE(a_configured_label_is_the_button_and_is_escaped) {
    Fixture f;
    f.config.set("label", "Sign in with <Acme>");
    auto page = f.auth().render(Fixture::step());
    BOOST_TEST_REQUIRE(page.has_value());
    BOOST_TEST(contains(page->body_html, ">Sign in with &lt;Acme&gt;</button>"));
    BOOST_TEST(f.auth().displayName() == "Sign in with <Acme>");
}

BOOST_AUTO_TEST_CASE(submit_redirects_to_the_upstream_with_state_nonce_and_s256_pkce) {
    Fixture f;
    const sdk::Verdict verdict = f.start();
    BOOST_TEST(verdict.redirect_url.rfind(kIssuer + "/oauth2/authorize?tenant=acme&", 0) == 0U,
               verdict.redirect_url);
    const auto& q = f.upstream.authorization;
    BOOST_TEST(q.at("response_type") == "code");
    BOOST_TEST(q.at("client_id") == kClientId);
    BOOST_TEST(q.at("redirect_uri") == kCallback);
    BOOST_TEST(q.at("scope") == "openid email profile");
    BOOST_TEST(q.at("code_challenge_method") == "S256");
    BOOST_TEST(q.at("code_challenge").size() == 43U);
    BOOST_TEST(q.at("state").size() >= 43U);
    BOOST_TEST(q.at("nonce").size() >= 43U);
    BOOST_TEST(q.at("state") != q.at("nonce"));
    // The state is stored only hashed, single use, for ten minutes.
    auto& data = f.host.storage().pluginData();
    BOOST_TEST(!data.get(kInstance, q.at("state"), f.host.clock().now()).has_value());
    auto record =
        data.get(kInstance, f.host.crypto().sha256Hex(q.at("state")), f.host.clock().now());
    BOOST_TEST_REQUIRE(record.has_value());
    BOOST_TEST(record->expires_at == f.host.clock().now() + 600);
    BOOST_TEST(contains(record->value, "\"pending_id\":\"pending-1\""));
    BOOST_TEST(!contains(record->value, q.at("state")));
    // A second start draws fresh values.
    const auto first = q;
    f.start();
    BOOST_TEST(f.upstream.authorization.at("state") != first.at("state"));
    BOOST_TEST(f.upstream.authorization.at("code_challenge") != first.at("code_challenge"));
}

BOOST_AUTO_TEST_CASE(discovery_is_cached_and_refetched_after_the_cache_time) {
    Fixture f;
    f.start();
    f.start();
    BOOST_TEST(f.requestsTo(kIssuer + "/.well-known/openid-configuration") == 1U);
    f.host.fakeClock().advance(601);
    f.start();
    BOOST_TEST(f.requestsTo(kIssuer + "/.well-known/openid-configuration") == 2U);
}

BOOST_AUTO_TEST_CASE(a_discovery_document_for_another_issuer_is_refused) {
    Fixture f;
    f.upstream.issuer = "https://evil.example.net";
    auto verdict = f.auth().submit(Fixture::step(), sdk::Fields());
    BOOST_TEST_REQUIRE(verdict.has_value());
    BOOST_TEST(verdict->kind == sdk::Verdict::Kind::failure);
    BOOST_TEST(contains(verdict->message, "cannot be reached"));
    BOOST_TEST(f.host.recordingLogger().hasEvent("oidc_federation.discovery_failed"));
}

BOOST_AUTO_TEST_CASE(an_unreachable_upstream_is_a_failure_not_a_crash) {
    Fixture f;
    f.host.fakeHttp().setHandler(nullptr);
    auto verdict = f.auth().submit(Fixture::step(), sdk::Fields());
    BOOST_TEST_REQUIRE(verdict.has_value());
    BOOST_TEST(verdict->kind == sdk::Verdict::Kind::failure);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(id_token)

BOOST_AUTO_TEST_CASE(rs256_sign_in_creates_an_account_and_links_it) {
    Fixture f;
    const sdk::Verdict verdict = f.signIn();
    BOOST_TEST_REQUIRE(verdict.kind == sdk::Verdict::Kind::success, verdict.message);
    BOOST_TEST(verdict.pending_id == "pending-1");
    BOOST_TEST((verdict.amr == std::vector<std::string>{"fed"}));
    BOOST_TEST(std::regex_match(
        verdict.user_id,
        std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
    auto user = f.host.storage().users().get(verdict.user_id);
    BOOST_TEST_REQUIRE(user.has_value());
    BOOST_TEST(user->email == "alice@example.com");
    BOOST_TEST(user->email_verified);
    BOOST_TEST(user->name == "Alice Upstream");
    BOOST_TEST(user->picture == "https://id.example.com/alice.png");
    BOOST_TEST(user->status == "active");
    auto credential =
        f.host.storage().credentials().findBySubject(kInstance, kIssuer + "|upstream-user-1");
    BOOST_TEST_REQUIRE(credential.has_value());
    BOOST_TEST(credential->user_id == verdict.user_id);
    // The token request: code, verifier, redirect URI, Basic client authentication.
    BOOST_TEST_REQUIRE(f.upstream.token_requests.size() == 1U);
    const auto& form = f.upstream.token_requests[0];
    BOOST_TEST(form.at("grant_type") == "authorization_code");
    BOOST_TEST(form.at("redirect_uri") == kCallback);
    BOOST_TEST(form.count("client_secret") == 0U);
    BOOST_TEST(f.upstream.token_authorization_headers[0].rfind("Basic ", 0) == 0U);
    BOOST_TEST(contains(verdict.audit_detail, "\"linked_by\":\"created\""));
}

BOOST_AUTO_TEST_CASE(es256_sign_in_is_accepted) {
    Fixture f;
    f.upstream.signing.alg = "ES256";
    f.upstream.signing.key = &ecKey();
    const sdk::Verdict verdict = f.signIn();
    BOOST_TEST(verdict.kind == sdk::Verdict::Kind::success, verdict.message);
}

BOOST_AUTO_TEST_CASE(hs256_keyed_with_the_client_secret_is_accepted) {
    Fixture f;
    f.upstream.signing.alg = "HS256";
    const sdk::Verdict verdict = f.signIn();
    BOOST_TEST(verdict.kind == sdk::Verdict::Kind::success, verdict.message);
}

BOOST_AUTO_TEST_CASE(hs256_with_another_secret_is_refused) {
    Fixture f;
    f.upstream.signing.alg = "HS256";
    f.upstream.signing.hmac_secret = "another-secret-of-sufficient-length-0123456789";
    f.expectRefused(f.signIn());
    BOOST_TEST(f.users().empty());
}

BOOST_AUTO_TEST_CASE(a_tampered_id_token_is_refused) {
    Fixture f;
    f.upstream.signing.tamper_payload = true;
    f.expectRefused(f.signIn());
    BOOST_TEST(f.users().empty());
    BOOST_TEST(f.host.recordingLogger().hasEvent("oidc_federation.id_token_rejected"));
    sdk::AuditQuery query;
    query.type = "signin.failure";
    auto events = f.host.storage().audit().list(query);
    BOOST_TEST_REQUIRE(events.has_value());
    BOOST_TEST(events->items.size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_wrong_nonce_is_refused) {
    Fixture f;
    f.upstream.tweak = [](Poco::JSON::Object& c) { c.set("nonce", "replayed-nonce"); };
    f.expectRefused(f.signIn());
    f.upstream.tweak = [](Poco::JSON::Object& c) { c.remove("nonce"); };
    f.expectRefused(f.signIn());
    BOOST_TEST(f.users().empty());
}

BOOST_AUTO_TEST_CASE(a_wrong_issuer_or_audience_is_refused) {
    Fixture f;
    f.upstream.tweak = [](Poco::JSON::Object& c) { c.set("iss", "https://id.example.com/"); };
    f.expectRefused(f.signIn());
    f.upstream.tweak = [](Poco::JSON::Object& c) { c.set("aud", "someone-else"); };
    f.expectRefused(f.signIn());
    f.upstream.tweak = [](Poco::JSON::Object& c) {
        Poco::JSON::Array aud;
        aud.add(kClientId);
        aud.add("other-client");
        c.set("aud", aud);
    };
    f.expectRefused(f.signIn());  // several audiences and no azp
    f.upstream.tweak = [](Poco::JSON::Object& c) {
        Poco::JSON::Array aud;
        aud.add(kClientId);
        aud.add("other-client");
        c.set("aud", aud);
        c.set("azp", "other-client");
    };
    f.expectRefused(f.signIn());
    f.upstream.tweak = [](Poco::JSON::Object& c) {
        Poco::JSON::Array aud;
        aud.add("other-client");
        aud.add(kClientId);
        c.set("aud", aud);
        c.set("azp", kClientId);
    };
    BOOST_TEST(f.signIn().kind == sdk::Verdict::Kind::success);
}

BOOST_AUTO_TEST_CASE(expired_future_and_stale_tokens_are_refused) {
    Fixture f;
    const sdk::UnixTime now = f.host.clock().now();
    f.upstream.tweak = [now](Poco::JSON::Object& c) {
        c.set("exp", static_cast<Poco::Int64>(now - 61));
    };
    f.expectRefused(f.signIn());
    f.upstream.tweak = [now](Poco::JSON::Object& c) {
        c.set("iat", static_cast<Poco::Int64>(now + 120));
    };
    f.expectRefused(f.signIn());
    f.upstream.tweak = [now](Poco::JSON::Object& c) {
        c.set("iat", static_cast<Poco::Int64>(now - 7200));
    };
    f.expectRefused(f.signIn());
    f.upstream.tweak = [now](Poco::JSON::Object& c) {
        c.set("nbf", static_cast<Poco::Int64>(now + 3600));
    };
    f.expectRefused(f.signIn());
    f.upstream.tweak = [](Poco::JSON::Object& c) { c.set("exp", "tomorrow"); };
    f.expectRefused(f.signIn());
    // Within the leeway, and a fractional NumericDate, are fine.
    f.upstream.tweak = [now](Poco::JSON::Object& c) {
        c.set("exp", static_cast<Poco::Int64>(now - 30));
        c.set("iat", static_cast<double>(now) + 0.25);
    };
    BOOST_TEST(f.signIn().kind == sdk::Verdict::Kind::success);
}

BOOST_AUTO_TEST_CASE(alg_none_and_algorithm_confusion_are_refused) {
    Fixture f;
    f.upstream.signing.alg = "none";
    f.expectRefused(f.signIn());
    // HS256 "signed" with the RSA public key's JWK text: the plugin keys HS256 only with the
    // client secret, never with a published key.
    f.upstream.signing.alg = "HS256";
    f.upstream.signing.hmac_secret = toJson(*publicJwk(rsaKey()));
    f.expectRefused(f.signIn());
    // An ES256 header naming an RSA key: the key type must fit the alg.
    f.upstream.signing = Signing();
    f.upstream.signing.alg = "ES256";
    f.upstream.signing.key = &ecKey();
    f.upstream.signing.header_kid = "rsa-1";
    f.expectRefused(f.signIn());
    // The same upstream with a correct token still works.
    f.upstream.signing = Signing();
    f.upstream.tweak = nullptr;
    BOOST_TEST(f.signIn().kind == sdk::Verdict::Kind::success);
    BOOST_TEST(f.users().size() == 1U);
}

BOOST_AUTO_TEST_CASE(an_unknown_kid_refetches_the_jwks_once_for_key_rollover) {
    Fixture f;
    BOOST_TEST_REQUIRE(f.signIn().kind == sdk::Verdict::Kind::success);
    BOOST_TEST(f.requestsTo(kJwksUri) == 1U);
    // The upstream rotates: rsa-2 replaces rsa-1 while the plugin still has the old JWKS.
    f.upstream.published = {&rsaKey2(), &ecKey()};
    f.upstream.signing.key = &rsaKey2();
    BOOST_TEST_REQUIRE(f.signIn().kind == sdk::Verdict::Kind::success);
    BOOST_TEST(f.requestsTo(kJwksUri) == 2U);
    // Cached again: no fetch for a known kid.
    BOOST_TEST_REQUIRE(f.signIn().kind == sdk::Verdict::Kind::success);
    BOOST_TEST(f.requestsTo(kJwksUri) == 2U);
    // A kid the upstream does not publish even after a refetch: refused, one refetch only.
    f.upstream.signing.key = &rsaKey();
    f.expectRefused(f.signIn());
    BOOST_TEST(f.requestsTo(kJwksUri) == 3U);
    BOOST_TEST(f.host.recordingLogger().hasEvent("oidc_federation.jwks_refresh"));
}

BOOST_AUTO_TEST_CASE(a_wrong_at_hash_is_refused) {
    Fixture f;
    f.upstream.tweak = [](Poco::JSON::Object& c) { c.set("at_hash", "AAAAAAAAAAAAAAAAAAAAAA"); };
    f.expectRefused(f.signIn());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(callback)

BOOST_AUTO_TEST_CASE(a_state_works_once_and_unknown_or_expired_states_get_a_clear_page) {
    Fixture f;
    f.start();
    const std::string state = f.upstream.authorization_value("state");
    BOOST_TEST_REQUIRE(f.callback({{"code", "good-code"}, {"state", state}}).kind ==
                       sdk::Verdict::Kind::success);
    const sdk::Verdict replay = f.callback({{"code", "good-code"}, {"state", state}});
    BOOST_TEST(replay.kind == sdk::Verdict::Kind::failure);
    BOOST_TEST(replay.pending_id.empty());  // the host shows its error page
    BOOST_TEST(contains(replay.message, "expired or was already used"));
    BOOST_TEST(f.upstream.token_requests.size() == 1U);

    const sdk::Verdict unknown = f.callback({{"code", "good-code"}, {"state", "made-up"}});
    BOOST_TEST(unknown.kind == sdk::Verdict::Kind::failure);
    BOOST_TEST(unknown.pending_id.empty());
    const sdk::Verdict missing = f.callback({{"code", "good-code"}});
    BOOST_TEST(missing.kind == sdk::Verdict::Kind::failure);

    f.start();
    f.host.fakeClock().advance(601);
    const sdk::Verdict late =
        f.callback({{"code", "good-code"}, {"state", f.upstream.authorization_value("state")}});
    BOOST_TEST(late.kind == sdk::Verdict::Kind::failure);
    BOOST_TEST(late.pending_id.empty());
    BOOST_TEST(f.upstream.token_requests.size() == 1U);
}

BOOST_AUTO_TEST_CASE(an_upstream_error_returns_to_the_button_without_a_token_request) {
    Fixture f;
    f.start();
    const sdk::Verdict verdict = f.callback({{"error", "access_denied"},
                                             {"error_description", "user said no"},
                                             {"state", f.upstream.authorization_value("state")}});
    f.expectRefused(verdict, "access was denied");
    BOOST_TEST(f.upstream.token_requests.empty());
}

BOOST_AUTO_TEST_CASE(a_callback_naming_another_issuer_is_refused) {
    Fixture f;
    f.start();
    const sdk::Verdict verdict = f.callback({{"code", "good-code"},
                                             {"state", f.upstream.authorization_value("state")},
                                             {"iss", "https://evil.example.net"}});
    f.expectRefused(verdict, "did not come from id.example.com");
    BOOST_TEST(f.upstream.token_requests.empty());
}

BOOST_AUTO_TEST_CASE(a_refused_code_is_a_failure) {
    Fixture f;
    f.start();
    const sdk::Verdict verdict =
        f.callback({{"code", "stolen-code"}, {"state", f.upstream.authorization_value("state")}});
    f.expectRefused(verdict, "did not confirm the sign-in");
    BOOST_TEST(f.host.recordingLogger().hasEvent("oidc_federation.token_failed"));
}

BOOST_AUTO_TEST_CASE(client_secret_post_sends_the_secret_in_the_body) {
    Fixture f;
    f.config.set("client_auth", "client_secret_post");
    BOOST_TEST_REQUIRE(f.signIn().kind == sdk::Verdict::Kind::success);
    const auto& form = f.upstream.token_requests.at(0);
    BOOST_TEST(form.at("client_id") == kClientId);
    BOOST_TEST(form.at("client_secret") == kSecret);
    BOOST_TEST(f.upstream.token_authorization_headers.at(0).empty());
    BOOST_TEST(!f.host.recordingLogger().mentions(kSecret));
}

BOOST_AUTO_TEST_CASE(other_sub_paths_are_not_pages) {
    Fixture f;
    sdk::LoginStep s = Fixture::step();
    s.sub_path = "elsewhere";
    auto verdict = f.auth().callback(s);
    BOOST_TEST_REQUIRE(!verdict.has_value());
    BOOST_TEST(verdict.error().code == sdk::ErrorCode::unsupported);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(linking)

BOOST_AUTO_TEST_CASE(a_linked_subject_signs_in_to_the_same_account) {
    Fixture f;
    const sdk::Verdict first = f.signIn();
    BOOST_TEST_REQUIRE(first.kind == sdk::Verdict::Kind::success);
    f.upstream.email = "changed@example.com";
    const sdk::Verdict second = f.signIn();
    BOOST_TEST_REQUIRE(second.kind == sdk::Verdict::Kind::success);
    BOOST_TEST(second.user_id == first.user_id);
    BOOST_TEST(contains(second.audit_detail, "\"linked_by\":\"subject\""));
    BOOST_TEST(f.users().size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_verified_email_links_an_existing_account_when_enabled) {
    Fixture f;
    f.config.set("link_by_email", "true");
    auto existing = f.host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(existing.has_value());
    const sdk::Verdict verdict = f.signIn();
    BOOST_TEST_REQUIRE(verdict.kind == sdk::Verdict::Kind::success, verdict.message);
    BOOST_TEST(verdict.user_id == existing->id);
    BOOST_TEST(contains(verdict.audit_detail, "\"linked_by\":\"email\""));
    BOOST_TEST(f.users().size() == 1U);
    auto credential = f.host.storage().credentials().get(existing->id, kInstance);
    BOOST_TEST_REQUIRE(credential.has_value());
    BOOST_TEST(credential->subject == kIssuer + "|upstream-user-1");
}

BOOST_AUTO_TEST_CASE(an_unverified_email_never_links_an_existing_account) {
    Fixture f;
    f.config.set("link_by_email", "true");
    f.upstream.email_verified = false;
    auto existing = f.host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(existing.has_value());
    f.expectRefused(f.signIn(), "No account is linked to this id.example.com account");
    BOOST_TEST(!f.host.storage().credentials().get(existing->id, kInstance).has_value());
    BOOST_TEST(f.users().size() == 1U);
}

BOOST_AUTO_TEST_CASE(email_linking_is_off_by_default) {
    Fixture f;
    auto existing = f.host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(existing.has_value());
    f.expectRefused(f.signIn(), "No account is linked");
    BOOST_TEST(!f.host.storage().credentials().get(existing->id, kInstance).has_value());
}

BOOST_AUTO_TEST_CASE(an_account_linked_to_another_upstream_subject_is_not_repointed) {
    Fixture f;
    f.config.set("link_by_email", "true");
    BOOST_TEST_REQUIRE(f.signIn().kind == sdk::Verdict::Kind::success);
    f.upstream.subject = "upstream-user-2";  // another upstream account, same verified email
    f.expectRefused(f.signIn(), "No account is linked");
}

BOOST_AUTO_TEST_CASE(without_account_creation_an_unlinked_user_is_told_so) {
    Fixture f;
    f.config.set("create_accounts", "false");
    f.expectRefused(f.signIn(), "No account is linked to this id.example.com account.");
    BOOST_TEST(f.users().empty());
}

BOOST_AUTO_TEST_CASE(there_is_no_secret_to_set_and_no_lockout_to_lift) {
    Fixture f;
    auto user = f.host.addUser("alice@example.com");
    BOOST_TEST_REQUIRE(user.has_value());
    auto made = f.auth().makeCredential(*user, "anything at all");
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::unsupported);
    auto keys = f.auth().lockoutKeys(*user);
    BOOST_TEST_REQUIRE(keys.has_value());
    BOOST_TEST(keys->empty());
}

BOOST_AUTO_TEST_CASE(userinfo_supplies_claims_the_id_token_lacks) {
    Fixture f;
    f.upstream.include_email = false;
    const sdk::Verdict verdict = f.signIn();
    BOOST_TEST_REQUIRE(verdict.kind == sdk::Verdict::Kind::success, verdict.message);
    auto user = f.host.storage().users().get(verdict.user_id);
    BOOST_TEST_REQUIRE(user.has_value());
    BOOST_TEST(user->email == "userinfo-alice@example.com");
    BOOST_TEST(user->name == "From Userinfo");
    BOOST_TEST(f.requestsTo(kUserinfo) == 1U);
}

BOOST_AUTO_TEST_CASE(userinfo_about_another_subject_is_ignored) {
    Fixture f;
    f.upstream.include_email = false;
    f.upstream.tweak_userinfo = [](Poco::JSON::Object& info) { info.set("sub", "someone-else"); };
    f.expectRefused(f.signIn(), "did not share an email address");
    BOOST_TEST(f.users().empty());
}

BOOST_AUTO_TEST_SUITE_END()
