// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include "config/config_error.hpp"

using namespace authd::config;

BOOST_AUTO_TEST_SUITE(config_error)

BOOST_AUTO_TEST_CASE(issue_prints_file_line_column_path_message) {
    BOOST_TEST(ConfigIssue({"a.yaml", 3, 5, "server.threads", "must be between 1 and 512"}).str() ==
               "a.yaml:3:5: server.threads: must be between 1 and 512");
    BOOST_TEST(ConfigIssue({"a.yaml", 3, 0, "x", "m"}).str() == "a.yaml:3: x: m");
    BOOST_TEST(ConfigIssue({"a.yaml", 0, 0, "", "cannot read"}).str() == "a.yaml: cannot read");
    BOOST_TEST(ConfigIssue({"", 0, 0, "", "bare"}).str() == "bare");
}

BOOST_AUTO_TEST_CASE(errors_print_sorted_by_line_then_column_one_per_line) {
    ConfigErrors errors;
    BOOST_TEST(errors.empty());
    errors.add({"f", 9, 1, "c", "third"});
    errors.add({"f", 2, 7, "b", "second"});
    errors.add({"f", 2, 3, "a", "first"});
    errors.add({"f", 9, 1, "d", "fourth, stable after third"});
    BOOST_TEST(!errors.empty());
    BOOST_TEST(errors.size() == 4U);
    BOOST_TEST(errors.str() ==
               "f:2:3: a: first\nf:2:7: b: second\nf:9:1: c: third\nf:9:1: d: fourth, stable after third");
    BOOST_TEST(errors.issues().front().message == "third");  // insertion order kept in issues()
}

BOOST_AUTO_TEST_SUITE_END()
