// SPDX-License-Identifier: Apache-2.0
// The smtp mailer, loaded from the real authd_smtp.so, against a local SMTP sink (aiosmtpd,
// started per case on a free loopback port) and against a scripted server that refuses or
// stays silent: delivered headers and parts, quoted-printable decoding, AUTH LOGIN / PLAIN /
// CRAM-MD5, STARTTLS and implicit TLS with certificate checks, retries, timeouts and
// header injection.
#define BOOST_TEST_MODULE smtp_plugin
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <poll.h>
#include <random>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <Poco/Base64Decoder.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <boost/dll/import.hpp>
#include <boost/test/unit_test.hpp>

#include "authd/sdk/abi.hpp"

#include "support/fake_config.hpp"
#include "support/fake_host.hpp"

extern char** environ;

namespace authd::sdk {
static std::ostream& operator<<(std::ostream& out, ErrorCode code) {
    return out << errorCodeName(code);
}
static std::ostream& operator<<(std::ostream& out, PluginKind kind) {
    return out << pluginKindName(kind);
}
}  // namespace authd::sdk

namespace sdk = authd::sdk;
namespace fs = std::filesystem;
using authd::test::FakeConfigNode;
using authd::test::FakeHost;

namespace {

const std::string kUser = "mailer@example.com";
const std::string kPassword = "s3cret-Pa55word!";
const std::string kLink =
    "https://id.example.com/login/email-link/verify?token=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo"
    "aWprbG1ub3BxcnN0dXZ3eHl6&req=req_0123456789abcdef0123456789abcdef&x=a%3Db";

const sdk::PluginManifest& manifest() {
    static const std::function<sdk::ManifestFunction> entry =
        boost::dll::import_alias<sdk::ManifestFunction>(AUTHD_SMTP_PLUGIN_PATH,
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

std::uint16_t freePort() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    const auto port = socket.address().port();
    socket.close();
    return port;
}

class TempDir {
  public:
    TempDir() {
        std::random_device device;
        path_ = fs::temp_directory_path() / ("authd-smtp-test-" + std::to_string(device()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Runs a command to completion; its exit status.
int run(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& arg : args) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);  // progress noise
    const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        return -1;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A self-signed certificate for localhost and 127.0.0.1 (also its own trust anchor).
struct Certificate {
    fs::path cert;
    fs::path key;
};

Certificate makeCertificate(const fs::path& dir) {
    Certificate out{dir / "cert.pem", dir / "key.pem"};
    const int status = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout", out.key.string(),
                            "-out", out.cert.string(), "-days", "2", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-batch"});
    BOOST_TEST_REQUIRE(status == 0, "openssl req failed");
    return out;
}

// The SMTP sink (smtp_sink.py), started on a free port; killed on destruction.
class Sink {
  public:
    struct Options {
        std::string mode = "plain";  // plain | starttls | implicit
        bool auth = false;
        int fail_first = 0;
        const Certificate* certificate = nullptr;
    };

    explicit Sink(const Options& options) : dir_(temp_.path() / "mail") {
        port_ = freePort();
        std::vector<std::string> args = {"/usr/bin/python3",
                                         AUTHD_SMTP_SINK,
                                         "--port",
                                         std::to_string(port_),
                                         "--dir",
                                         dir_.string(),
                                         "--mode",
                                         options.mode,
                                         "--fail-first",
                                         std::to_string(options.fail_first)};
        if (options.auth) {
            args.insert(args.end(), {"--user", kUser, "--password", kPassword});
        }
        if (options.certificate != nullptr) {
            args.insert(args.end(), {"--cert", options.certificate->cert.string(), "--key",
                                     options.certificate->key.string()});
        }
        start(args);
    }
    ~Sink() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            for (int i = 0; i < 50 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            if (waitpid(pid_, &status, WNOHANG) == 0) {
                ::kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
            }
        }
        if (out_fd_ >= 0) {
            ::close(out_fd_);
        }
    }
    Sink(const Sink&) = delete;
    Sink& operator=(const Sink&) = delete;

    std::uint16_t port() const { return port_; }

    struct Received {
        std::string raw;
        std::string meta;
    };
    // Every message accepted so far, oldest first.
    std::vector<Received> messages() const {
        std::vector<Received> out;
        if (!fs::exists(dir_)) {
            return out;
        }
        std::vector<fs::path> names;
        for (const auto& entry : fs::directory_iterator(dir_)) {
            if (entry.path().extension() == ".eml") {
                names.push_back(entry.path());
            }
        }
        std::sort(names.begin(), names.end());
        for (const auto& name : names) {
            fs::path meta = name;
            meta.replace_extension(".json");
            out.push_back({readFile(name), readFile(meta)});
        }
        return out;
    }

  private:
    void start(const std::vector<std::string>& args) {
        int pipe_fds[2];
        BOOST_TEST_REQUIRE(::pipe(pipe_fds) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
        posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
        std::vector<char*> argv;
        for (const auto& arg : args) {
            argv.push_back(const_cast<char*>(arg.c_str()));
        }
        argv.push_back(nullptr);
        const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(pipe_fds[1]);
        out_fd_ = pipe_fds[0];
        BOOST_TEST_REQUIRE(spawned == 0, "cannot start " << argv[0]);
        std::string seen;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!contains(seen, "READY")) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            BOOST_TEST_REQUIRE(left.count() > 0, "the SMTP sink did not start: " << seen);
            pollfd fd{out_fd_, POLLIN, 0};
            if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) {
                continue;
            }
            char buffer[256];
            const ssize_t n = ::read(out_fd_, buffer, sizeof buffer);
            BOOST_TEST_REQUIRE(n > 0, "the SMTP sink exited: " << seen);
            seen.append(buffer, static_cast<std::size_t>(n));
        }
    }

    TempDir temp_;
    fs::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    int out_fd_ = -1;
};

// A scripted SMTP server for the failure cases the sink cannot play: it accepts every
// connection, sends `greeting` (a refusal such as "421 ...", or nothing at all to stay
// silent), keeps the connection open for `hold` and then closes it. It counts connections, so
// a test can tell how many attempts the mailer made.
class ScriptedSmtpServer {
  public:
    ScriptedSmtpServer(std::string greeting, std::chrono::milliseconds hold)
        : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)), greeting_(std::move(greeting)),
          hold_(hold) {
        thread_ = std::thread([this] { serve(); });
    }
    ~ScriptedSmtpServer() {
        stop_ = true;
        thread_.join();
    }
    ScriptedSmtpServer(const ScriptedSmtpServer&) = delete;
    ScriptedSmtpServer& operator=(const ScriptedSmtpServer&) = delete;

