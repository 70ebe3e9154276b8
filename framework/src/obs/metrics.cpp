// SPDX-License-Identifier: Apache-2.0
#include "obs/metrics.hpp"

#include <cstdio>
#include <new>
#include <map>
#include <vector>

namespace authd::obs {
namespace {

std::string formatDouble(double value) {
    char buffer[64];
    const int written = std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return written > 0 ? std::string(buffer, static_cast<std::size_t>(written)) : "0";
}

std::string formatBound(double value) {
    char buffer[32];
    const int written = std::snprintf(buffer, sizeof buffer, "%g", value);
    return written > 0 ? std::string(buffer, static_cast<std::size_t>(written)) : "0";
}

} // namespace

std::size_t RouteMetrics::methodIndex(std::string_view method) noexcept {
    for (std::size_t i = 0; i + 1 < kMethods.size(); ++i) {
        if (kMethods[i] == method) {
            return i;
        }
    }
    return kMethods.size() - 1;
}

std::size_t RouteMetrics::codeIndex(int status) noexcept {
    for (std::size_t i = 0; i < kKnownCodes.size(); ++i) {
        if (kKnownCodes[i] == status) {
            return i;
        }
    }
    if (status >= 100 && status <= 599) {
        return kKnownCodes.size() + static_cast<std::size_t>(status / 100 - 1);
    }
    return kKnownCodes.size() + 5;
}

std::string RouteMetrics::codeLabel(std::size_t index) {
    if (index < kKnownCodes.size()) {
        return std::to_string(kKnownCodes[index]);
    }
    const std::size_t rest = index - kKnownCodes.size();
    if (rest < 5) {
        return std::to_string(rest + 1) + "xx";
    }
    return "other";
}

RouteMetrics::~RouteMetrics() {
    for (std::atomic<MethodSlot*>& slot : slots_) {
        delete slot.load(std::memory_order_acquire);
    }
}

RouteMetrics::MethodSlot* RouteMetrics::slotFor(std::size_t method) noexcept {
    std::atomic<MethodSlot*>& cell = slots_[method];
    MethodSlot* slot = cell.load(std::memory_order_acquire);
    if (slot != nullptr) {
        return slot;
    }
    auto* fresh = new (std::nothrow) MethodSlot();
    if (fresh == nullptr) {
        return nullptr;
    }
    // Another thread may have made it meanwhile: keep the first one published.
    if (cell.compare_exchange_strong(slot, fresh, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
        return fresh;
    }
    delete fresh;
    return slot;
}

void RouteMetrics::record(std::string_view method, int status,
                          std::chrono::nanoseconds duration) noexcept {
    MethodSlot* counters = slotFor(methodIndex(method));
    if (counters == nullptr) {
        return; // out of memory: the request goes uncounted rather than failing
    }
    MethodSlot& slot = *counters;
    slot.codes[codeIndex(status)].fetch_add(1, std::memory_order_relaxed);
    const double seconds = std::chrono::duration<double>(duration).count();
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i]) {
            slot.buckets[i].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    const auto ns = duration.count() > 0 ? static_cast<std::uint64_t>(duration.count()) : 0u;
    slot.sum_ns.fetch_add(ns, std::memory_order_relaxed);
    slot.total.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t RouteMetrics::count(std::string_view method, int status) const noexcept {
    const MethodSlot* slot = slots_[methodIndex(method)].load(std::memory_order_acquire);
    return slot == nullptr ? 0 : slot->codes[codeIndex(status)].load(std::memory_order_relaxed);
}

void RouteMetrics::render(std::string& counters, std::string& histograms) const {
    const std::string route = Metrics::escapeLabel(label_);
    for (std::size_t m = 0; m < kMethods.size(); ++m) {
        const MethodSlot* made = slots_[m].load(std::memory_order_acquire);
        if (made == nullptr) {
            continue;
        }
        const MethodSlot& slot = *made;
        const std::uint64_t total = slot.total.load(std::memory_order_relaxed);
        if (total == 0) {
            continue;
        }
        const std::string labels =
            "route=\"" + route + "\",method=\"" + std::string(kMethods[m]) + "\"";
        for (std::size_t c = 0; c < kCodeSlots; ++c) {
            const std::uint64_t n = slot.codes[c].load(std::memory_order_relaxed);
            if (n != 0) {
                counters += "authd_http_requests_total{" + labels + ",code=\"" + codeLabel(c) +
                            "\"} " + std::to_string(n) + "\n";
            }
        }
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b < kBuckets.size(); ++b) {
            cumulative += slot.buckets[b].load(std::memory_order_relaxed);
            histograms += "authd_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
                          formatBound(kBuckets[b]) + "\"} " + std::to_string(cumulative) + "\n";
        }
        // Read independently of the buckets, so +Inf may run ahead of the last bucket by the
        // requests recorded meanwhile, which Prometheus tolerates.
        histograms += "authd_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
                      std::to_string(total) + "\n";
        const double sum = static_cast<double>(slot.sum_ns.load(std::memory_order_relaxed)) / 1e9;
        histograms +=
            "authd_http_request_duration_seconds_sum{" + labels + "} " + formatDouble(sum) + "\n";
        histograms += "authd_http_request_duration_seconds_count{" + labels + "} " +
                      std::to_string(total) + "\n";
    }
}

Metrics::Metrics(std::string version)
    : version_(std::move(version)),
      start_time_seconds_(
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count()) {}

RouteMetrics& Metrics::route(const std::string& label) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (RouteMetrics& existing : routes_) {
        if (existing.label() == label) {
            return existing;
        }
    }
    return routes_.emplace_back(label);
}

