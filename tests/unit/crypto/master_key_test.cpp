// SPDX-License-Identifier: Apache-2.0
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "test_printers.hpp"
#include "crypto/master_key.hpp"
#include "crypto/random.hpp"

using namespace authd::crypto;
namespace fs = std::filesystem;
namespace sdk = authd::sdk;

namespace {

const std::string kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// A private temp folder and a private environment variable name per test.
struct MasterKeyFixture {
    MasterKeyFixture()
        : dir(fs::temp_directory_path() / ("authd_master_key_test_" + randomHex(8))),
          env_var("AUTHD_TEST_MASTER_KEY_" + randomHex(4)) {
        fs::create_directories(dir);
    }
    ~MasterKeyFixture() {
        ::unsetenv(env_var.c_str());
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    MasterKeyFixture(const MasterKeyFixture&) = delete;
    MasterKeyFixture& operator=(const MasterKeyFixture&) = delete;

    std::string writeKeyFile(const std::string& name, const std::string& content,
                             fs::perms mode) {
        const fs::path path = dir / name;
        std::ofstream(path) << content;
        fs::permissions(path, mode);
        return path.string();
    }

    fs::path dir;
    std::string env_var;
};

constexpr fs::perms kOwnerOnly = fs::perms::owner_read | fs::perms::owner_write;

// A value sealed under kKeyHex opens with the loaded key: the key really is kKeyHex.
bool holdsKnownKey(const MasterKey& key) {
    const SecretBox reference = SecretBox::fromHex(kKeyHex).value();
    return key.box.open(reference.seal("probe").value()).value_or("") == "probe";
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(master_key, MasterKeyFixture)

BOOST_AUTO_TEST_CASE(reads_hex_key_from_environment_first) {
    ::setenv(env_var.c_str(), kKeyHex.c_str(), 1);
    const std::string file = writeKeyFile("master.key", std::string(64, 'f'), kOwnerOnly);
    const auto key = loadMasterKey(env_var, file, true);
    BOOST_REQUIRE_MESSAGE(key.has_value(), errorText(key));
    BOOST_TEST(key->source == "env " + env_var);
    BOOST_TEST(!key->generated_dev_key);
    BOOST_TEST(holdsKnownKey(*key));
}

BOOST_AUTO_TEST_CASE(refuses_malformed_environment_key_without_echoing_it) {
    for (const std::string& bad : {std::string(63, 'a'), std::string(64, 'x'), std::string("short"),
                                  std::string(65, 'a')}) {
        ::setenv(env_var.c_str(), bad.c_str(), 1);
        const auto key = loadMasterKey(env_var, "", true);
        BOOST_REQUIRE(!key.has_value());
        BOOST_TEST(key.error().code == sdk::ErrorCode::invalid_config);
        BOOST_TEST(key.error().message.find(env_var) != std::string::npos);
        BOOST_TEST(key.error().message.find("64 hex") != std::string::npos);
        BOOST_TEST(key.error().message.find(bad) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(refuses_empty_environment_key) {
    ::setenv(env_var.c_str(), "", 1);
    const auto key = loadMasterKey(env_var, "", true);
    BOOST_REQUIRE(!key.has_value());
    BOOST_TEST(key.error().message.find("empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(reads_key_file_with_trailing_newline) {
    const std::string file = writeKeyFile("master.key", kKeyHex + "\n", kOwnerOnly);
    const auto key = loadMasterKey(env_var, file, false);
    BOOST_REQUIRE_MESSAGE(key.has_value(), errorText(key));
    BOOST_TEST(key->source == "file " + file);
    BOOST_TEST(!key->generated_dev_key);
    BOOST_TEST(holdsKnownKey(*key));
}

BOOST_AUTO_TEST_CASE(refuses_key_file_readable_by_others) {
    const std::string file = writeKeyFile(
        "master.key", kKeyHex, kOwnerOnly | fs::perms::group_read | fs::perms::others_read);
    const auto key = loadMasterKey(env_var, file, true);
    BOOST_REQUIRE(!key.has_value());
    BOOST_TEST(key.error().message.find("chmod 600") != std::string::npos);
    BOOST_TEST(key.error().message.find("0644") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_malformed_key_file) {
    const std::string file = writeKeyFile("master.key", "not a key\n", kOwnerOnly);
    const auto key = loadMasterKey(env_var, file, true);
    BOOST_REQUIRE(!key.has_value());
    BOOST_TEST(key.error().message.find(file) != std::string::npos);
    BOOST_TEST(key.error().message.find("64 hex") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refuses_directory_as_key_file) {
    fs::create_directories(dir / "keydir");
    fs::permissions(dir / "keydir", fs::perms::owner_all);
    const auto key = loadMasterKey(env_var, (dir / "keydir").string(), true);
    BOOST_REQUIRE(!key.has_value());
    BOOST_TEST(key.error().message.find("not a regular file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(generates_dev_key_with_mode_0600_and_reuses_it) {
    const std::string file = (dir / "nested" / "var" / "master.key").string();
    const auto key = loadMasterKey(env_var, file, true);
    BOOST_REQUIRE_MESSAGE(key.has_value(), errorText(key));
    BOOST_TEST(key->generated_dev_key);
    BOOST_TEST(key->source == "file " + file);

    struct stat info {};
    BOOST_REQUIRE(::stat(file.c_str(), &info) == 0);
    BOOST_TEST((info.st_mode & 07777) == 0600U);
    std::string content;
    std::getline(std::ifstream(file), content);
    BOOST_TEST(content.size() == 64U);

    // The second start reads the same key instead of generating another.
    const std::string sealed = key->box.seal("persisted").value();
    const auto again = loadMasterKey(env_var, file, true);
    BOOST_REQUIRE(again.has_value());
    BOOST_TEST(!again->generated_dev_key);
    BOOST_TEST(again->box.open(sealed).value() == "persisted");
}

BOOST_AUTO_TEST_CASE(missing_key_without_dev_default_names_the_variable) {
    const auto key = loadMasterKey(env_var, (dir / "absent.key").string(), false);
    BOOST_REQUIRE(!key.has_value());
    BOOST_TEST(key.error().code == sdk::ErrorCode::invalid_config);
    BOOST_TEST(key.error().message.find(env_var) != std::string::npos);
    BOOST_TEST(!fs::exists(dir / "absent.key"));
}

BOOST_AUTO_TEST_CASE(dev_default_needs_a_key_file_path) {
    const auto key = loadMasterKey(env_var, "", true);
    BOOST_REQUIRE(!key.has_value());
    BOOST_TEST(key.error().message.find(env_var) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(dev_key_generation_reports_unwritable_folder) {
    // A regular file where the parent folder should be.
    writeKeyFile("blocker", "x", kOwnerOnly);
    const auto key = loadMasterKey(env_var, (dir / "blocker" / "master.key").string(), true);
    BOOST_REQUIRE(!key.has_value());
    BOOST_TEST(key.error().message.find("blocker") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
