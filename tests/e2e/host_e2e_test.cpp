// SPDX-License-Identifier: Apache-2.0
// Drives the real authd binary: health endpoints, limits, errors, the CLI commands, config
// errors, graceful shutdown, the demo bootstrap, and (suite `postgresql`, run by its own CTest
// registration) readiness against PostgreSQL.
#define BOOST_TEST_MODULE host_e2e_test
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <boost/test/unit_test.hpp>

#include "support/authd_process.hpp"

using authd::test::AuthdProcess;
using authd::test::parseRawResponse;
using authd::test::RawConnection;
using authd::test::runAuthd;
using authd::test::TempDir;
using authd::test::testConfigYaml;

namespace {

// The value of a series in Prometheus text, or -1 when absent.
long long metricValue(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
        return -1;
    }
    const auto start = at + series.size() + 2;
    return std::stoll(text.substr(start, text.find('\n', start) - start));
}

bool hasFileLineColumn(const std::string& text, const std::string& file) {
    return std::regex_search(
        text, std::regex(std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                         R"(:\d+:\d+: )"));
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

// `--pg-dsn-file=PATH` after `--` on the command line.
std::string pgDsnFile() {
    const auto& suite = boost::unit_test::framework::master_test_suite();
    for (int i = 1; i < suite.argc; ++i) {
        const std::string arg = suite.argv[i];
        if (arg.rfind("--pg-dsn-file=", 0) == 0) {
            return arg.substr(14);
        }
    }
    return {};
}

// A self-signed certificate for 127.0.0.1 made with the openssl command.
void makeCertificate(const std::string& cert, const std::string& key) {
    const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -keyout '" + key +
                                "' -out '" + cert + "' -days 2 -subj /CN=127.0.0.1 >/dev/null 2>&1";
    BOOST_REQUIRE_MESSAGE(std::system(command.c_str()) == 0,
                          "the openssl command could not make a test certificate");
}

// GET over HTTPS, accepting the self-signed test certificate.
std::pair<int, std::string> httpsGet(std::uint16_t port, const std::string& target) {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", "", "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::HTTPSClientSession session("127.0.0.1", port, context);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    return {static_cast<int>(response.getStatus()), body};
}

// The paths of the files the running process `pid` has mapped (/proc/PID/maps).
std::string mappedFiles(int pid) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    BOOST_REQUIRE_MESSAGE(maps, "cannot read /proc/" << pid << "/maps");
    return {std::istreambuf_iterator<char>(maps), std::istreambuf_iterator<char>()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_surface)

BOOST_AUTO_TEST_CASE(healthz_readyz_and_metrics_answer_and_counters_move) {
    AuthdProcess authd;
    const auto health = authd.get("/healthz");
    BOOST_TEST(health.status == 200);
    BOOST_TEST(health.body == R"({"status":"ok"})");
    BOOST_TEST(health.header("X-Content-Type-Options") == "nosniff");
    const auto ready = authd.get("/readyz");
    BOOST_TEST(ready.status == 200);
    BOOST_TEST(ready.body == R"({"status":"ready"})");

    const std::string series =
        R"(authd_http_requests_total{route="/healthz",method="GET",code="200"})";
    const auto before = authd.get("/metrics");
    BOOST_TEST(before.status == 200);
    BOOST_TEST(before.header("Content-Type").find("text/plain; version=0.0.4") == 0u);
    BOOST_TEST(before.body.find("authd_build_info{version=\"") != std::string::npos);
    BOOST_TEST(before.body.find("authd_process_start_time_seconds ") != std::string::npos);
    BOOST_TEST(metricValue(before.body, series) == 1);
    (void)authd.get("/healthz");
    (void)authd.get("/healthz");
    const auto after = authd.get("/metrics");
    BOOST_TEST(metricValue(after.body, series) == 3);
    BOOST_TEST(metricValue(
                   after.body,
                   R"(authd_http_request_duration_seconds_count{route="/healthz",method="GET"})") ==
               3);
    BOOST_TEST(
        metricValue(after.body,
                    R"(authd_http_requests_total{route="/metrics",method="GET",code="200"})") == 1);
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404_and_wrong_method_405) {
    AuthdProcess authd;
    const auto missing = authd.get("/no/such/thing");
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(missing.body.find(R"("error":"not_found")") != std::string::npos);
    const auto wrong = authd.request("DELETE", "/healthz");
    BOOST_TEST(wrong.status == 405);
    BOOST_TEST(wrong.header("Allow") == "GET, HEAD");
    const auto head = authd.request("HEAD", "/healthz");
    BOOST_TEST(head.status == 200);
    BOOST_TEST(head.body.empty());
}

BOOST_AUTO_TEST_CASE(request_id_is_echoed_and_logged) {
    AuthdProcess authd;
    const auto response = authd.get("/healthz", {{"X-Request-Id", "e2e-trace.0042"}});
    BOOST_TEST(response.header("X-Request-Id") == "e2e-trace.0042");
    BOOST_TEST(authd.waitForOutput(R"("request_id":"e2e-trace.0042")"));
    const std::string out = authd.output();
    const auto at = out.find(R"("request_id":"e2e-trace.0042")");
    const auto line_start = out.rfind('\n', at) + 1;
    const std::string line = out.substr(line_start, out.find('\n', at) - line_start);
    BOOST_TEST(line.find(R"("event":"http.request")") != std::string::npos);
    BOOST_TEST(line.find(R"("route":"/healthz")") != std::string::npos);
    BOOST_TEST(line.find(R"("status":"200")") != std::string::npos);
    const auto generated = authd.get("/healthz", {{"X-Request-Id", "not valid!"}});
    BOOST_TEST(generated.header("X-Request-Id").size() == 24u);
}

BOOST_AUTO_TEST_CASE(body_over_the_limit_is_413) {
    AuthdProcess::Options options;
    options.server_extra = "  max_body_bytes: 4096";
    AuthdProcess authd(options);
    const auto response = authd.post("/healthz", std::string(5000, 'x'), "text/plain");
    BOOST_TEST(response.status == 413);
    BOOST_TEST(response.body.find("request_too_large") != std::string::npos);
    // A body within the limit goes through to routing.
    BOOST_TEST(authd.post("/healthz", std::string(4000, 'x'), "text/plain").status == 405);
}

BOOST_AUTO_TEST_CASE(oversized_headers_are_431) {
    AuthdProcess authd;
    std::vector<std::pair<std::string, std::string>> headers;
    for (int i = 0; i < 5; ++i) { // 5 x 4000 bytes > 16384, each line under Poco's 8192
        headers.emplace_back("X-Filler-" + std::to_string(i), std::string(4000, 'h'));
    }
    const auto response = authd.get("/healthz", headers);
    BOOST_TEST(response.status == 431);
    BOOST_TEST(authd.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(malformed_form_body_is_400) {
    AuthdProcess authd;
    const auto response = authd.post("/healthz", "grant_type=x&code=%zz");
    BOOST_TEST(response.status == 400);
    BOOST_TEST(response.body.find("malformed form body") != std::string::npos);
    const auto query = authd.get("/healthz?a=%G1");
    BOOST_TEST(query.status == 400);
}

BOOST_AUTO_TEST_CASE(truncated_body_gets_400_without_hanging) {
    AuthdProcess authd;
    RawConnection connection(authd.port());
    connection.send("POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
                    "Content-Length: 100\r\n\r\nonly ten b");
    connection.shutdownSend();
    const auto response = parseRawResponse(connection.readAll());
    BOOST_TEST(response.status == 400);
}

// How many responses with this status line a raw byte stream holds.
std::size_t countResponses(const std::string& raw, const std::string& status_line) {
    std::size_t count = 0;
    for (auto at = raw.find(status_line); at != std::string::npos;
         at = raw.find(status_line, at + 1)) {
        ++count;
    }
    return count;
}

BOOST_AUTO_TEST_CASE(keep_alive_and_pipelined_requests_share_one_connection) {
    AuthdProcess::Options options;
    options.server_extra = "  keep_alive_timeout: 1s";
    AuthdProcess authd(options);
    RawConnection connection(authd.port());
    // Three requests in one write, the second with a chunked body; the connection stays open
    // after them (no Connection: close) until the idle timeout.
    connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: pipe-1\r\n\r\n"
                    "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n"
                    "GET /readyz HTTP/1.1\r\nHost: t\r\nX-Request-Id: pipe-3\r\n\r\n");
    const std::string raw = connection.readAll(std::chrono::seconds(10));
    BOOST_TEST(countResponses(raw, "HTTP/1.1 200 OK\r\n") == 2u, raw);
    BOOST_TEST(countResponses(raw, "HTTP/1.1 405 ") == 1u, raw);
    const auto first = raw.find("pipe-1");
    const auto method = raw.find("HTTP/1.1 405");
    const auto third = raw.find("pipe-3");
    BOOST_TEST((first < method && method < third), raw);
    BOOST_TEST(raw.find("Connection: close") == std::string::npos, raw);
    BOOST_TEST(raw.find(R"({"status":"ready"})") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(slow_clients_get_408_and_never_starve_other_clients) {
    AuthdProcess::Options options;
    options.server_extra = "  receive_timeout: 1s"; // the test config has 8 threads
    AuthdProcess authd(options);
    std::vector<std::unique_ptr<RawConnection>> stalled;
    for (int i = 0; i < 16; ++i) { // twice the workers, each stuck in its head or body
        stalled.push_back(std::make_unique<RawConnection>(authd.port()));
        stalled.back()->send(i % 2 == 0 ? "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: "
                                        : "POST /healthz HTTP/1.1\r\nHost: t\r\n"
                                          "Content-Length: 50\r\n\r\nabc");
    }
    BOOST_TEST(authd.get("/healthz").status == 200);
    for (auto& connection : stalled) {
        const auto response = parseRawResponse(connection->readAll(std::chrono::seconds(10)));
        BOOST_TEST(response.status == 408);
        BOOST_TEST(response.header("Connection") == "close");
    }
    BOOST_TEST(authd.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(malformed_and_smuggling_requests_are_refused_with_a_close) {
    AuthdProcess authd;
    const std::vector<std::pair<std::string, int>> cases = {
        {"GET /healthz HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n", 400},
        {"POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         400},
        {"POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n",
         400},
        {"POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        {"GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", 505},
        {"GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n", 414},
    };
    for (const auto& [bytes, status] : cases) {
        RawConnection connection(authd.port());
        connection.send(bytes);
        const auto response = parseRawResponse(connection.readAll(std::chrono::seconds(10)));
        BOOST_TEST(response.status == status, bytes.substr(0, 80));
        BOOST_TEST(response.header("Connection") == "close");
    }
    BOOST_TEST(authd.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(sigterm_lets_an_in_flight_request_finish_then_exits_0) {
    AuthdProcess authd;
    RawConnection connection(authd.port());
    const std::string body = "field=" + std::string(200, 'v');
    connection.send("POST /healthz HTTP/1.1\r\nHost: t\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 50));
    // The server is inside that request (reading its body) once the in-flight gauge shows it
    // beside the /metrics request itself.
    bool in_flight = false;
    for (int i = 0; i < 500 && !in_flight; ++i) {
        in_flight = metricValue(authd.get("/metrics").body, "authd_http_requests_in_flight") == 2;
        if (!in_flight) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    BOOST_REQUIRE(in_flight);
    authd.signal(SIGTERM);
    BOOST_REQUIRE(authd.waitForOutput(R"("event":"server.stopping")"));
    connection.send(body.substr(50));
    const auto response = parseRawResponse(connection.readAll());
    BOOST_TEST(response.status == 405); // the request completed normally after SIGTERM
    BOOST_TEST(response.header("Allow") == "GET, HEAD");
    BOOST_TEST(authd.wait(std::chrono::seconds(20)) == 0);
    BOOST_TEST(authd.output().find(R"("event":"server.stopped")") != std::string::npos);
    BOOST_TEST(authd.output().find(R"("drained":"true")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tls_listener_serves_https_only) {
    TempDir certs;
    const std::string cert = (certs.path() / "cert.pem").string();
    const std::string key = (certs.path() / "key.pem").string();
    makeCertificate(cert, key);
    AuthdProcess::Options options;
    options.server_extra = "  tls: { cert: \"" + cert + "\", key: \"" + key + "\" }";
    AuthdProcess authd(options);
    BOOST_TEST(authd.output().find(R"("tls":"true")") != std::string::npos);
    const auto [status, body] = httpsGet(authd.port(), "/healthz");
    BOOST_TEST(status == 200);
    BOOST_TEST(body == R"({"status":"ok"})");
    // Plain HTTP on the TLS port gets no HTTP answer, and the server carries on.
    RawConnection plain(authd.port());
    plain.send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    BOOST_TEST(plain.readAll(std::chrono::seconds(5)).find("200 OK") == std::string::npos);
    BOOST_TEST(httpsGet(authd.port(), "/readyz").first == 200);
    // The TLS listener is the net module's, opened for it (decision 0006).
    const std::string maps = mappedFiles(authd.pid());
    BOOST_TEST(maps.find("libauthd_net.so") != std::string::npos);
    BOOST_TEST(maps.find("libPocoNetSSL") != std::string::npos);
    BOOST_TEST(authd.stop() == 0);
}

BOOST_AUTO_TEST_CASE(plain_http_maps_neither_poco_net_nor_the_net_module) {
    AuthdProcess authd;
    BOOST_TEST(authd.get("/healthz").status == 200);
    const std::string maps = mappedFiles(authd.pid());
    BOOST_TEST(maps.find("libPocoNet") == std::string::npos, maps);
    BOOST_TEST(maps.find("libauthd_net.so") == std::string::npos, maps);
    BOOST_TEST(authd.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_exit_1_with_the_reason) {
    AuthdProcess first;
    TempDir dir;
    std::string yaml = testConfigYaml(dir.path());
    const std::string any_port = "\"127.0.0.1:0\"";
    const auto at = yaml.find(any_port);
    BOOST_REQUIRE(at != std::string::npos);
    yaml.replace(at, any_port.size(), "\"127.0.0.1:" + std::to_string(first.port()) + "\"");
    const auto result = runAuthd({"serve", "--config", dir.write("taken.yaml", yaml)});
    BOOST_TEST(result.exit_code == 1);
    BOOST_TEST(result.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) !=
                   std::string::npos,
               result.err);
    BOOST_TEST(result.err.find("already in use") != std::string::npos, result.err);
    BOOST_TEST(first.get("/healthz").status == 200);
}

BOOST_AUTO_TEST_CASE(unusable_tls_files_are_exit_1_with_the_reason) {
    TempDir dir;
    const std::string cert = dir.write("cert.pem", "not a certificate\n");
    const std::string key = dir.write("key.pem", "not a key\n");
    const std::string path = dir.write(
        "tls.yaml",
        testConfigYaml(dir.path(), {}, "  tls: { cert: \"" + cert + "\", key: \"" + key + "\" }"));
    const auto result = runAuthd({"serve", "--config", path});
    BOOST_TEST(result.exit_code == 1);
    BOOST_TEST(!result.err.empty());
    BOOST_TEST(result.err.find("terminate") == std::string::npos, result.err);
    BOOST_TEST(result.out.find("server.listening") == std::string::npos);
    // OpenSSL's error strings are not loaded at start; the first TLS use loads them, so the
    // reason is OpenSSL's text ("... routines::..."), not bare codes ("lib(N)::reason(N)").
    BOOST_TEST(result.err.find(" routines::") != std::string::npos, result.err);
    BOOST_TEST(result.err.find("reason(") == std::string::npos, result.err);
}

BOOST_AUTO_TEST_CASE(sigint_stops_an_idle_server_with_0) {
    AuthdProcess authd;
    BOOST_TEST(authd.get("/healthz").status == 200);
    authd.signal(SIGINT);
    BOOST_TEST(authd.wait(std::chrono::seconds(20)) == 0);
    BOOST_TEST(authd.output().find(R"("signal":"SIGINT")") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(version_and_help) {
    const auto version = runAuthd({"--version"});
    BOOST_TEST(version.exit_code == 0);
    BOOST_TEST(version.out.rfind("authd ", 0) == 0u);
    const auto help = runAuthd({"--help"});
    BOOST_TEST(help.exit_code == 0);
    BOOST_TEST(help.out.find("check-config FILE") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_command_or_flag_is_usage_and_exit_2) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"frobnicate"},
                                               {},
                                               {"serve"},
                                               {"serve", "--config"},
                                               {"serve", "--bogus", "x"},
                                               {"migrate", "--demo", "--config", "x.yaml"},
                                               {"check-config"},
                                               {"check-config", "a.yaml", "b.yaml"}}) {
        const auto result = runAuthd(args);
        BOOST_TEST(result.exit_code == 2);
        BOOST_TEST(result.err.find("usage: authd") != std::string::npos);
        BOOST_TEST(result.out.empty());
    }
}

BOOST_AUTO_TEST_CASE(check_config_accepts_a_good_file) {
    TempDir dir;
    const std::string path = dir.write("good.yaml", testConfigYaml(dir.path()));
    const auto result = runAuthd({"check-config", path});
    BOOST_TEST(result.exit_code == 0, result.err);
    BOOST_TEST(result.out == path + ": OK\n");
    // No side effects: no database was created.
    BOOST_TEST(!std::filesystem::exists(dir.path() / "var" / "authd.db"));
}

BOOST_AUTO_TEST_CASE(check_config_reports_every_problem_with_position) {
    TempDir dir;
    std::string yaml = testConfigYaml(dir.path());
    yaml += "no_such_key: 1\n";
    yaml = std::regex_replace(yaml, std::regex("threads: 8"), "threads: lots");
    const std::string path = dir.write("bad.yaml", yaml);
    const auto result = runAuthd({"check-config", path});
    BOOST_TEST(result.exit_code == 1);
    BOOST_TEST(hasFileLineColumn(result.err, path), result.err);
    BOOST_TEST(result.err.find("no_such_key") != std::string::npos, result.err);
    BOOST_TEST(result.err.find("threads") != std::string::npos, result.err);
    BOOST_TEST(result.out.empty());
}

BOOST_AUTO_TEST_CASE(check_config_validates_plugin_configs) {
    TempDir dir;
    const std::string storage =
        "storage:\n  plugin: sqlite\n  config:\n    path: x.db\n    bogus_option: 3\n";
    const std::string path = dir.write("plugin.yaml", testConfigYaml(dir.path(), storage));
    const auto result = runAuthd({"check-config", path});
    BOOST_TEST(result.exit_code == 1);
    BOOST_TEST(result.err.find("bogus_option") != std::string::npos, result.err);
    BOOST_TEST(hasFileLineColumn(result.err, path), result.err);
}

BOOST_AUTO_TEST_CASE(serve_refuses_bad_config_with_position_and_exit_1) {
    TempDir dir;
    struct Case {
        std::string name;
        std::string yaml;
        std::string expected;
    };
    const std::string base = testConfigYaml(dir.path());
    const std::vector<Case> cases = {
        {"unknown_key", base + "surprise: true\n", "surprise"},
        {"wrong_type", std::regex_replace(base, std::regex("threads: 8"), "threads: [1, 2]"),
         "threads"},
        {"missing_plugin",
         testConfigYaml(dir.path(), "storage:\n  plugin: nosuchstore\n  config: {}\n"),
         "nosuchstore"},
    };
    for (const Case& c : cases) {
        const std::string path = dir.write(c.name + ".yaml", c.yaml);
        const auto result = runAuthd({"serve", "--config", path});
        BOOST_TEST(result.exit_code == 1, c.name);
        BOOST_TEST(hasFileLineColumn(result.err, path), c.name + ": " + result.err);
        BOOST_TEST(result.err.find(c.expected) != std::string::npos, c.name + ": " + result.err);
        BOOST_TEST(result.err.find("terminate") == std::string::npos, c.name);
        BOOST_TEST(result.out.find("server.listening") == std::string::npos, c.name);
    }
}

BOOST_AUTO_TEST_CASE(missing_config_file_is_exit_1) {
    const auto result = runAuthd({"serve", "--config", "/nonexistent/authd.yaml"});
    BOOST_TEST(result.exit_code == 1);
    BOOST_TEST(result.err.find("/nonexistent/authd.yaml") != std::string::npos, result.err);
}

BOOST_AUTO_TEST_CASE(migrate_prints_the_schema_version_and_is_idempotent) {
    TempDir dir;
    const std::string path = dir.write("authd.yaml", testConfigYaml(dir.path()));
    const auto first = runAuthd({"migrate", "--config", path});
    BOOST_TEST(first.exit_code == 0, first.err);
    const std::regex version(R"(storage sqlite: schema version (\d+))");
    std::smatch match;
    BOOST_REQUIRE_MESSAGE(std::regex_search(first.out, match, version), first.out);
    BOOST_TEST(std::stoi(match[1]) >= 1);
    BOOST_TEST(std::filesystem::exists(dir.path() / "var" / "authd.db"));
    const auto second = runAuthd({"migrate", "--config", path});
    BOOST_TEST(second.exit_code == 0);
    BOOST_TEST(second.out.find("already current") != std::string::npos, second.out);
}

BOOST_AUTO_TEST_CASE(demo_prints_credentials_and_keeps_the_project_across_restarts) {
    TempDir dir;
    const std::string path = dir.write("authd.yaml", testConfigYaml(dir.path()));
    AuthdProcess::Options options;
    options.extra_args = {"--demo"};
    const std::regex secret_line(R"(client_secret  ([0-9a-f]{64}))");
    const std::regex key_line(R"(signing_key    ([0-9a-f]{64}))");
    const std::regex password_line(R"(password       (\S+))");
    std::string first_secret;
    std::string first_password;
    {
        AuthdProcess authd(path, options);
        const std::string out = authd.output();
        BOOST_TEST(out.find("client_id      proj_demo") != std::string::npos, out);
        BOOST_TEST(out.find("user           demo@example.com") != std::string::npos);
        std::smatch match;
        BOOST_REQUIRE(std::regex_search(out, match, secret_line));
        first_secret = match[1];
        BOOST_REQUIRE(std::regex_search(out, match, key_line));
        BOOST_REQUIRE(std::regex_search(out, match, password_line));
        first_password = match[1];
        BOOST_TEST(first_password.size() >= 20u);
        // The secrets appear in the demo block only, never in a log line.
        BOOST_TEST(out.find("\"" + first_secret + "\"") == std::string::npos);
        BOOST_TEST(authd.stop() == 0);
    }
    AuthdProcess again(path, options);
    const std::string out = again.output();
    std::smatch match;
    BOOST_REQUIRE(std::regex_search(out, match, secret_line));
    BOOST_TEST(match[1] == first_secret);
    BOOST_REQUIRE(std::regex_search(out, match, password_line));
    BOOST_TEST(match[1] != first_password);
    BOOST_TEST(again.stop() == 0);
    // Without --demo nothing secret is printed.
    AuthdProcess plain(path, AuthdProcess::Options{});
    BOOST_TEST(plain.output().find("client_secret") == std::string::npos);
    BOOST_TEST(plain.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// Registered separately (host_e2e_test_postgresql) with the `postgresql` CTest fixture, which
// passes the DSN file; disabled in the default run.
BOOST_AUTO_TEST_SUITE(postgresql, *boost::unit_test::disabled())

BOOST_AUTO_TEST_CASE(readyz_reports_a_reachable_postgresql_store) {
    const std::string dsn_file = pgDsnFile();
    BOOST_REQUIRE_MESSAGE(!dsn_file.empty(), "pass -- --pg-dsn-file=PATH");
    const std::string dsn = readFile(dsn_file);
    BOOST_REQUIRE_MESSAGE(!dsn.empty(), "no DSN in " + dsn_file);
    AuthdProcess::Options options;
    options.storage_yaml = authd::test::postgresqlStorageYaml(dsn);
    AuthdProcess authd(options);
    const auto ready = authd.get("/readyz");
    BOOST_TEST(ready.status == 200, ready.body);
    BOOST_TEST(ready.body == R"({"status":"ready"})");
    BOOST_TEST(authd.output().find(R"("plugin":"postgresql")") != std::string::npos);
    BOOST_TEST(authd.stop() == 0);
}

BOOST_AUTO_TEST_CASE(start_fails_clearly_when_postgresql_is_unreachable) {
    // A port nobody listens on: start-up itself must fail clearly (migrate cannot run).
    AuthdProcess::Options options;
    options.storage_yaml = authd::test::postgresqlStorageYaml(
        "host=127.0.0.1 port=1 dbname=none user=none connect_timeout=2");
    BOOST_CHECK_EXCEPTION(
        AuthdProcess authd(options), std::runtime_error, [](const std::runtime_error& e) {
            return std::string(e.what()).find("exited with code 1") != std::string::npos;
        });
}

BOOST_AUTO_TEST_SUITE_END()
