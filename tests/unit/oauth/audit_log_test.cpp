// SPDX-License-Identifier: Apache-2.0
#include <map>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "json/json.hpp"
#include "oauth/audit_log.hpp"
#include "support/fake_host.hpp"
#include "support/memory_storage.hpp"

using authd::oauth::AuditLog;
using authd::oauth::auditDetail;
namespace sdk = authd::sdk;

namespace {

sdk::AuditEvent event(const std::string& type, const std::string& client,
                      const std::string& detail = {}) {
    sdk::AuditEvent e;
    e.type = type;
    e.client_id = client;
    e.client_address = "192.0.2.1";
    e.detail = detail;
    return e;
}

std::vector<sdk::AuditEvent> all(authd::test::MemoryStorage& store) {
    sdk::AuditQuery query;
    query.limit = 1000;
    return store.audit().list(query).value().items;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_log)

BOOST_AUTO_TEST_CASE(identical_events_in_a_batch_become_one_with_a_count) {
    authd::test::MemoryStorage store;
    authd::test::RecordingLogger logger;
    AuditLog log(store, logger, std::chrono::hours(1));
    for (int i = 0; i < 5; ++i) {
        log.record(event("token.issued", "proj_a", auditDetail({{"grant_type", "client_credentials"}})));
    }
    log.record(event("token.issued", "proj_b"));
    log.record(event("token.issued", "proj_b"));
    log.record(event("token.issued", "proj_c"));
    BOOST_TEST(all(store).empty());  // batched: nothing written before a flush
    log.flush();
    const auto events = all(store);
    BOOST_REQUIRE(events.size() == 3U);
    std::map<std::string, std::string> details;
    for (const auto& e : events) {
        details[e.client_id] = e.detail;
        BOOST_TEST(!e.id.empty());
        BOOST_TEST(e.time > 0);
        BOOST_TEST(authd::json::parseObject(e.detail, "detail").has_value());
    }
    BOOST_TEST(details["proj_a"] == R"({"grant_type":"client_credentials","count":5})");
    BOOST_TEST(details["proj_b"] == R"({"count":2})");
    BOOST_TEST(details["proj_c"] == "{}");
}

BOOST_AUTO_TEST_CASE(urgent_events_are_written_at_once) {
    authd::test::MemoryStorage store;
    authd::test::RecordingLogger logger;
    AuditLog log(store, logger, std::chrono::hours(1));
    log.record(event("token.refresh_reuse", "proj_a"), true);
    BOOST_TEST(all(store).size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_full_batch_is_written_without_waiting_for_the_interval) {
    authd::test::MemoryStorage store;
    authd::test::RecordingLogger logger;
    AuditLog log(store, logger, std::chrono::hours(1), 4);
    for (int i = 0; i < 4; ++i) {
        log.record(event("token.issued", "proj_" + std::to_string(i)));
    }
    for (int wait = 0; wait < 200 && all(store).size() < 4U; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    BOOST_TEST(all(store).size() == 4U);
}

BOOST_AUTO_TEST_CASE(refused_writes_are_kept_and_retried_and_the_rest_written_at_the_end) {
    authd::test::MemoryStorage store;
    authd::test::RecordingLogger logger;
    {
        AuditLog log(store, logger, std::chrono::hours(1));
        log.record(event("user.created", "proj_a"));
        store.setFailureForTest(sdk::ErrorCode::unavailable);
        log.flush();
        BOOST_TEST(logger.hasEvent("audit.write_failed"));
        store.setFailureForTest(std::nullopt);
        log.record(event("project.created", "proj_a"));
    }  // the destructor writes what is queued
    BOOST_TEST(all(store).size() == 2U);
}

BOOST_AUTO_TEST_CASE(detail_helper_escapes_values) {
    BOOST_TEST(auditDetail({}) == "{}");
    BOOST_TEST(auditDetail({{"a", "x\"y"}, {"b", "1"}}) == R"({"a":"x\"y","b":"1"})");
}

BOOST_AUTO_TEST_SUITE_END()