    std::uint16_t port() const { return socket_.address().port(); }
    int connections() const { return connections_.load(); }

  private:
    void serve() {
        while (!stop_) {
            if (!socket_.poll(Poco::Timespan(0, 100'000), Poco::Net::Socket::SELECT_READ)) {
                continue;
            }
            Poco::Net::StreamSocket client = socket_.acceptConnection();
            ++connections_;
            if (!greeting_.empty()) {
                client.sendBytes(greeting_.data(), static_cast<int>(greeting_.size()));
            }
            const auto until = std::chrono::steady_clock::now() + hold_;
            while (!stop_ && std::chrono::steady_clock::now() < until) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            client.close();
        }
    }

    Poco::Net::ServerSocket socket_;
    std::string greeting_;
    std::chrono::milliseconds hold_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread thread_;
};

struct Fixture {
    FakeHost host;
    FakeConfigNode config{schemaKeys(), "mail.config"};

    Fixture() {
        config.set("host", "127.0.0.1");
        config.set("from", "authd@example.com");
        config.set("tls", "none");
        config.set("timeout", "5s");
        config.set("retry_delay", "0");
    }

    sdk::Result<sdk::MailerPtr> tryMake() {
        sdk::InstanceSpec spec{"smtp", &config};
        return manifest().make_mailer(spec, host);
    }

    sdk::MailerPtr make() {
        const auto problems = config.validate();
        BOOST_TEST_REQUIRE(problems.empty(), (problems.empty() ? "" : problems.front()));
        auto made = tryMake();
        BOOST_TEST_REQUIRE(made.has_value(), (made ? "" : made.error().message));
        return std::move(made).value();
    }

    Fixture& port(std::uint16_t value) {
        config.set("port", std::to_string(value));
        return *this;
    }
    Fixture& withAuth(const std::string& method = "login") {
        config.set("username", kUser);
        config.setSecret("password", kPassword);
        config.set("auth", method);
        return *this;
    }
};

sdk::MailMessage message(const std::string& to = "alice@example.org") {
    sdk::MailMessage m;
    m.to = to;
    m.subject = "Your sign-in link";
    m.text_body = "Hello,\n\nSign in with this link:\n" + kLink + "\n\nIt expires in 15 minutes.\n";
    m.html_body = "<p>Hello,</p><p><a href=\"" + kLink + "\">Sign in</a></p>";
    return m;
}

// --- a small MIME reader for what the sink received -----------------------------------------

struct Part {
    std::map<std::string, std::string> headers;  // lower-case names, unfolded values
    std::string body;                            // decoded
};

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// RFC 2045 6.7: "=XX" octets and "=" soft line breaks.
std::string decodeQuotedPrintable(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
            continue;
        }
        if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
            i += 2;
            continue;
        }
        BOOST_TEST_REQUIRE(i + 2 < text.size());
        const int high = hexValue(text[i + 1]);
        const int low = hexValue(text[i + 2]);
        BOOST_TEST_REQUIRE((high >= 0 && low >= 0), "bad quoted-printable escape");
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

// Splits headers from body and decodes the body per Content-Transfer-Encoding.
Part parsePart(const std::string& raw) {
    Part part;
    const std::size_t end = raw.find("\r\n\r\n");
    BOOST_TEST_REQUIRE(end != std::string::npos, "no blank line after the headers");
    std::istringstream lines(raw.substr(0, end + 2));
    std::string line;
    std::string last;
    while (std::getline(lines, line)) {
        BOOST_TEST_REQUIRE((!line.empty() && line.back() == '\r'), "header line without CRLF");
        line.pop_back();
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            part.headers[last] += line;
            continue;
        }
        const std::size_t colon = line.find(':');
        BOOST_TEST_REQUIRE(colon != std::string::npos, "malformed header line: " << line);
        last = lower(line.substr(0, colon));
        BOOST_TEST_REQUIRE(part.headers.count(last) == 0, "header twice: " << last);
        part.headers[last] = line.substr(colon + 2);
    }
    const std::string body = raw.substr(end + 4);
    const std::string encoding = lower(part.headers["content-transfer-encoding"]);
    part.body = encoding == "quoted-printable" ? decodeQuotedPrintable(body) : body;
    return part;
}

