// SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE sdk_abi
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "authd/sdk/abi.hpp"

// Keeps the SDK's ABI honest (STYLE 9.2, Envoy's abi_version.h idea): any edit to
// framework/include/authd/sdk/*.hpp changes the hash, and this test fails until
// AUTHD_SDK_ABI_VERSION is bumped and ABI_HASH rewritten in the same commit.

namespace {

namespace fs = std::filesystem;

const fs::path kSdkDir = AUTHD_SDK_DIR;
const fs::path kUpdateScript = AUTHD_UPDATE_ABI_HASH;

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// CRLF -> LF, and the number in `#define AUTHD_SDK_ABI_VERSION <n>` (first such line that
// starts a line) -> N, exactly as tools/update-abi-hash.sh does with perl.
std::string normalize(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            continue;
        }
        out += text[i];
    }
    static const std::string kDefine = "#define AUTHD_SDK_ABI_VERSION ";
    for (std::size_t at = out.find(kDefine); at != std::string::npos;
         at = out.find(kDefine, at + 1)) {
        if (at != 0 && out[at - 1] != '\n') {
            continue;
        }
        const std::size_t digits = at + kDefine.size();
        std::size_t end = digits;
        while (end < out.size() && out[end] >= '0' && out[end] <= '9') {
            ++end;
        }
        if (end > digits) {
            out.replace(digits, end - digits, "N");
            break;
        }
    }
    return out;
}

std::string sdkHash(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".hpp") {
            names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());

    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    BOOST_REQUIRE(ctx != nullptr);
    BOOST_REQUIRE(EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1);
    const char nul = '\0';
    for (const auto& name : names) {
        const std::string content = normalize(readFile(dir / name));
        EVP_DigestUpdate(ctx, name.data(), name.size());
        EVP_DigestUpdate(ctx, &nul, 1);
        EVP_DigestUpdate(ctx, content.data(), content.size());
        EVP_DigestUpdate(ctx, &nul, 1);
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    BOOST_REQUIRE(EVP_DigestFinal_ex(ctx, digest.data(), &length) == 1);
    EVP_MD_CTX_free(ctx);

    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4U];
        hex += kHex[digest[i] & 0xFU];
    }
    return hex;
}

struct Recorded {
    long version = -1;
    std::string hash;
};

Recorded readAbiHash() {
    const std::string text = readFile(kSdkDir / "ABI_HASH");
    static const std::regex kFormat("^([0-9]+) ([0-9a-f]{64})\r?\n?$");
    std::smatch match;
    BOOST_REQUIRE_MESSAGE(std::regex_match(text, match, kFormat),
                          "framework/include/authd/sdk/ABI_HASH must hold '<ABI version> <sha256 "
                          "hex>' on one line; run tools/update-abi-hash.sh to rewrite it");
    return {std::stol(match[1].str()), match[2].str()};
}

std::string runScript(const std::string& arguments) {
    const std::string command = "'" + kUpdateScript.string() + "' " + arguments;
    FILE* pipe = popen(command.c_str(), "r");
    BOOST_REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 256> buffer{};
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
        out += buffer.data();
    }
    BOOST_REQUIRE_EQUAL(pclose(pipe), 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    return out;
}

