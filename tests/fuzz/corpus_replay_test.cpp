// SPDX-License-Identifier: Apache-2.0
// Replays a fuzz target's corpus (tests/fuzz/corpus/<target>/, AUTHD_CORPUS) through the target
// with the regular build, so that the inputs that once broke it (and the seeds) are checked on
// every test run. Linked once per target (tests/fuzz/CMakeLists.txt).
#define BOOST_TEST_MODULE fuzz_corpus
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <boost/test/unit_test.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

BOOST_AUTO_TEST_CASE(every_corpus_input_parses_or_fails_cleanly_and_round_trips) {
    std::size_t replayed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(AUTHD_CORPUS)) {
        std::ifstream in(entry.path(), std::ios::binary);
        const std::string input((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        BOOST_TEST_CONTEXT(entry.path().filename().string()) {
            // A failure traps (aborts), which fails this test with the file name logged above.
            BOOST_TEST_MESSAGE("replaying " << entry.path().filename().string());
            BOOST_TEST(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()),
                                              input.size()) == 0);
        }
        ++replayed;
    }
    BOOST_TEST(replayed >= 4u);
}
