// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace authd::obs {

/// Request counters and latency histogram of one route (one metric label). Recording is a
/// handful of relaxed atomic increments, no lock; the counters of a method are allocated by its
/// first request on the route (about 400 bytes), so the routes and methods never requested cost
/// a pointer each instead of 3 KiB per route. Threading: record() from any thread; the object
/// lives as long as the Metrics that made it.
class RouteMetrics {
  public:
    /// Histogram upper bounds in seconds (Prometheus `le`), 0.5 ms to 5 s, then +Inf.
    static constexpr std::array<double, 14> kBuckets = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
    /// Status codes counted under their own `code` label; any other code is counted under its
    /// class ("1xx" .. "5xx"), or "other" outside 100..599.
    static constexpr std::array<int, 29> kKnownCodes = {
        200, 201, 202, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405,
        406, 408, 409, 410, 413, 414, 415, 422, 429, 431, 500, 501, 502, 503};
    /// Method labels; any other method is counted as "OTHER".
    static constexpr std::array<std::string_view, 8> kMethods = {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};

    explicit RouteMetrics(std::string label) : label_(std::move(label)) {}
    ~RouteMetrics();
    RouteMetrics(const RouteMetrics&) = delete;
    RouteMetrics& operator=(const RouteMetrics&) = delete;

    void record(std::string_view method, int status, std::chrono::nanoseconds duration) noexcept;

    const std::string& label() const noexcept { return label_; }
    /// Requests counted for (method, status), for tests.
    std::uint64_t count(std::string_view method, int status) const noexcept;

    void render(std::string& counters, std::string& histograms) const;

  private:
    static constexpr std::size_t kCodeSlots = kKnownCodes.size() + 6; // + 5 classes + other
    struct MethodSlot {
        std::array<std::atomic<std::uint64_t>, kCodeSlots> codes{};
        std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets{}; // non-cumulative
        std::atomic<std::uint64_t> sum_ns{0};
        std::atomic<std::uint64_t> total{0};
    };
    static std::size_t methodIndex(std::string_view method) noexcept;
    static std::size_t codeIndex(int status) noexcept;
    static std::string codeLabel(std::size_t index);
    /// The method's counters, made on first use; nullptr only when that allocation failed.
    MethodSlot* slotFor(std::size_t method) noexcept;

    std::string label_;
    std::array<std::atomic<MethodSlot*>, kMethods.size()> slots_{};
};

/// A monotonically increasing counter registered with Metrics.
class Counter {
  public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

/// The process's metrics, rendered in the Prometheus text exposition format (version 0.0.4).
/// Routes and counters are registered up front (registration takes a mutex, so it also works
/// later, but the hot path never does); the returned references stay valid for the lifetime of
/// this object. Threading: every method is thread-safe.
class Metrics {
  public:
    explicit Metrics(std::string version = {});

    /// The metrics of the route labelled `label`, created on first use.
    RouteMetrics& route(const std::string& label);
    /// A counter `name{labels}` (labels as Prometheus text, e.g. `grant="refresh_token"`, may
    /// be empty), created on first use; `help` is taken from the first registration of `name`.
    Counter& counter(const std::string& name, const std::string& help,
                     const std::string& labels = {});
    /// A gauge read when rendering.
    void gauge(const std::string& name, const std::string& help, std::function<double()> read);

    /// Requests being served right now (exposed as authd_http_requests_in_flight).
    std::atomic<std::int64_t>& inFlight() noexcept { return in_flight_; }

    std::string render() const;

    /// Escapes a Prometheus label value (backslash, double quote, newline).
    static std::string escapeLabel(std::string_view value);

  private:
    struct CounterEntry {
        std::string name;
        std::string help;
        std::string labels;
        Counter counter;
    };
    struct GaugeEntry {
        std::string name;
        std::string help;
        std::function<double()> read;
    };

    std::string version_;
    double start_time_seconds_;
    std::atomic<std::int64_t> in_flight_{0};
    mutable std::mutex mutex_; // guards the three containers, never the counters
    std::deque<RouteMetrics> routes_;
    std::deque<CounterEntry> counters_;
    std::deque<GaugeEntry> gauges_;
};

} // namespace authd::obs
