// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <string>

#include "mime_message.hpp"

using namespace authd::plugins::outbox;

namespace {

std::size_t longestLine(const std::string& crlf_text) {
    std::size_t longest = 0;
    std::size_t start = 0;
    while (start < crlf_text.size()) {
        std::size_t end = crlf_text.find("\r\n", start);
        if (end == std::string::npos) {
            end = crlf_text.size();
        }
        longest = std::max(longest, end - start);
        start = end + 2;
    }
    return longest;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mime_message)

BOOST_AUTO_TEST_CASE(formats_dates_in_rfc5322_utc) {
    BOOST_TEST(rfc5322Date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
    BOOST_TEST(rfc5322Date(1700000000) == "Tue, 14 Nov 2023 22:13:20 +0000");
    BOOST_TEST(rfc5322Date(951782400) == "Tue, 29 Feb 2000 00:00:00 +0000");
}

BOOST_AUTO_TEST_CASE(turns_every_line_ending_into_crlf) {
    BOOST_TEST(toCrlf("a\nb\r\nc\rd") == "a\r\nb\r\nc\r\nd\r\n");
    BOOST_TEST(toCrlf("") == "\r\n");
    BOOST_TEST(toCrlf("x\r\n") == "x\r\n");
}

BOOST_AUTO_TEST_CASE(quoted_printable_escapes_and_soft_breaks) {
    BOOST_TEST(quotedPrintable("token=abc\r\n") == "token=3Dabc\r\n");
    BOOST_TEST(quotedPrintable("trailing space \r\n") == "trailing space=20\r\n");
    BOOST_TEST(quotedPrintable("caf\xC3\xA9\r\n") == "caf=C3=A9\r\n");
    const std::string long_line(300, 'x');
    const std::string encoded = quotedPrintable(long_line + "\r\n");
    BOOST_TEST(longestLine(encoded) <= 76U);
    BOOST_TEST(encoded.find("=\r\n") != std::string::npos);
    // An escape is never split by a soft break.
    const std::string escapes = quotedPrintable(std::string(100, '=') + "\r\n");
    BOOST_TEST(longestLine(escapes) <= 76U);
    BOOST_TEST(escapes.find("=\r\n3D") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(checks_utf8_strictly) {
    BOOST_TEST(isValidUtf8("plain"));
    BOOST_TEST(isValidUtf8("\xC3\xA9\xE2\x9C\x93\xF0\x9F\x94\x91"));
    BOOST_TEST(!isValidUtf8("\xC3"));              // truncated
    BOOST_TEST(!isValidUtf8("\xC0\xAF"));          // overlong '/'
    BOOST_TEST(!isValidUtf8("\xED\xA0\x80"));      // surrogate
    BOOST_TEST(!isValidUtf8("\xF5\x80\x80\x80"));  // past U+10FFFF
    BOOST_TEST(!isValidUtf8("\xFF"));
}

BOOST_AUTO_TEST_CASE(accepts_only_plain_addresses) {
    BOOST_TEST(isPlainAddress("ada@example.test"));
    BOOST_TEST(isPlainAddress("first.last+tag@sub.example.test"));
    for (const char* bad :
         {"", "ada", "@example.test", "ada@", "ada @example.test", "Ada <ada@example.test>",
          "a@b.test, c@d.test", "a@b.test\r\nBcc: x@y", "a\t@b.test", "\"a\"@b.test"}) {
        BOOST_TEST(!isPlainAddress(bad), bad);
    }
}

BOOST_AUTO_TEST_CASE(header_text_is_ascii_folded_or_encoded) {
    BOOST_TEST(encodeHeaderText("Subject", "Hello") == "Hello");
    const std::string encoded = encodeHeaderText("Subject", "Gr\xC3\xBC\xC3\x9F"
                                                            "e");
    BOOST_TEST(encoded == "=?UTF-8?B?R3LDvMOfZQ==?=");
    // Text that looks like an encoded word is encoded, so that readers cannot misread it.
    BOOST_TEST(encodeHeaderText("Subject", "=?UTF-8?B?eA==?=").rfind("=?UTF-8?B?", 0) == 0);
    BOOST_TEST(encodeHeaderText("Subject", "=?UTF-8?B?eA==?=") != "=?UTF-8?B?eA==?=");
}

BOOST_AUTO_TEST_SUITE_END()
