// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "config/secret_source.hpp"
#include "crypto/random.hpp"

using namespace authd::config;
namespace fs = std::filesystem;

namespace {

struct SecretFixture {
    SecretFixture()
        : dir(fs::temp_directory_path() / ("authd_secret_test_" + authd::crypto::randomHex(8))),
          env_var("AUTHD_TEST_SECRET_" + authd::crypto::randomHex(4)) {
        fs::create_directories(dir);
    }
    ~SecretFixture() {
        ::unsetenv(env_var.c_str());
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    SecretFixture(const SecretFixture&) = delete;
    SecretFixture& operator=(const SecretFixture&) = delete;

    std::string write(const std::string& name, const std::string& content) {
        const fs::path path = dir / name;
        std::ofstream(path, std::ios::binary) << content;
        return path.string();
    }

    fs::path dir;
    std::string env_var;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(secret_source, SecretFixture)

BOOST_AUTO_TEST_CASE(reads_environment_variable) {
    ::setenv(env_var.c_str(), "s3cret value", 1);
    BOOST_TEST(readSecret(env_var, "").value() == "s3cret value");
}

BOOST_AUTO_TEST_CASE(unset_environment_variable_is_named_in_the_error) {
    const auto secret = readSecret(env_var, "");
    BOOST_REQUIRE(!secret.has_value());
    BOOST_TEST(secret.error().message == "environment variable " + env_var + " is not set");
}

BOOST_AUTO_TEST_CASE(empty_environment_variable_is_refused) {
    ::setenv(env_var.c_str(), "", 1);
    const auto secret = readSecret(env_var, "");
    BOOST_REQUIRE(!secret.has_value());
    BOOST_TEST(secret.error().message == "environment variable " + env_var + " is empty");
}

BOOST_AUTO_TEST_CASE(file_loses_exactly_one_trailing_newline) {
    BOOST_TEST(readSecret("", write("a", "abc\n")).value() == "abc");
    BOOST_TEST(readSecret("", write("b", "abc\r\n")).value() == "abc");
    BOOST_TEST(readSecret("", write("c", "abc\n\n")).value() == "abc\n");
    BOOST_TEST(readSecret("", write("d", "abc")).value() == "abc");
    BOOST_TEST(readSecret("", write("e", " abc ")).value() == " abc ");
}

BOOST_AUTO_TEST_CASE(missing_file_is_named_in_the_error) {
    const std::string path = (dir / "absent").string();
    const auto secret = readSecret("", path);
    BOOST_REQUIRE(!secret.has_value());
    BOOST_TEST(secret.error().message.find(path) != std::string::npos);
    BOOST_TEST(secret.error().message.find("No such file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_file_is_refused) {
    for (const char* content : {"", "\n", "\r\n"}) {
        const auto secret = readSecret("", write("empty", content));
        BOOST_REQUIRE(!secret.has_value());
        BOOST_TEST(secret.error().message.find("is empty") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(directory_is_refused) {
    const auto secret = readSecret("", dir.string());
    BOOST_REQUIRE(!secret.has_value());
    BOOST_TEST(secret.error().message.find("not a regular file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(oversized_file_is_refused) {
    const auto secret = readSecret("", write("big", std::string(1024 * 1024 + 1, 'x')));
    BOOST_REQUIRE(!secret.has_value());
    BOOST_TEST(secret.error().message.find("larger than 1 MiB") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(exactly_one_source_is_required) {
    ::setenv(env_var.c_str(), "x", 1);
    const auto both = readSecret(env_var, write("f", "y"));
    BOOST_REQUIRE(!both.has_value());
    BOOST_TEST(both.error().message.find("not both") != std::string::npos);
    const auto neither = readSecret("", "");
    BOOST_REQUIRE(!neither.has_value());
    BOOST_TEST(neither.error().message.find("no source") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