class TempDir {
public:
    TempDir() {
        std::random_device seed;
        path_ = fs::temp_directory_path() /
                ("authd-abi-" + std::to_string(seed()) + std::to_string(seed()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }
    void write(const std::string& name, const std::string& content) const {
        std::ofstream(path_ / name, std::ios::binary) << content;
    }

private:
    fs::path path_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sdk_abi)

BOOST_AUTO_TEST_CASE(sdk_headers_match_the_recorded_abi_hash) {
    const Recorded recorded = readAbiHash();
    const std::string actual = sdkHash(kSdkDir);
    const long next = static_cast<long>(AUTHD_SDK_ABI_VERSION) + 1;
    BOOST_CHECK_MESSAGE(
        actual == recorded.hash,
        "The SDK headers (framework/include/authd/sdk/*.hpp) changed: their hash is "
            << actual << " but ABI_HASH records " << recorded.hash << " for ABI "
            << recorded.version
            << ". Every SDK change breaks built plugins, so bump AUTHD_SDK_ABI_VERSION in "
               "framework/include/authd/sdk/abi.hpp to "
            << next << " and set framework/include/authd/sdk/ABI_HASH to \"" << next << " "
            << actual << "\" (tools/update-abi-hash.sh writes it), in the same commit.");
}

BOOST_AUTO_TEST_CASE(recorded_version_is_the_compiled_abi_version) {
    const Recorded recorded = readAbiHash();
    BOOST_CHECK_MESSAGE(recorded.version == static_cast<long>(AUTHD_SDK_ABI_VERSION),
                        "ABI_HASH records ABI "
                            << recorded.version
                            << " but abi.hpp defines "
                               "AUTHD_SDK_ABI_VERSION "
                            << AUTHD_SDK_ABI_VERSION
                            << "; run tools/update-abi-hash.sh so that both agree");
}

BOOST_AUTO_TEST_CASE(abi_hash_file_is_not_one_of_the_hashed_headers) {
    BOOST_TEST(fs::path("ABI_HASH").extension() != ".hpp");
    BOOST_TEST(fs::exists(kSdkDir / "abi.hpp"));
}

BOOST_AUTO_TEST_CASE(hash_ignores_line_endings_and_the_version_number_only) {
    TempDir lf;
    lf.write("a.hpp", "#pragma once\n#define AUTHD_SDK_ABI_VERSION 1\nint a;\n");
    lf.write("b.hpp", "struct B {};\n");
    lf.write("notes.txt", "not part of the ABI\n");
    TempDir crlf;
    crlf.write("a.hpp", "#pragma once\r\n#define AUTHD_SDK_ABI_VERSION 7\r\nint a;\r\n");
    crlf.write("b.hpp", "struct B {};\r\n");
    BOOST_TEST(sdkHash(lf.path()) == sdkHash(crlf.path()));

    TempDir changed;
    changed.write("a.hpp", "#pragma once\n#define AUTHD_SDK_ABI_VERSION 1\nint a, b;\n");
    changed.write("b.hpp", "struct B {};\n");
    BOOST_TEST(sdkHash(lf.path()) != sdkHash(changed.path()));

    // Moving text between files changes the hash: names are part of it.
    TempDir renamed;
    renamed.write("a.hpp", "#pragma once\n#define AUTHD_SDK_ABI_VERSION 1\nint a;\n");
    renamed.write("c.hpp", "struct B {};\n");
    BOOST_TEST(sdkHash(lf.path()) != sdkHash(renamed.path()));

    // Only the define's number is ignored, not a number anywhere else.
    TempDir other_number;
    other_number.write("a.hpp", "#pragma once\n#define AUTHD_SDK_ABI_VERSION 1\nint a[2];\n");
    other_number.write("b.hpp", "struct B {};\n");
    TempDir other_number2;
    other_number2.write("a.hpp", "#pragma once\n#define AUTHD_SDK_ABI_VERSION 1\nint a[3];\n");
    other_number2.write("b.hpp", "struct B {};\n");
    BOOST_TEST(sdkHash(other_number.path()) != sdkHash(other_number2.path()));
}

BOOST_AUTO_TEST_CASE(update_script_computes_the_same_hash) {
    BOOST_TEST(runScript("--print") == sdkHash(kSdkDir));
    TempDir crlf;
    crlf.write("a.hpp", "#pragma once\r\n#define AUTHD_SDK_ABI_VERSION 12\r\nint a;\r\n");
    crlf.write("z.hpp", "no newline at the end\r");
    BOOST_TEST(runScript("--print '" + crlf.path().string() + "'") == sdkHash(crlf.path()));
}

BOOST_AUTO_TEST_SUITE_END()
