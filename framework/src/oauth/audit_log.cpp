// SPDX-License-Identifier: Apache-2.0
#include "oauth/audit_log.hpp"

#include <ctime>
#include <unordered_map>
#include <vector>

#include "json/json.hpp"
#include "oauth/random_ids.hpp"

namespace authd::oauth {
namespace {

// Identical events queued together (a client hammering the token endpoint) become one row
// whose detail says how many there were: a burst costs one insert, not thousands, and the
// trail still says who did what, from where, and how often.
std::vector<sdk::AuditEvent> coalesce(std::vector<sdk::AuditEvent> events) {
    std::vector<sdk::AuditEvent> out;
    std::vector<std::size_t> counts;
    std::unordered_map<std::string, std::size_t> index;
    out.reserve(events.size());
    for (auto& event : events) {
        std::string key = event.type;
        for (const std::string* part :
             {&event.user_id, &event.client_id, &event.client_address, &event.detail}) {
            key += '\0';
            key += *part;
        }
        auto [it, inserted] = index.emplace(std::move(key), out.size());
        if (inserted) {
            out.push_back(std::move(event));
            counts.push_back(1);
        } else {
            ++counts[it->second];
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (counts[i] > 1 && out[i].detail.size() >= 2 && out[i].detail.back() == '}') {
            std::string& detail = out[i].detail;
            const std::string member = "\"count\":" + std::to_string(counts[i]) + "}";
            detail.pop_back();  // the closing brace of a JSON object
            detail += detail.size() > 1 ? "," + member : member;
        }
    }
    return out;
}

}  // namespace

AuditLog::AuditLog(sdk::Storage& store, sdk::Logger& log, std::chrono::milliseconds interval,
                   std::size_t batch, std::size_t max_queue)
    : store_(store), log_(log), interval_(interval), batch_(batch), max_queue_(max_queue) {
    worker_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
    writeQueued();
}

void AuditLog::complete(sdk::AuditEvent& event) {
    if (event.time == 0) {
        event.time = static_cast<sdk::UnixTime>(std::time(nullptr));
    }
    if (event.detail.empty()) {
        event.detail = "{}";
    }
}

void AuditLog::record(sdk::AuditEvent event, bool urgent) {
    complete(event);
    if (urgent) {
        if (event.id.empty()) {
            event.id = randomUuid();
        }
        auto written = store_.audit().append(event);
        if (written) {
            return;
        }
        log_.log(sdk::LogLevel::warning, "audit.write_failed",
                 "an urgent audit event could not be written; it is queued for a retry",
                 {{"type", event.type}, {"reason", written.error().message}});
    }
    bool wake = false;
    std::size_t dropped = 0;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(event));
        while (queue_.size() > max_queue_) {
            queue_.pop_front();
            ++dropped;
        }
        wake = queue_.size() >= batch_;
    }
    if (dropped > 0) {
        log_.log(sdk::LogLevel::error, "audit.dropped",
                 "the audit queue is full (the store keeps refusing writes); oldest events dropped",
                 {{"count", std::to_string(dropped)}});
    }
    if (wake) {
        wake_.notify_one();
    }
}

void AuditLog::flush() {
    writeQueued();
}

void AuditLog::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, interval_, [this] { return stopping_ || queue_.size() >= batch_; });
        if (stopping_) {
            break;
        }
        if (queue_.empty()) {
            continue;
        }
        lock.unlock();
        writeQueued();
        lock.lock();
    }
}

void AuditLog::writeQueued() {
    std::lock_guard write(write_mutex_);
    for (;;) {
        std::vector<sdk::AuditEvent> events;
        {
            std::lock_guard lock(mutex_);
            const std::size_t count = std::min(queue_.size(), batch_);
            events.reserve(count);
            for (std::size_t i = 0; i < count; ++i) {
                events.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        if (events.empty()) {
            return;
        }
        const std::size_t taken = events.size();
        events = coalesce(std::move(events));
        // Ids are given here, after coalescing, so that a burst draws one per row.
        for (auto& event : events) {
            if (event.id.empty()) {
                event.id = randomUuid();
            }
        }
        auto written = store_.transact([&](sdk::Storage& tx) -> sdk::Result<void> {
            for (const auto& event : events) {
                if (auto appended = tx.audit().append(event); !appended) {
                    return appended;
                }
            }
            return sdk::ok();
        });
        if (!written) {
            log_.log(sdk::LogLevel::error, "audit.write_failed",
                     "audit events could not be written; they stay queued for a retry",
                     {{"count", std::to_string(events.size())},
                      {"reason", written.error().message}});
            std::lock_guard lock(mutex_);
            for (auto it = events.rbegin(); it != events.rend(); ++it) {
                queue_.push_front(std::move(*it));
            }
            return;
        }
        if (taken < batch_) {
            return;
        }
    }
}

std::string auditDetail(const std::vector<std::pair<std::string_view, std::string_view>>& members) {
    std::string out = "{";
    for (const auto& [name, value] : members) {
        if (out.size() > 1) {
            out += ',';
        }
        json::appendString(out, name);
        out += ':';
        json::appendString(out, value);
    }
    out += '}';
    return out;
}

}  // namespace authd::oauth
