// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE outbox
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/authd_config.hpp"
#include "plugin/plugin_loader.hpp"
#include "plugin/plugin_registry.hpp"
#include "plugin_loader/loader_test_support.hpp"
#include "plugin_loader/test_host.hpp"

namespace {

namespace fs = std::filesystem;
using authd::sdk::ErrorCode;
using authd::test::TempDir;

// --- a small reader for what the outbox writes: RFC 5322 headers, RFC 2047 words, MIME parts

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string base64Decode(const std::string& text) {
    static const std::string kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (const char c : text) {
        if (c == '=') {
            break;
        }
        const auto index = kAlphabet.find(c);
        BOOST_REQUIRE_MESSAGE(index != std::string::npos, "bad base64 character " << c);
        bits = (bits << 6U) | static_cast<unsigned>(index);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> static_cast<unsigned>(count)) & 0xFFU);
        }
    }
    return out;
}

// RFC 2047: encoded words, with the whitespace between adjacent words dropped.
std::string decodeWords(const std::string& value) {
    static const std::regex kWord(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
    std::string out;
    auto begin = std::sregex_iterator(value.begin(), value.end(), kWord);
    std::size_t last = 0;
    bool previous_was_word = false;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::string between =
            value.substr(last, static_cast<std::size_t>(it->position()) - last);
        if (!(previous_was_word && between.find_first_not_of(" \t") == std::string::npos)) {
            out += between;
        }
        out += base64Decode((*it)[1].str());
        last = static_cast<std::size_t>(it->position() + it->length());
        previous_was_word = true;
    }
    return out + value.substr(last);
}

std::string decodeQuotedPrintable(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
        } else if (text.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;  // soft line break
        } else {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        }
    }
    return out;
}

struct Entity {
    std::map<std::string, std::string> headers;  // lower-case names, unfolded values
    std::string raw_body;
    std::string body;  // transfer-decoded
};

Entity parseEntity(const std::string& raw) {
    Entity entity;
    const auto split = raw.find("\r\n\r\n");
    BOOST_REQUIRE_MESSAGE(split != std::string::npos, "no blank line after the headers");
    const std::string block = raw.substr(0, split + 2);
    entity.raw_body = raw.substr(split + 4);
    std::string current;
    std::size_t start = 0;
    auto flush = [&] {
        if (current.empty()) {
            return;
        }
        const auto colon = current.find(':');
        BOOST_REQUIRE_MESSAGE(colon != std::string::npos, "header without colon: " << current);
        std::string value = current.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        const std::string name = lower(current.substr(0, colon));
        BOOST_REQUIRE_MESSAGE(entity.headers.count(name) == 0, "duplicate header " << name);
        entity.headers[name] = value;
        current.clear();
    };
    while (start < block.size()) {
        const auto end = block.find("\r\n", start);
        const std::string line = block.substr(start, end - start);
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            current += line;  // unfolding drops only the CRLF
        } else {
            flush();
            current = line;
        }
        start = end + 2;
    }
    flush();
    const std::string encoding = lower(entity.headers["content-transfer-encoding"]);
    entity.body =
        encoding == "quoted-printable" ? decodeQuotedPrintable(entity.raw_body) : entity.raw_body;
    return entity;
}

struct Mail {
    std::string raw;
    Entity top;
    std::vector<Entity> parts;  // empty for a single-part message
};

