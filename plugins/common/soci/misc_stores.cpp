// SPDX-License-Identifier: Apache-2.0
// Consents, throttling counters, signing keys, the audit log and plugin records.
#include <charconv>
#include <utility>

#include <soci/soci.h>

#include "codec.hpp"
#include "statement.hpp"
#include "stores.hpp"

namespace authd::plugins::soci_common {

namespace {

bool expiredAt(sdk::UnixTime expires_at, sdk::UnixTime now) {
    return expires_at != 0 && expires_at <= now;
}

sdk::Result<sdk::Counter> readCounter(::soci::session& sql, const std::string& key) {
    sdk::Counter counter;
    Stmt st(sql,
            "SELECT counter_key, hits, window_start, locked_until, updated_at FROM counters "
            "WHERE counter_key = :a");
    st.into(counter.key)
        .into(counter.count)
        .into(counter.window_start)
        .into(counter.locked_until)
        .into(counter.updated_at)
        .use(key);
    if (!st.execute()) {
        return notFound("counters: counter " + key);
    }
    return counter;
}

constexpr const char* kKeyColumns =
    "kid, alg, private_key_enc, public_jwk, created_at, retire_at, expires_at";

constexpr const char* kAuditColumns =
    "id, event_time, event_type, user_id, client_id, client_address, detail";

}  // namespace

// ---------------------------------------------------------------------------- consents

sdk::Result<sdk::Consent> ConsentStoreImpl::get(const std::string& user_id,
                                                const std::string& client_id) {
    return scope_.get<sdk::Consent>(Mode::single, "consents.get",
                                    [&](::soci::session& sql) -> sdk::Result<sdk::Consent> {
        sdk::Consent consent;
        Stmt st(sql,
                "SELECT user_id, client_id, scope, granted_at FROM consents "
                "WHERE user_id = :a AND client_id = :b");
        st.into(consent.user_id)
            .into(consent.client_id)
            .into(consent.scope)
            .into(consent.granted_at)
            .use(user_id)
            .use(client_id);
        if (!st.execute()) {
            return notFound("consents.get: consent of user " + user_id + " for " + client_id);
        }
        return consent;
    });
}

sdk::Result<void> ConsentStoreImpl::put(const sdk::Consent& consent) {
    return scope_.run(Mode::single, "consents.put", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO consents (user_id, client_id, scope, granted_at) "
                "VALUES (:a, :b, :c, :d) ON CONFLICT (user_id, client_id) DO UPDATE SET "
                "scope = excluded.scope, granted_at = excluded.granted_at");
        st.use(consent.user_id).use(consent.client_id).use(consent.scope).use(consent.granted_at);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<void> ConsentStoreImpl::remove(const std::string& user_id,
                                           const std::string& client_id) {
    return scope_.run(Mode::single, "consents.remove", [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql, "DELETE FROM consents WHERE user_id = :a AND client_id = :b");
        st.use(user_id).use(client_id);
        st.execute();
        if (st.affected() == 0) {
            return notFound("consents.remove: consent of user " + user_id + " for " + client_id);
        }
        return sdk::ok();
    });
}

// ---------------------------------------------------------------------------- counters

sdk::Result<sdk::Counter> CounterStoreImpl::get(const std::string& key) {
    return scope_.get<sdk::Counter>(Mode::single, "counters.get",
                                    [&](::soci::session& sql) { return readCounter(sql, key); });
}

sdk::Result<sdk::Counter> CounterStoreImpl::increment(const std::string& key, sdk::UnixTime now,
                                                      sdk::Seconds window) {
    if (key.empty()) {
        return required("counters.increment", "key");
    }
    if (window < 0) {
        return sdk::makeError(sdk::ErrorCode::invalid_argument,
                              "counters.increment: window must not be negative");
    }
    return scope_.get<sdk::Counter>(Mode::atomic, "counters.increment", [&](::soci::session& sql) {
        // One upsert: the row lock it takes makes concurrent increments add up exactly.
        const sdk::UnixTime window_floor = now - window;
        Stmt st(sql,
                "INSERT INTO counters (counter_key, hits, window_start, locked_until, updated_at) "
                "VALUES (:a, 1, :b, 0, :c) ON CONFLICT (counter_key) DO UPDATE SET "
                "hits = CASE WHEN counters.window_start < :d THEN 1 ELSE counters.hits + 1 END, "
                "window_start = CASE WHEN counters.window_start < :e THEN :f "
                "ELSE counters.window_start END, updated_at = :g");
        st.use(key).use(now).use(now).use(window_floor).use(window_floor).use(now).use(now);
        st.execute();
        return readCounter(sql, key);
    });
}

sdk::Result<void> CounterStoreImpl::lock(const std::string& key, sdk::UnixTime until) {
    if (key.empty()) {
        return required("counters.lock", "key");
    }
    return scope_.run(Mode::single, "counters.lock", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO counters (counter_key, hits, window_start, locked_until, updated_at) "
                "VALUES (:a, 0, 0, :b, 0) ON CONFLICT (counter_key) DO UPDATE SET "
                "locked_until = excluded.locked_until");
        st.use(key).use(until);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<void> CounterStoreImpl::reset(const std::string& key) {
    return scope_.run(Mode::single, "counters.reset", [&](::soci::session& sql) {
        Stmt st(sql, "DELETE FROM counters WHERE counter_key = :a");
        st.use(key);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<std::int64_t> CounterStoreImpl::purgeIdle(sdk::UnixTime older_than) {
    return scope_.get<std::int64_t>(Mode::single, "counters.purgeIdle", [&](::soci::session& sql) {
        // A lock still running at `older_than` keeps its counter.
        Stmt st(sql, "DELETE FROM counters WHERE updated_at < :a AND locked_until < :b");
        st.use(older_than).use(older_than);
        st.execute();
        return sdk::Result<std::int64_t>(st.affected());
    });
}

// ---------------------------------------------------------------------------- signing keys

sdk::Result<void> KeyStoreImpl::add(const sdk::SigningKey& key) {
    if (key.kid.empty()) {
        return required("keys.add", "kid");
    }
    return scope_.run(Mode::single, "keys.add", [&](::soci::session& sql) {
        Stmt st(sql, std::string("INSERT INTO signing_keys (") + kKeyColumns +
                         ") VALUES (:a, :b, :c, :d, :e, :f, :g)");
        st.use(key.kid)
            .use(key.alg)
            .use(key.private_key_enc)
            .use(key.public_jwk)
            .use(key.created_at)
            .use(key.retire_at)
            .use(key.expires_at);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<std::vector<sdk::SigningKey>> KeyStoreImpl::list() {
    return scope_.get<std::vector<sdk::SigningKey>>(
        Mode::single, "keys.list", [&](::soci::session& sql) {
            sdk::SigningKey row;
            Stmt st(sql, std::string("SELECT ") + kKeyColumns +
                             " FROM signing_keys ORDER BY created_at, kid");
            st.into(row.kid)
                .into(row.alg)
                .into(row.private_key_enc)
                .into(row.public_jwk)
                .into(row.created_at)
                .into(row.retire_at)
                .into(row.expires_at);
            std::vector<sdk::SigningKey> keys;
            for (bool got = st.execute(); got; got = st.fetch()) {
                keys.push_back(row);
            }
            return sdk::Result<std::vector<sdk::SigningKey>>(std::move(keys));
        });
}

sdk::Result<void> KeyStoreImpl::update(const sdk::SigningKey& key) {
    return scope_.run(Mode::single, "keys.update", [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql,
                "UPDATE signing_keys SET alg = :a, private_key_enc = :b, public_jwk = :c, "
                "retire_at = :d, expires_at = :e WHERE kid = :f");
        st.use(key.alg)
            .use(key.private_key_enc)
            .use(key.public_jwk)
            .use(key.retire_at)
            .use(key.expires_at)
            .use(key.kid);
        st.execute();
        if (st.affected() == 0) {
            return notFound("keys.update: key " + key.kid);
        }
        return sdk::ok();
    });
}

sdk::Result<void> KeyStoreImpl::remove(const std::string& kid) {
    return scope_.run(Mode::single, "keys.remove", [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql, "DELETE FROM signing_keys WHERE kid = :a");
        st.use(kid);
        st.execute();
        if (st.affected() == 0) {
            return notFound("keys.remove: key " + kid);
        }
        return sdk::ok();
    });
}

// ---------------------------------------------------------------------------- audit

sdk::Result<void> AuditStoreImpl::append(const sdk::AuditEvent& event) {
    if (event.id.empty()) {
        return required("audit.append", "id");
    }
    if (event.type.empty()) {
        return required("audit.append", "type");
    }
    return scope_.run(Mode::single, "audit.append", [&](::soci::session& sql) {
        Stmt st(sql, std::string("INSERT INTO audit_events (") + kAuditColumns +
                         ") VALUES (:a, :b, :c, :d, :e, :f, :g)");
        st.use(event.id)
            .use(event.time)
            .use(event.type)
            .use(event.user_id)
            .use(event.client_id)
            .use(event.client_address)
            .use(event.detail);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<sdk::Slice<sdk::AuditEvent>> AuditStoreImpl::list(const sdk::AuditQuery& query) {
    if (auto limit_ok = checkLimit(query.limit); !limit_ok) {
        return std::move(limit_ok).error();
    }
    std::vector<std::string> after;
    sdk::UnixTime after_time = 0;
    if (!query.cursor.empty()) {
        bool valid = parseCursor(query.cursor, 2, after);
        if (valid) {
            const std::string& text = after[0];
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), after_time);
            valid = ec == std::errc() && end == text.data() + text.size();
        }
        if (!valid) {
            return sdk::makeError(sdk::ErrorCode::invalid_argument, "audit.list: malformed cursor");
        }
    }
    return scope_.get<sdk::Slice<sdk::AuditEvent>>(
        Mode::single, "audit.list", [&](::soci::session& sql) {
            std::string text =
                std::string("SELECT ") + kAuditColumns + " FROM audit_events WHERE 1 = 1";
            if (!query.user_id.empty()) {
                text += " AND user_id = :u";
            }
            if (!query.client_id.empty()) {
                text += " AND client_id = :c";
            }
            if (!query.type.empty()) {
                text += " AND event_type = :t";
            }
            if (query.since != 0) {
                text += " AND event_time >= :s";
            }
            if (query.until != 0) {
                text += " AND event_time < :e";
            }
            if (!after.empty()) {
                text += " AND (event_time < :k1 OR (event_time = :k2 AND id < :k3))";
            }
            text += " ORDER BY event_time DESC, id DESC LIMIT :n";
            sdk::AuditEvent row;
            Stmt st(sql, text);
            st.into(row.id)
                .into(row.time)
                .into(row.type)
                .into(row.user_id)
                .into(row.client_id)
                .into(row.client_address)
                .into(row.detail);
            if (!query.user_id.empty()) {
                st.use(query.user_id);
            }
            if (!query.client_id.empty()) {
                st.use(query.client_id);
            }
            if (!query.type.empty()) {
                st.use(query.type);
            }
            if (query.since != 0) {
                st.use(query.since);
            }
            if (query.until != 0) {
                st.use(query.until);
            }
            if (!after.empty()) {
                st.use(after_time).use(after_time).use(after[1]);
            }
            st.use(static_cast<std::int64_t>(query.limit) + 1);
            sdk::Slice<sdk::AuditEvent> page;
            for (bool got = st.execute(); got; got = st.fetch()) {
                page.items.push_back(row);
            }
            if (page.items.size() > static_cast<std::size_t>(query.limit)) {
                page.items.pop_back();
                const sdk::AuditEvent& last = page.items.back();
                page.next_cursor = makeCursor({std::to_string(last.time), last.id});
            }
            return sdk::Result<sdk::Slice<sdk::AuditEvent>>(std::move(page));
        });
}

// ---------------------------------------------------------------------------- plugin data

sdk::Result<void> PluginDataStoreImpl::put(const sdk::PluginRecord& record) {
    if (record.ns.empty()) {
        return required("pluginData.put", "ns");
    }
    if (record.key.empty()) {
        return required("pluginData.put", "key");
    }
    return scope_.run(Mode::single, "pluginData.put", [&](::soci::session& sql) {
        Stmt st(sql,
                "INSERT INTO plugin_data (ns, record_key, value, expires_at) VALUES (:a, :b, :c, :d) "
                "ON CONFLICT (ns, record_key) DO UPDATE SET value = excluded.value, "
                "expires_at = excluded.expires_at");
        st.use(record.ns).use(record.key).use(record.value).use(record.expires_at);
        st.execute();
        return sdk::ok();
    });
}

sdk::Result<sdk::PluginRecord> PluginDataStoreImpl::get(const std::string& ns,
                                                        const std::string& key, sdk::UnixTime now) {
    return scope_.get<sdk::PluginRecord>(
        Mode::single, "pluginData.get", [&](::soci::session& sql) -> sdk::Result<sdk::PluginRecord> {
            sdk::PluginRecord record;
            Stmt st(sql,
                    "SELECT ns, record_key, value, expires_at FROM plugin_data "
                    "WHERE ns = :a AND record_key = :b");
            st.into(record.ns).into(record.key).into(record.value).into(record.expires_at);
            st.use(ns).use(key);
            if (!st.execute() || expiredAt(record.expires_at, now)) {
                return notFound("pluginData.get: record " + ns + "/" + key);
            }
            return record;
        });
}

sdk::Result<sdk::PluginRecord> PluginDataStoreImpl::take(const std::string& ns,
                                                         const std::string& key, sdk::UnixTime now) {
    return scope_.get<sdk::PluginRecord>(
        Mode::atomic, "pluginData.take", [&](::soci::session& sql) -> sdk::Result<sdk::PluginRecord> {
            sdk::PluginRecord record;
            Stmt st(sql, "SELECT ns, record_key, value, expires_at FROM plugin_data "
                         "WHERE ns = :a AND record_key = :b" +
                             scope_.db->dialect().lockRows());
            st.into(record.ns).into(record.key).into(record.value).into(record.expires_at);
            st.use(ns).use(key);
            if (!st.execute() || expiredAt(record.expires_at, now)) {
                return notFound("pluginData.take: record " + ns + "/" + key);
            }
            Stmt drop(sql, "DELETE FROM plugin_data WHERE ns = :a AND record_key = :b");
            drop.use(ns).use(key);
            drop.execute();
            if (drop.affected() != 1) {
                return notFound("pluginData.take: record " + ns + "/" + key);
            }
            return record;
        });
}

sdk::Result<void> PluginDataStoreImpl::remove(const std::string& ns, const std::string& key) {
    return scope_.run(Mode::single, "pluginData.remove", [&](::soci::session& sql) -> sdk::Result<void> {
        Stmt st(sql, "DELETE FROM plugin_data WHERE ns = :a AND record_key = :b");
        st.use(ns).use(key);
        st.execute();
        if (st.affected() == 0) {
            return notFound("pluginData.remove: record " + ns + "/" + key);
        }
        return sdk::ok();
    });
}

sdk::Result<sdk::Slice<sdk::PluginRecord>> PluginDataStoreImpl::list(const std::string& ns,
                                                                    sdk::UnixTime now,
                                                                    const std::string& cursor,
                                                                    int limit) {
    if (ns.empty()) {
        return required("pluginData.list", "ns");
    }
    std::vector<std::string> after;
    if (auto page = checkPage("pluginData.list", limit, cursor, 1, after); !page) {
        return std::move(page).error();
    }
    return scope_.get<sdk::Slice<sdk::PluginRecord>>(
        Mode::single, "pluginData.list",
        [&](::soci::session& sql) -> sdk::Result<sdk::Slice<sdk::PluginRecord>> {
            std::string text = "SELECT ns, record_key, value, expires_at FROM plugin_data "
                               "WHERE ns = :a AND (expires_at = 0 OR expires_at > :b)";
            if (!after.empty()) {
                text += " AND record_key > :c";
            }
            text += " ORDER BY record_key LIMIT :n";
            sdk::PluginRecord row;
            Stmt st(sql, text);
            st.into(row.ns).into(row.key).into(row.value).into(row.expires_at);
            st.use(ns).use(now);
            if (!after.empty()) {
                st.use(after[0]);
            }
            st.use(static_cast<std::int64_t>(limit) + 1);
            sdk::Slice<sdk::PluginRecord> page;
            for (bool got = st.execute(); got; got = st.fetch()) {
                page.items.push_back(row);
            }
            if (page.items.size() > static_cast<std::size_t>(limit)) {
                page.items.pop_back();
                page.next_cursor = makeCursor({page.items.back().key});
            }
            return page;
        });
}

sdk::Result<std::int64_t> PluginDataStoreImpl::purgeExpired(sdk::UnixTime now) {
    return scope_.get<std::int64_t>(Mode::single, "pluginData.purgeExpired", [&](::soci::session& sql) {
        Stmt st(sql, "DELETE FROM plugin_data WHERE expires_at <> 0 AND expires_at <= :a");
        st.use(now);
        st.execute();
        return sdk::Result<std::int64_t>(st.affected());
    });
}

}  // namespace authd::plugins::soci_common