// The parts of a multipart body, split on the boundary named in Content-Type.
std::vector<Part> splitMultipart(const Part& message, const std::string& raw_body) {
    const std::string type = message.headers.at("content-type");
    const std::size_t at = type.find("boundary=\"");
    BOOST_TEST_REQUIRE(at != std::string::npos);
    const std::string boundary = "--" + type.substr(at + 10, type.find('"', at + 10) - (at + 10));
    std::vector<Part> parts;
    std::size_t start = raw_body.find(boundary + "\r\n");
    BOOST_TEST_REQUIRE(start != std::string::npos);
    while (true) {
        start += boundary.size() + 2;
        const std::size_t next = raw_body.find("\r\n" + boundary, start - 2);
        const std::size_t stop = raw_body.find(boundary, start);
        BOOST_TEST_REQUIRE(stop != std::string::npos, "unterminated part");
        (void)next;
        parts.push_back(parsePart(raw_body.substr(start, stop - start)));
        if (raw_body.compare(stop, boundary.size() + 2, boundary + "--") == 0) {
            break;
        }
        start = stop;
    }
    return parts;
}

struct Delivered {
    Part message;
    std::vector<Part> parts;
};

Delivered parseDelivered(const std::string& raw) {
    Delivered out;
    out.message = parsePart(raw);
    if (contains(out.message.headers["content-type"], "multipart/alternative")) {
        out.parts = splitMultipart(out.message, raw.substr(raw.find("\r\n\r\n") + 4));
    }
    return out;
}