Mail parseMail(const fs::path& file) {
    Mail mail;
    mail.raw = readFile(file);
    // CRLF only: no bare LF or CR anywhere, and no line over 998 octets.
    for (std::size_t i = 0; i < mail.raw.size(); ++i) {
        if (mail.raw[i] == '\n') {
            BOOST_REQUIRE_MESSAGE(i > 0 && mail.raw[i - 1] == '\r', "bare LF at " << i);
        }
        if (mail.raw[i] == '\r') {
            BOOST_REQUIRE_MESSAGE(i + 1 < mail.raw.size() && mail.raw[i + 1] == '\n',
                                  "bare CR at " << i);
        }
    }
    mail.top = parseEntity(mail.raw);
    const std::string type = mail.top.headers["content-type"];
    static const std::regex kBoundary(R"re(multipart/alternative; boundary="([^"]+)")re");
    std::smatch match;
    if (std::regex_search(type, match, kBoundary)) {
        const std::string delimiter = "--" + match[1].str();
        const std::string& body = mail.top.raw_body;
        std::size_t at = body.find(delimiter + "\r\n");
        BOOST_REQUIRE(at != std::string::npos);
        while (true) {
            const std::size_t content = at + delimiter.size() + 2;
            const std::size_t next = body.find("\r\n" + delimiter, content);
            BOOST_REQUIRE(next != std::string::npos);
            // The CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
            mail.parts.push_back(parseEntity(body.substr(content, next - content)));
            at = next + 2;
            if (body.compare(at + delimiter.size(), 2, "--") == 0) {
                break;
            }
        }
    }
    return mail;
}

std::vector<fs::path> listDir(const fs::path& dir) {
    std::vector<fs::path> files;
    if (fs::exists(dir)) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string withoutFinalNewline(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
    return text;
}

std::string crlf(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '\n') {
            out += '\r';
        }
        out += c;
    }
    return out;
}

// --- the plugin, loaded and configured the way authd does it

struct OutboxFixture {
    TempDir temp;
    authd::test::MinimalHost host;
    authd::test::RecordingTestLogger log;
    authd::plugin::PluginRegistry registry{{AUTHD_OUTBOX_DIR}, log};

    fs::path outbox() const { return temp.path() / "var" / "outbox"; }

    authd::sdk::Result<authd::sdk::MailerPtr> make(const std::string& config_yaml) {
        const std::string text = "server: { issuer: \"http://127.0.0.1:8080\" }\n"
                                 "plugins: { paths: [\"" AUTHD_OUTBOX_DIR "\"] }\n"
                                 "storage: { plugin: sqlite }\n"
                                 "mail: { plugin: outbox, config: " +
                                 config_yaml + " }\n";
        auto config = authd::config::loadConfigText(text, "authd.yaml");
        BOOST_REQUIRE_MESSAGE(config, (config ? "" : config.error().message));
        return registry.createMailer(*config->mail, host);
    }

    authd::sdk::MailerPtr mailer() {
        auto made = make("{ dir: \"" + outbox().string() + "\" }");
        BOOST_REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
        return std::move(*made);
    }

    Mail onlyMail() {
        const auto files = listDir(outbox());
        BOOST_REQUIRE_EQUAL(files.size(), 1U);
        return parseMail(files[0]);
    }
};

authd::sdk::MailMessage message(std::string to, std::string subject, std::string text,
                                std::string html = {}) {
    authd::sdk::MailMessage m;
    m.to = std::move(to);
    m.subject = std::move(subject);
    m.text_body = std::move(text);
    m.html_body = std::move(html);
    return m;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(outbox, OutboxFixture)

BOOST_AUTO_TEST_CASE(loads_through_the_host_loader) {
    auto loaded =
        authd::plugin::loadPlugin("outbox", authd::sdk::PluginKind::mailer, {AUTHD_OUTBOX_DIR});
    BOOST_REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
    BOOST_TEST(std::string(loaded->manifest->name) == "outbox");
    BOOST_TEST(loaded->manifest->abi_version == AUTHD_SDK_ABI_VERSION);
    auto schema = registry.schemaFor("outbox", authd::sdk::PluginKind::mailer);
    BOOST_REQUIRE(schema);
    BOOST_REQUIRE_EQUAL(schema->keys().size(), 2U);
    BOOST_TEST(schema->keys()[0].name == "dir");
    BOOST_TEST(schema->keys()[0].required);
    BOOST_TEST(schema->keys()[1].name == "from");
    BOOST_TEST(schema->keys()[1].default_value == "authd@localhost");
}

BOOST_AUTO_TEST_CASE(writes_a_text_message_with_rfc5322_headers) {
    auto mailer = this->mailer();
    BOOST_TEST(fs::is_directory(outbox()));  // created by the factory
    BOOST_REQUIRE((mailer->send(message("ada@example.test", "Your code", "Code: 123456\nBye\n"))));

    const auto files = listDir(outbox());
    BOOST_REQUIRE_EQUAL(files.size(), 1U);
    const std::string name = files[0].filename().string();
    BOOST_TEST(std::regex_match(name, std::regex(R"(20231114T221320Z-[A-Za-z0-9_-]{12}\.eml)")),
               name);
    struct stat info {};
    BOOST_REQUIRE(::stat(files[0].c_str(), &info) == 0);
    BOOST_TEST((info.st_mode & 0777U) == 0600U);

    const Mail mail = parseMail(files[0]);
    auto headers = mail.top.headers;
    BOOST_TEST(headers["date"] == "Tue, 14 Nov 2023 22:13:20 +0000");
    BOOST_TEST(headers["from"] == "authd@localhost");
    BOOST_TEST(headers["to"] == "ada@example.test");
    BOOST_TEST(headers["subject"] == "Your code");
    BOOST_TEST(
        std::regex_match(headers["message-id"], std::regex(R"(<[A-Za-z0-9_-]{24}@localhost>)")),
        headers["message-id"]);
    BOOST_TEST(headers["mime-version"] == "1.0");
    BOOST_TEST(headers["content-type"] == "text/plain; charset=utf-8");
    BOOST_TEST(headers["content-transfer-encoding"] == "7bit");
    BOOST_TEST(mail.top.body == "Code: 123456\r\nBye\r\n");
    BOOST_TEST(mail.raw.rfind("Date: ", 0) == 0);  // Date first, as most writers do
}

BOOST_AUTO_TEST_CASE(writes_multipart_alternative_with_both_parts) {
    auto mailer = this->mailer();
    const std::string text = "Bonjour Zoë,\nouvrez https://idp.test/login/link?token=abc&x=1\n";
    const std::string html =
        "<p>Bonjour Zo&euml;, <a href=\"https://idp.test/login/link?token=abc&amp;x=1\">"
        "ouvrir</a></p>\n";
    BOOST_REQUIRE((mailer->send(message("zoe@example.test", "Sign in", text, html))));
    const Mail mail = onlyMail();
    BOOST_TEST(mail.top.headers.at("content-type")
                   .rfind("multipart/alternative; boundary=\"=_authd_", 0) == 0);
    BOOST_REQUIRE_EQUAL(mail.parts.size(), 2U);
    BOOST_TEST(mail.parts[0].headers.at("content-type") == "text/plain; charset=utf-8");
    BOOST_TEST(mail.parts[0].headers.at("content-transfer-encoding") == "8bit");
    BOOST_TEST(withoutFinalNewline(mail.parts[0].body) == withoutFinalNewline(crlf(text)));
    BOOST_TEST(mail.parts[1].headers.at("content-type") == "text/html; charset=utf-8");
    BOOST_TEST(mail.parts[1].headers.at("content-transfer-encoding") == "7bit");
    BOOST_TEST(withoutFinalNewline(mail.parts[1].body) == withoutFinalNewline(crlf(html)));
    // Links stay greppable in the file: 7bit/8bit parts are written as they are.
    BOOST_TEST(mail.raw.find("https://idp.test/login/link?token=abc&x=1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lines_too_long_for_8bit_use_quoted_printable) {
    auto mailer = this->mailer();
    const std::string long_line = "<p>" + std::string(1500, 'a') + "=é</p>";
    BOOST_REQUIRE((mailer->send(message("ada@example.test", "Long", "short text", long_line))));
    const Mail mail = onlyMail();
    BOOST_REQUIRE_EQUAL(mail.parts.size(), 2U);
    BOOST_TEST(mail.parts[1].headers.at("content-transfer-encoding") == "quoted-printable");
    BOOST_TEST(withoutFinalNewline(mail.parts[1].body) == long_line);
    std::size_t start = 0;
    const std::string& raw = mail.parts[1].raw_body;
    while (start < raw.size()) {
        auto end = raw.find("\r\n", start);
        if (end == std::string::npos) {
            end = raw.size();  // the part's last CRLF belongs to the delimiter
        }
        BOOST_TEST(end - start <= 76U);
        start = end + 2;
    }
}

BOOST_AUTO_TEST_CASE(encodes_a_non_ascii_subject_as_rfc2047) {
    auto mailer = this->mailer();
    const std::string subject =
        "Bienvenue à authd — votre lien de connexion est prêt ✓ (valable 15 minutes)";
    BOOST_REQUIRE((mailer->send(message("ada@example.test", subject, "x"))));
    const Mail mail = onlyMail();
    const std::string raw_subject = mail.top.headers.at("subject");
    for (const char c : raw_subject) {
        BOOST_REQUIRE(static_cast<unsigned char>(c) < 0x80U);
    }
    BOOST_TEST(raw_subject.rfind("=?UTF-8?B?", 0) == 0);
    BOOST_TEST(decodeWords(raw_subject) == subject);
    // Folded: no header line exceeds 78 octets.
    const std::string head = mail.raw.substr(0, mail.raw.find("\r\n\r\n"));
    std::size_t start = 0;
    while (start < head.size()) {
        auto end = head.find("\r\n", start);
        if (end == std::string::npos) {
            end = head.size();
        }
        BOOST_TEST(end - start <= 78U, head.substr(start, end - start));
        start = end + 2;
    }
}

BOOST_AUTO_TEST_CASE(folds_a_long_ascii_subject_without_changing_it) {
    auto mailer = this->mailer();
    std::string subject;
    for (int i = 0; i < 30; ++i) {
        subject += "word" + std::to_string(i) + " ";
    }
    subject += "end";
    BOOST_REQUIRE((mailer->send(message("ada@example.test", subject, "x"))));
    const Mail mail = onlyMail();
    BOOST_TEST(mail.top.headers.at("subject") == subject);
    BOOST_TEST(mail.raw.find("Subject: word0") != std::string::npos);
    BOOST_TEST(mail.raw.find("\r\n word") != std::string::npos);  // at least one fold
}

BOOST_AUTO_TEST_CASE(message_from_overrides_the_configured_sender) {
    auto made = make("{ dir: \"" + outbox().string() + "\", from: \"noreply@idp.test\" }");
    BOOST_REQUIRE(made);
    auto& mailer = *made;
    BOOST_REQUIRE((mailer->send(message("a@example.test", "one", "x"))));
    auto custom = message("b@example.test", "two", "y");
    custom.from = "security@idp.test";
    BOOST_REQUIRE((mailer->send(custom)));
    std::set<std::string> senders;
    std::set<std::string> id_domains;
    for (const auto& file : listDir(outbox())) {
        const Mail mail = parseMail(file);
        senders.insert(mail.top.headers.at("from"));
        const std::string id = mail.top.headers.at("message-id");
        id_domains.insert(id.substr(id.find('@') + 1));
    }
    BOOST_TEST((senders == std::set<std::string>{"noreply@idp.test", "security@idp.test"}));
    BOOST_TEST((id_domains == std::set<std::string>{"idp.test>"}));
}

BOOST_AUTO_TEST_CASE(refuses_header_injection) {
    auto mailer = this->mailer();
    const std::vector<authd::sdk::MailMessage> attacks = [] {
        std::vector<authd::sdk::MailMessage> list;
        list.push_back(message("ada@example.test\r\nBcc: eve@evil.test", "hi", "x"));
        list.push_back(message("ada@example.test\nBcc: eve@evil.test", "hi", "x"));
        list.push_back(message("ada@example.test", "hi\r\nBcc: eve@evil.test", "x"));
        list.push_back(message("ada@example.test", "hi\rX-Evil: 1", "x"));
        auto from = message("ada@example.test", "hi", "x");
        from.from = "me@idp.test\r\nBcc: eve@evil.test";
        list.push_back(from);
        return list;
    }();
    for (const auto& attack : attacks) {
        auto sent = mailer->send(attack);
        BOOST_REQUIRE(!sent);
        BOOST_TEST(static_cast<int>(sent.error().code) ==
                   static_cast<int>(ErrorCode::invalid_argument));
        BOOST_TEST(sent.error().message.find("header injection refused") != std::string::npos,
                   sent.error().message);
    }
    BOOST_TEST(listDir(outbox()).empty());
}

BOOST_AUTO_TEST_CASE(refuses_messages_it_cannot_write_correctly) {
    auto mailer = this->mailer();
    const std::vector<std::pair<authd::sdk::MailMessage, std::string>> cases = {
        {message("", "hi", "x"), "recipient is not a plain address"},
        {message("not an address", "hi", "x"), "recipient is not a plain address"},
        {message("a@b.test, c@d.test", "hi", "x"), "recipient is not a plain address"},
        {message("Ada <ada@example.test>", "hi", "x"), "recipient is not a plain address"},
        {message("ada@example.test", "bell\x07", "x"), "control characters"},
        {message("ada@example.test", "bad \xC3", "x"), "not valid UTF-8"},
        {message("ada@example.test", "hi", "bad \xFF body"), "not valid UTF-8"},
        {message("ada@example.test", "hi", ""), "neither a text nor an HTML body"},
    };
    for (const auto& [bad, expected] : cases) {
        auto sent = mailer->send(bad);
        BOOST_REQUIRE(!sent);
        BOOST_TEST(static_cast<int>(sent.error().code) ==
                   static_cast<int>(ErrorCode::invalid_argument));
        BOOST_TEST(sent.error().message.find(expected) != std::string::npos, sent.error().message);
    }
    BOOST_TEST(listDir(outbox()).empty());
}

BOOST_AUTO_TEST_CASE(concurrent_sends_produce_distinct_complete_files) {
    auto mailer = this->mailer();
    constexpr int kThreads = 8;
    constexpr int kEach = 25;
    std::vector<std::thread> threads;
    std::vector<int> failures(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const std::string tag = std::to_string(t) + "-" + std::to_string(i);
                auto sent = mailer->send(message("user" + tag + "@example.test", "msg " + tag,
                                                 "body " + tag, "<p>" + tag + "</p>"));
                failures[static_cast<std::size_t>(t)] += sent ? 0 : 1;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const int failed : failures) {
        BOOST_TEST(failed == 0);
    }
    const auto files = listDir(outbox());
    BOOST_REQUIRE_EQUAL(files.size(), static_cast<std::size_t>(kThreads * kEach));
    std::set<std::string> subjects;
    for (const auto& file : files) {
        BOOST_REQUIRE(file.extension() == ".eml");  // no temporary file left behind
        const Mail mail = parseMail(file);
        BOOST_REQUIRE_EQUAL(mail.parts.size(), 2U);
        const std::string subject = mail.top.headers.at("subject");
        const std::string tag = subject.substr(4);
        BOOST_TEST(mail.top.headers.at("to") == "user" + tag + "@example.test");
        BOOST_TEST(withoutFinalNewline(mail.parts[0].body) == "body " + tag);
        subjects.insert(subject);
    }
    BOOST_TEST(subjects.size() == static_cast<std::size_t>(kThreads * kEach));
}

BOOST_AUTO_TEST_CASE(recreates_the_folder_if_it_disappears) {
    auto mailer = this->mailer();
    fs::remove_all(outbox());
    BOOST_REQUIRE((mailer->send(message("ada@example.test", "again", "x"))));
    BOOST_TEST(listDir(outbox()).size() == 1U);
}

BOOST_AUTO_TEST_CASE(reports_an_unwritable_folder) {
    auto mailer = this->mailer();
    fs::remove_all(outbox());
    std::ofstream(outbox()) << "a file where the folder was";
    auto sent = mailer->send(message("ada@example.test", "hi", "x"));
    BOOST_REQUIRE(!sent);
    BOOST_TEST(static_cast<int>(sent.error().code) == static_cast<int>(ErrorCode::unavailable));
    BOOST_TEST(sent.error().message.find(outbox().string()) != std::string::npos,
               sent.error().message);
}

BOOST_AUTO_TEST_CASE(config_errors_name_the_key) {
    auto missing = make("{ from: authd@localhost }");
    BOOST_REQUIRE(!missing);
    BOOST_TEST(missing.error().message.find("missing required key \"dir\"") != std::string::npos,
               missing.error().message);

    auto bad_from = make("{ dir: \"" + outbox().string() + "\", from: \"Ada <ada@x.test>\" }");
    BOOST_REQUIRE(!bad_from);
    BOOST_TEST(bad_from.error().message.find("mail.config.from: expected a plain address") !=
                   std::string::npos,
               bad_from.error().message);

    auto empty_dir = make("{ dir: \"\" }");
    BOOST_REQUIRE(!empty_dir);
    BOOST_TEST(empty_dir.error().message.find("mail.config.dir") != std::string::npos,
               empty_dir.error().message);

    fs::create_directories(temp.path());
    std::ofstream(temp.path() / "plain-file") << "x";
    auto file_dir = make("{ dir: \"" + (temp.path() / "plain-file").string() + "\" }");
    BOOST_REQUIRE(!file_dir);
    BOOST_TEST(static_cast<int>(file_dir.error().code) == static_cast<int>(ErrorCode::unavailable));
    BOOST_TEST(file_dir.error().message.find("cannot use") != std::string::npos,
               file_dir.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
