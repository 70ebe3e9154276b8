// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "plugin/elf_probe.hpp"
#include "plugin_loader/loader_test_support.hpp"

namespace {

using authd::plugin::ElfVerdict;
using authd::plugin::probeElfSymbol;
using authd::test::fixturePath;
using authd::test::TempDir;

authd::plugin::ElfProbe probeManifest(const std::filesystem::path& file) {
    return probeElfSymbol(file, "authd", "authd_plugin_manifest");
}

template <typename T>
void poke(std::vector<char>& bytes, std::size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(elf_probe)

BOOST_AUTO_TEST_CASE(finds_the_manifest_of_a_real_plugin) {
    const auto probe = probeManifest(fixturePath("good_mailer"));
    BOOST_TEST(static_cast<int>(probe.verdict) == static_cast<int>(ElfVerdict::plugin));
}

BOOST_AUTO_TEST_CASE(reports_a_missing_file_as_unreadable) {
    const auto probe = probeManifest(fixturePath("does_not_exist"));
    BOOST_TEST(static_cast<int>(probe.verdict) == static_cast<int>(ElfVerdict::unreadable));
    BOOST_TEST(probe.detail == std::strerror(ENOENT));
}

BOOST_AUTO_TEST_CASE(finds_an_ordinary_exported_function_only_where_it_is) {
    // no_manifest exports authd_fixture_answer from .text.
    auto probe = probeElfSymbol(fixturePath("no_manifest"), ".text", "authd_fixture_answer");
    BOOST_TEST(static_cast<int>(probe.verdict) == static_cast<int>(ElfVerdict::plugin));
    probe = probeElfSymbol(fixturePath("no_manifest"), "authd", "authd_fixture_answer");
    BOOST_TEST(static_cast<int>(probe.verdict) == static_cast<int>(ElfVerdict::symbol_elsewhere));
    BOOST_TEST(probe.detail == "exported from section .text");
}

BOOST_AUTO_TEST_CASE(refuses_implausible_section_counts) {
    TempDir dir;
    auto bytes = authd::test::readBytes(fixturePath("good_mailer"));
    const auto file = dir.path() / "x.so";
    // e_shnum (offset 60 in ELF64) at its maximum, pointing past the end of the file.
    auto many = bytes;
    poke<std::uint16_t>(many, 60, 0xFFFF);
    authd::test::writeBytes(file, many);
    auto probe = probeManifest(file);
    BOOST_TEST(static_cast<int>(probe.verdict) == static_cast<int>(ElfVerdict::damaged));
    // e_shoff (offset 40) far beyond the file.
    auto far = bytes;
    poke<std::uint64_t>(far, 40, std::uint64_t{1} << 60);
    authd::test::writeBytes(file, far);
    probe = probeManifest(file);
    BOOST_TEST(static_cast<int>(probe.verdict) == static_cast<int>(ElfVerdict::damaged));
    BOOST_TEST(probe.detail == "section header table outside the file");
    // e_shentsize (offset 58) that is not the native section header size.
    auto odd = bytes;
    poke<std::uint16_t>(odd, 58, 12);
    authd::test::writeBytes(file, odd);
    probe = probeManifest(file);
    BOOST_TEST(static_cast<int>(probe.verdict) == static_cast<int>(ElfVerdict::damaged));
}

BOOST_AUTO_TEST_CASE(survives_thousands_of_corrupted_libraries) {
    // Boost.DLL 1.74's library_info crashed on about one in twelve of these; the probe must
    // return a verdict for every one (ASan builds also check it reads nothing out of bounds).
    // The small no_manifest library keeps the rounds cheap; its exported function plays the
    // manifest. Bytes are patched in place and restored, so each round writes a few bytes.
    static_assert(sizeof(void*) == 8, "offsets below are ELF64");
    TempDir dir;
    const auto original = authd::test::readBytes(fixturePath("no_manifest"));
    std::uint64_t section_table = 0;
    std::memcpy(&section_table, original.data() + 40, sizeof section_table);
    BOOST_REQUIRE(section_table > 0 && section_table < original.size());
    const auto file = dir.path() / "authd_corrupt.so";
    authd::test::writeBytes(file, original);
    std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
    BOOST_REQUIRE(io.is_open());

    std::mt19937 rng(20240611);  // fixed seed: the same corruptions on every run
    int verdicts[8] = {};
    for (int round = 0; round < 3000; ++round) {
        std::vector<std::size_t> touched;
        const int edits = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < edits; ++i) {
            std::size_t at = 0;
            switch (rng() % 3) {
            case 0: at = rng() % 64; break;  // the ELF header
            case 1:
                at = static_cast<std::size_t>(section_table) +
                     rng() % (original.size() - section_table);
                break;
            default: at = rng() % original.size(); break;
            }
            io.seekp(static_cast<std::streamoff>(at));
            io.put(static_cast<char>(rng() & 0xFF));
            touched.push_back(at);
        }
        io.flush();
        const auto probe = probeElfSymbol(file, ".text", "authd_fixture_answer");
        const auto index = static_cast<std::size_t>(probe.verdict);
        BOOST_REQUIRE(index < 8);
        ++verdicts[index];
        if (probe.verdict != ElfVerdict::plugin) {
            BOOST_REQUIRE_MESSAGE(!probe.detail.empty(), "round " << round << " gave no detail");
        }
        for (const std::size_t at : touched) {
            io.seekp(static_cast<std::streamoff>(at));
            io.put(original[at]);
        }
        io.flush();
    }
    // The corruptions reach every class of damage, not just one early exit.
    BOOST_TEST(verdicts[static_cast<int>(ElfVerdict::plugin)] > 0);
    BOOST_TEST(verdicts[static_cast<int>(ElfVerdict::damaged)] > 0);
    BOOST_TEST(verdicts[static_cast<int>(ElfVerdict::wrong_architecture)] > 0);
    BOOST_TEST(verdicts[static_cast<int>(ElfVerdict::not_shared_library)] > 0);
    BOOST_TEST(verdicts[static_cast<int>(ElfVerdict::no_symbol)] +
                   verdicts[static_cast<int>(ElfVerdict::symbol_elsewhere)] >
               0);
}

BOOST_AUTO_TEST_SUITE_END()