std::string base64Decode(const std::string& text) {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::ostringstream out;
    out << decoder.rdbuf();
    return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_and_config)

BOOST_AUTO_TEST_CASE(manifest_declares_the_smtp_mailer) {
    const sdk::PluginManifest& m = manifest();
    BOOST_TEST(m.abi_version == static_cast<std::uint32_t>(AUTHD_SDK_ABI_VERSION));
    BOOST_TEST(std::string(m.name) == "smtp");
    BOOST_TEST(m.kind == sdk::PluginKind::mailer);
    BOOST_TEST(m.make_mailer != nullptr);
    BOOST_TEST(m.make_authenticator == nullptr);
    std::map<std::string, sdk::ConfigKey> keys;
    for (const auto& key : schemaKeys()) {
        keys[key.name] = key;
    }
    BOOST_TEST(keys.at("host").required);
    BOOST_TEST(keys.at("from").required);
    BOOST_TEST(keys.at("port").default_value == "587");
    BOOST_TEST(keys.at("tls").default_value == "starttls");
    BOOST_TEST(keys.at("auth").default_value == "login");
    BOOST_TEST(keys.at("timeout").default_value == "10s");
    BOOST_TEST(keys.at("retries").default_value == "2");
    BOOST_TEST(keys.at("retry_delay").default_value == "1s");
    BOOST_TEST(keys.at("verify_certificate").default_value == "true");
    BOOST_TEST((keys.at("password").type == sdk::ConfigType::secret));
}

BOOST_AUTO_TEST_CASE(missing_host_and_from_are_refused_by_the_schema) {
    FakeConfigNode config(schemaKeys(), "mail.config");
    const auto problems = config.validate();
    BOOST_TEST(problems.size() == 2U);
}

BOOST_AUTO_TEST_CASE(unknown_tls_and_auth_values_are_refused_with_their_location) {
    Fixture f;
    f.config.set("tls", "ssl");
    f.config.set("auth", "xoauth2");
    auto made = f.tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(made.error().message, "mail.config.tls"));
    BOOST_TEST(contains(made.error().message, "required-starttls"));
    BOOST_TEST(contains(made.error().message, "mail.config.auth"));
}

BOOST_AUTO_TEST_CASE(username_and_password_go_together) {
    Fixture only_user;
    only_user.config.set("username", kUser);
    auto a = only_user.tryMake();
    BOOST_TEST_REQUIRE(!a.has_value());
    BOOST_TEST(contains(a.error().message, "needs a password"));

    Fixture only_password;
    only_password.config.setSecret("password", kPassword);
    auto b = only_password.tryMake();
    BOOST_TEST_REQUIRE(!b.has_value());
    BOOST_TEST(contains(b.error().message, "needs a username"));
    BOOST_TEST(!contains(b.error().message, kPassword));
}

BOOST_AUTO_TEST_CASE(sender_must_be_a_plain_ascii_address) {
    for (const std::string from : {"Authd <authd@example.com>", "authd", "authd@exämple.com"}) {
        Fixture f;
        f.config.set("from", from);
        auto made = f.tryMake();
        BOOST_TEST_REQUIRE(!made.has_value(), from);
        BOOST_TEST(contains(made.error().message, "mail.config.from"));
    }
}