Counter& Metrics::counter(const std::string& name, const std::string& help,
                          const std::string& labels) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (CounterEntry& existing : counters_) {
        if (existing.name == name && existing.labels == labels) {
            return existing.counter;
        }
    }
    CounterEntry& entry = counters_.emplace_back();
    entry.name = name;
    entry.help = help;
    entry.labels = labels;
    return entry.counter;
}

void Metrics::gauge(const std::string& name, const std::string& help,
                    std::function<double()> read) {
    const std::lock_guard<std::mutex> lock(mutex_);
    gauges_.push_back(GaugeEntry{name, help, std::move(read)});
}

std::string Metrics::escapeLabel(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string Metrics::render() const {
    std::string out;
    out += "# HELP authd_build_info Build information; the value is always 1.\n";
    out += "# TYPE authd_build_info gauge\n";
    out += "authd_build_info{version=\"" + escapeLabel(version_) + "\"} 1\n";
    out += "# HELP authd_process_start_time_seconds Start time of the process since the Unix "
           "epoch, in seconds.\n";
    out += "# TYPE authd_process_start_time_seconds gauge\n";
    char start[32];
    std::snprintf(start, sizeof start, "%.3f", start_time_seconds_);
    out += "authd_process_start_time_seconds " + std::string(start) + "\n";
    out += "# HELP authd_http_requests_in_flight HTTP requests being served.\n";
    out += "# TYPE authd_http_requests_in_flight gauge\n";
    out += "authd_http_requests_in_flight " +
           std::to_string(in_flight_.load(std::memory_order_relaxed)) + "\n";

    const std::lock_guard<std::mutex> lock(mutex_);
    std::string counters;
    std::string histograms;
    for (const RouteMetrics& route : routes_) {
        route.render(counters, histograms);
    }
    out += "# HELP authd_http_requests_total HTTP requests served, by route, method and status.\n";
    out += "# TYPE authd_http_requests_total counter\n";
    out += counters;
    out += "# HELP authd_http_request_duration_seconds Time to serve an HTTP request, from the "
           "end of its headers to the end of its response.\n";
    out += "# TYPE authd_http_request_duration_seconds histogram\n";
    out += histograms;

    // One HELP/TYPE block per family, its series after it, in registration order.
    std::vector<std::string> families;
    std::map<std::string, std::string> family_text;
    for (const CounterEntry& entry : counters_) {
        auto [it, inserted] = family_text.try_emplace(entry.name);
        if (inserted) {
            families.push_back(entry.name);
            it->second =
                "# HELP " + entry.name + " " + entry.help + "\n# TYPE " + entry.name + " counter\n";
        }
        it->second += entry.name + (entry.labels.empty() ? "" : "{" + entry.labels + "}") + " " +
                      std::to_string(entry.counter.value()) + "\n";
    }
    for (const std::string& name : families) {
        out += family_text[name];
    }
    for (const GaugeEntry& entry : gauges_) {
        double value = 0;
        try {
            value = entry.read();
        } catch (...) {
            continue;
        }
        out += "# HELP " + entry.name + " " + entry.help + "\n# TYPE " + entry.name + " gauge\n";
        out += entry.name + " " + formatDouble(value) + "\n";
    }
    return out;
}

} // namespace authd::obs