BOOST_AUTO_TEST_CASE(unreadable_ca_file_is_refused) {
    Fixture f;
    f.config.set("tls", "starttls");
    f.config.set("ca_file", "/nonexistent/ca.pem");
    auto made = f.tryMake();
    BOOST_TEST_REQUIRE(!made.has_value());
    BOOST_TEST(made.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(contains(made.error().message, "ca_file"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(delivery)

BOOST_AUTO_TEST_CASE(delivers_a_multipart_message_with_both_parts_and_the_link_intact) {
    Sink sink({});
    Fixture f;
    auto mailer = f.port(sink.port()).make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(sent.has_value(), (sent ? "" : sent.error().message));

    const auto received = sink.messages();
    BOOST_TEST_REQUIRE(received.size() == 1U);
    BOOST_TEST(contains(received[0].meta, "\"mail_from\": \"authd@example.com\""));
    BOOST_TEST(contains(received[0].meta, "\"rcpt_tos\": [\"alice@example.org\"]"));
    BOOST_TEST(contains(received[0].meta, "\"tls\": false"));

    const Delivered d = parseDelivered(received[0].raw);
    BOOST_TEST(d.message.headers.at("from") == "authd@example.com");
    BOOST_TEST(d.message.headers.at("to") == "alice@example.org");
    BOOST_TEST(d.message.headers.at("subject") == "Your sign-in link");
    BOOST_TEST(d.message.headers.at("mime-version") == "1.0");
    BOOST_TEST(contains(d.message.headers.at("message-id"), "@example.com>"));
    BOOST_TEST(contains(d.message.headers.at("date"), "+0000"));
    BOOST_TEST(contains(d.message.headers.at("content-type"), "multipart/alternative"));
    BOOST_TEST_REQUIRE(d.parts.size() == 2U);
    BOOST_TEST(contains(d.parts[0].headers.at("content-type"), "text/plain; charset=utf-8"));
    BOOST_TEST(contains(d.parts[1].headers.at("content-type"), "text/html; charset=utf-8"));
    BOOST_TEST(contains(d.parts[0].body, "\r\n" + kLink + "\r\n"));
    BOOST_TEST(contains(d.parts[1].body, "href=\"" + kLink + "\""));
    // The clock is the host's.
    BOOST_TEST(contains(d.message.headers.at("date"), "Nov 2023"));
}

BOOST_AUTO_TEST_CASE(non_ascii_bodies_are_quoted_printable_and_decode_to_the_exact_link) {
    Sink sink({});
    Fixture f;
    auto mailer = f.port(sink.port()).make();
    sdk::MailMessage m = message();
    m.subject = "Connexion à votre compte";
    m.text_body = "Bonjour Zoë,\n\nCliquez ici : " + kLink + "\n\n— l'équipe\n";
    m.html_body = "<p>Bonjour Zoë,</p><p><a href=\"" + kLink + "\">Se connecter</a></p>";
    auto sent = mailer->send(m);
    BOOST_TEST_REQUIRE(sent.has_value(), (sent ? "" : sent.error().message));

    const auto received = sink.messages();
    BOOST_TEST_REQUIRE(received.size() == 1U);
    // Every line on the wire is 7-bit and short; the link is cut by soft breaks.
    for (const char c : received[0].raw) {
        BOOST_TEST_REQUIRE(static_cast<unsigned char>(c) < 0x80U);
    }
    BOOST_TEST(!contains(received[0].raw, kLink));
    const Delivered d = parseDelivered(received[0].raw);
    BOOST_TEST(contains(d.message.headers.at("subject"), "=?UTF-8?B?"));
    BOOST_TEST_REQUIRE(d.parts.size() == 2U);
    BOOST_TEST(d.parts[0].headers.at("content-transfer-encoding") == "quoted-printable");
    BOOST_TEST(d.parts[1].headers.at("content-transfer-encoding") == "quoted-printable");
    BOOST_TEST(contains(d.parts[0].body, "Bonjour Zoë,"));
    BOOST_TEST(contains(d.parts[0].body, "Cliquez ici : " + kLink + "\r\n"));
    BOOST_TEST(contains(d.parts[1].body, "href=\"" + kLink + "\""));
    const std::string subject = d.message.headers.at("subject");
    const std::size_t begin = subject.find("?B?") + 3;
    BOOST_TEST(base64Decode(subject.substr(begin, subject.find("?=", begin) - begin)) ==
               "Connexion à votre compte");
}

BOOST_AUTO_TEST_CASE(a_line_starting_with_a_dot_survives_the_transfer) {
    Sink sink({});
    Fixture f;
    auto mailer = f.port(sink.port()).make();
    sdk::MailMessage m = message();
    m.html_body.clear();
    m.text_body = "first\n.\n.hidden line\nlast";
    auto sent = mailer->send(m);
    BOOST_TEST_REQUIRE(sent.has_value(), (sent ? "" : sent.error().message));
    const auto received = sink.messages();
    BOOST_TEST_REQUIRE(received.size() == 1U);
    const Delivered d = parseDelivered(received[0].raw);
    BOOST_TEST(contains(d.message.headers.at("content-type"), "text/plain"));
    BOOST_TEST(d.message.body == "first\r\n.\r\n.hidden line\r\nlast\r\n");
}

BOOST_AUTO_TEST_CASE(the_message_sender_overrides_the_configured_one) {
    Sink sink({});
    Fixture f;
    auto mailer = f.port(sink.port()).make();
    sdk::MailMessage m = message();
    m.from = "noreply@example.net";
    BOOST_TEST_REQUIRE(mailer->send(m).has_value());
    const auto received = sink.messages();
    BOOST_TEST_REQUIRE(received.size() == 1U);
    BOOST_TEST(contains(received[0].meta, "\"mail_from\": \"noreply@example.net\""));
    BOOST_TEST(parseDelivered(received[0].raw).message.headers.at("from") == "noreply@example.net");
}

BOOST_AUTO_TEST_CASE(concurrent_sends_each_arrive_once) {
    Sink sink({});
    Fixture f;
    auto mailer = f.port(sink.port()).make();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 3; ++i) {
                sdk::MailMessage m = message("user" + std::to_string(t * 10 + i) + "@example.org");
                if (!mailer->send(m)) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    BOOST_TEST(failures.load() == 0);
    const auto received = sink.messages();
    BOOST_TEST(received.size() == 18U);
    std::vector<std::string> recipients;
    for (const auto& r : received) {
        recipients.push_back(parseDelivered(r.raw).message.headers.at("to"));
    }
    std::sort(recipients.begin(), recipients.end());
    BOOST_TEST((std::adjacent_find(recipients.begin(), recipients.end()) == recipients.end()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(refusals)

BOOST_AUTO_TEST_CASE(header_injection_is_refused_and_nothing_is_sent) {
    Sink sink({});
    Fixture f;
    auto mailer = f.port(sink.port()).make();
    std::vector<sdk::MailMessage> bad;
    bad.push_back(message("alice@example.org\r\nBcc: eve@example.net"));
    bad.push_back(message("alice@example.org\nBcc: eve@example.net"));
    bad.push_back(message());
    bad.back().subject = "Hi\r\nBcc: eve@example.net";
    bad.push_back(message());
    bad.back().subject = "Hi\nX-Injected: yes";
    bad.push_back(message());
    bad.back().from = "authd@example.com\r\nBcc: eve@example.net";
    bad.push_back(message("Alice <alice@example.org>"));
    bad.push_back(message("alice@example.org, eve@example.net"));
    bad.push_back(message("zoë@example.org"));
    bad.push_back(message());
    bad.back().text_body = std::string("bad \xff utf-8");
    bad.push_back(message());
    bad.back().text_body.clear();
    bad.back().html_body.clear();
    for (const auto& m : bad) {
        auto sent = mailer->send(m);
        BOOST_TEST_REQUIRE(!sent.has_value(), m.to << " / " << m.subject);
        BOOST_TEST(sent.error().code == sdk::ErrorCode::invalid_argument);
    }
    BOOST_TEST(mailer->send(message()).has_value());
    BOOST_TEST(sink.messages().size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_recipient_the_server_refuses_is_invalid_argument_without_retry) {
    Sink sink({});
    Fixture f;
    f.config.set("retries", "3");
    auto mailer = f.port(sink.port()).make();
    auto sent = mailer->send(message("reject-me@example.org"));
    BOOST_TEST_REQUIRE(!sent.has_value());
    BOOST_TEST(sent.error().code == sdk::ErrorCode::invalid_argument);
    BOOST_TEST(contains(sent.error().message, "550"));
    std::size_t attempts = 0;
    for (const auto& line : f.host.recordingLogger().lines()) {
        attempts += line.event == "smtp.attempt_failed" ? 1U : 0U;
    }
    BOOST_TEST(attempts == 1U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(authentication)

BOOST_AUTO_TEST_CASE(auth_login_plain_and_cram_md5_are_accepted_by_a_sink_requiring_auth) {
    Sink sink({"plain", true, 0, nullptr});
    for (const std::string method : {"login", "plain", "cram-md5"}) {
        Fixture f;
        auto mailer = f.port(sink.port()).withAuth(method).make();
        auto sent = mailer->send(message());
        BOOST_TEST_REQUIRE(sent.has_value(), method << ": " << (sent ? "" : sent.error().message));
    }
    const auto received = sink.messages();
    BOOST_TEST_REQUIRE(received.size() == 3U);
    for (const auto& r : received) {
        BOOST_TEST(contains(r.meta, "\"authenticated\": true"));
        BOOST_TEST(contains(r.meta, "\"auth_user\": \"" + kUser + "\""));
    }
}

BOOST_AUTO_TEST_CASE(without_credentials_the_sink_refuses_the_message) {
    Sink sink({"plain", true, 0, nullptr});
    Fixture f;
    auto mailer = f.port(sink.port()).make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(!sent.has_value());
    BOOST_TEST(sink.messages().empty());
}

BOOST_AUTO_TEST_CASE(a_wrong_password_fails_without_retry_and_is_never_echoed) {
    Sink sink({"plain", true, 0, nullptr});
    for (const std::string method : {"login", "plain", "cram-md5"}) {
        Fixture f;
        f.config.set("retries", "2");
        f.port(sink.port()).withAuth(method);
        f.config.setSecret("password", "wrong-" + kPassword);
        auto mailer = f.make();
        auto sent = mailer->send(message());
        BOOST_TEST_REQUIRE(!sent.has_value(), method);
        BOOST_TEST(sent.error().code == sdk::ErrorCode::unavailable);
        BOOST_TEST(contains(sent.error().message, "127.0.0.1:" + std::to_string(sink.port())));
        BOOST_TEST(!contains(sent.error().message, kPassword));
        BOOST_TEST(!f.host.recordingLogger().mentions(kPassword));
        std::size_t attempts = 0;
        for (const auto& line : f.host.recordingLogger().lines()) {
            attempts += line.event == "smtp.attempt_failed" ? 1U : 0U;
        }
        BOOST_TEST(attempts == 1U, method << ": " << sent.error().message);
    }
    BOOST_TEST(sink.messages().empty());
}

BOOST_AUTO_TEST_CASE(credentials_are_never_sent_in_clear_when_starttls_is_not_offered) {
    Sink sink({"plain", true, 0, nullptr});
    Fixture f;
    f.config.set("tls", "starttls");
    auto mailer = f.port(sink.port()).withAuth().make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(!sent.has_value());
    BOOST_TEST(sent.error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(contains(sent.error().message, "does not offer STARTTLS"));
    BOOST_TEST(sink.messages().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(starttls_with_a_trusted_certificate_and_auth) {
    TempDir dir;
    const Certificate certificate = makeCertificate(dir.path());
    Sink sink({"starttls", true, 0, &certificate});
    Fixture f;
    f.config.set("tls", "starttls");
    f.config.set("ca_file", certificate.cert.string());
    auto mailer = f.port(sink.port()).withAuth("plain").make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(sent.has_value(), (sent ? "" : sent.error().message));
    f.config.set("tls", "required-starttls");
    auto required = f.make();
    auto sent_required = required->send(message());
    BOOST_TEST_REQUIRE(sent_required.has_value(),
                       (sent_required ? "" : sent_required.error().message));
    const auto received = sink.messages();
    BOOST_TEST_REQUIRE(received.size() == 2U);
    BOOST_TEST(contains(received[0].meta, "\"tls\": true"));
    BOOST_TEST(contains(received[1].meta, "\"tls\": true"));
    BOOST_TEST(contains(received[0].meta, "\"authenticated\": true"));
}

BOOST_AUTO_TEST_CASE(an_untrusted_certificate_is_refused_unless_verification_is_off) {
    TempDir dir;
    const Certificate certificate = makeCertificate(dir.path());
    Sink sink({"starttls", false, 0, &certificate});
    Fixture f;
    f.config.set("tls", "required-starttls");
    f.config.set("retries", "2");
    auto mailer = f.port(sink.port()).make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(!sent.has_value());
    BOOST_TEST(sent.error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(contains(sent.error().message, "TLS"));
    BOOST_TEST(sink.messages().empty());

    f.config.set("verify_certificate", "false");
    auto lax = f.make();
    auto lax_sent = lax->send(message());
    BOOST_TEST_REQUIRE(lax_sent.has_value(), (lax_sent ? "" : lax_sent.error().message));
    BOOST_TEST(sink.messages().size() == 1U);
}

BOOST_AUTO_TEST_CASE(required_starttls_refuses_a_server_without_it) {
    Sink sink({});
    Fixture f;
    f.config.set("tls", "required-starttls");
    auto mailer = f.port(sink.port()).make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(!sent.has_value());
    BOOST_TEST(contains(sent.error().message, "does not offer STARTTLS"));
    BOOST_TEST(sink.messages().empty());
}

BOOST_AUTO_TEST_CASE(opportunistic_starttls_without_credentials_still_delivers_in_clear) {
    Sink sink({});
    Fixture f;
    f.config.set("tls", "starttls");
    auto mailer = f.port(sink.port()).make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(sent.has_value(), (sent ? "" : sent.error().message));
    const auto received = sink.messages();
    BOOST_TEST_REQUIRE(received.size() == 1U);
    BOOST_TEST(contains(received[0].meta, "\"tls\": false"));
}

BOOST_AUTO_TEST_CASE(implicit_tls_delivers_over_smtps) {
    TempDir dir;
    const Certificate certificate = makeCertificate(dir.path());
    Sink sink({"implicit", true, 0, &certificate});
    Fixture f;
    f.config.set("tls", "tls");
    f.config.set("ca_file", certificate.cert.string());
    auto mailer = f.port(sink.port()).withAuth("login").make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(sent.has_value(), (sent ? "" : sent.error().message));
    const auto received = sink.messages();
    BOOST_TEST_REQUIRE(received.size() == 1U);
    BOOST_TEST(contains(received[0].meta, "\"tls\": true"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(connection_refused_is_unavailable_after_the_retries) {
    const std::uint16_t port = freePort();  // nothing listens there any more
    Fixture f;
    f.config.set("retries", "2");
    auto mailer = f.port(port).withAuth().make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(!sent.has_value());
    BOOST_TEST(sent.error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(contains(sent.error().message, "127.0.0.1:" + std::to_string(port)));
    BOOST_TEST(contains(sent.error().message, "after 3 attempts"));
    BOOST_TEST(!contains(sent.error().message, kPassword));
    BOOST_TEST(!f.host.recordingLogger().mentions(kPassword));
}

BOOST_AUTO_TEST_CASE(temporary_refusals_are_retried_the_configured_number_of_times) {
    ScriptedSmtpServer busy("421 4.3.2 service not available\r\n", std::chrono::milliseconds(0));
    Fixture f;
    f.config.set("retries", "3");
    auto mailer = f.port(busy.port()).make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(!sent.has_value());
    BOOST_TEST(sent.error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(contains(sent.error().message, "after 4 attempts"));
    BOOST_TEST(contains(sent.error().message, "421"));
    BOOST_TEST(busy.connections() == 4);
}

BOOST_AUTO_TEST_CASE(a_temporary_failure_then_success_delivers_once) {
    Sink sink({"plain", false, 1, nullptr});
    Fixture f;
    f.config.set("retries", "1");
    auto mailer = f.port(sink.port()).make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(sent.has_value(), (sent ? "" : sent.error().message));
    BOOST_TEST(sink.messages().size() == 1U);
    BOOST_TEST(f.host.recordingLogger().hasEvent("smtp.attempt_failed"));
    BOOST_TEST(f.host.recordingLogger().hasEvent("smtp.sent"));
}

BOOST_AUTO_TEST_CASE(a_silent_server_times_out_instead_of_hanging) {
    ScriptedSmtpServer silent("", std::chrono::milliseconds(10'000));
    Fixture f;
    f.config.set("timeout", "1s");
    f.config.set("retries", "0");
    auto mailer = f.port(silent.port()).make();
    auto sent = mailer->send(message());
    BOOST_TEST_REQUIRE(!sent.has_value());
    BOOST_TEST(sent.error().code == sdk::ErrorCode::unavailable);
    BOOST_TEST(contains(sent.error().message, "timed out"));
    BOOST_TEST(silent.connections() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
