// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "authd/sdk/result.hpp"
#include "http/pipeline.hpp"

namespace authd::http {

struct EventServerOptions {
    int threads = 64; ///< most workers at once; each runs at most one handler at a time
    /// Workers kept while no handler stalls; 0: one per core plus one. At most `threads`.
    int base_workers = 0;
    /// A handler running this long that is blocked (not runnable) or has used this much CPU
    /// counts as stalled, and the pool adds a worker in its place; one waiting on a lock
    /// counts after 25 times this (the lock's holder is what the pool makes up for).
    std::chrono::milliseconds stall_after{2};
    /// Workers beyond `base_workers` retire once they have not been needed for this long.
    std::chrono::milliseconds retire_after{2000};
    std::size_t max_connections = 320; ///< open connections; more are accepted and closed
    std::chrono::milliseconds keep_alive_timeout{5000}; ///< idle between two requests
    std::chrono::milliseconds receive_timeout{15000};   ///< a whole request, or a blocked write
};

/// authd's HTTP/1.1 server for plain HTTP: a leader/follower pool over one epoll set. The
/// listening socket and every connection are registered with EPOLLONESHOT, and the workers
/// wait in epoll_wait on that set; the kernel wakes one worker per event, which then owns the
/// connection until it re-arms it. The pool keeps `base_workers` (about one per core) able
/// to run requests: a supervisor thread adds a worker, up to `threads`, only when none is
/// waiting and a handler has stalled (blocked, or busy on the CPU, past `stall_after`), and
/// retires the extra ones once they have not been needed for `retire_after`. Busy but
/// unstalled workers (cheap requests, a worker preempted mid-request) never grow the pool,
/// so the runnable workers stay near the core count. A worker accepts, or reads what arrived,
/// feeds the RequestParser, runs each complete request through the Pipeline, writes the
/// response (waiting for EPOLLOUT rather than blocking when the peer is slow to read) and
/// re-arms. No worker ever blocks on a socket, so an idle keep-alive connection or a slow
/// client costs a file descriptor and a buffer, not a thread; only handlers occupy workers.
/// The same supervisor, every 200 ms, closes connections idle past keep_alive_timeout and
/// answers 408 to a request not complete within receive_timeout of its first byte (it shuts
/// the socket's reading side down, which wakes a worker for the connection).
/// Ownership: owns the listening descriptor; the pipeline must outlive the server.
/// Threading: start/drain/destruction from one thread.
class EventServer {
  public:
    /// `listen_fd` is bound and listening; the server owns it from now on.
    EventServer(Pipeline& pipeline, int listen_fd, EventServerOptions options);
    ~EventServer();
    EventServer(const EventServer&) = delete;
    EventServer& operator=(const EventServer&) = delete;

    /// Starts the workers and the supervisor. Errors: epoll or eventfd cannot be created.
    sdk::Result<void> start();
    /// Stops accepting, closes idle connections, and lets every connection finish the request
    /// it has begun (its response then carries `Connection: close`). True when all
    /// connections closed before `deadline`; false leaves the server running requests.
    bool drain(std::chrono::steady_clock::time_point deadline);
    /// Open connections, for tests and the drain.
    std::size_t connections() const;
    /// Live workers, for tests and metrics.
    int workers() const;

  private:
    using Clock = std::chrono::steady_clock;
    struct Connection;
    struct Worker;
    enum class Next { read, write, close };

    void workerLoop(Worker& self);
    void supervisorLoop();
    void sweep();
    void adjustPool(Clock::time_point now);
    bool stalled(Worker& worker, std::int64_t now);
    void spawnWorker();
    void wakeSupervisor();
    void acceptAll();
    void serve(Connection& connection);
    Next process(Connection& connection);
    void beginExchange(Connection& connection);
    void respond(Connection& connection);
    Next flush(Connection& connection);
    void arm(Connection& connection, std::uint32_t events);
    void close(Connection* connection);

    Pipeline& pipeline_;
    int listen_fd_;
    EventServerOptions options_;
    int epoll_fd_ = -1;
    int wake_fd_ = -1; // an eventfd made readable to stop the workers
    int retire_fd_ = -1; // an always-readable eventfd, armed once per worker to retire
    char listen_token_ = 0;
    char wake_token_ = 0;
    char retire_token_ = 0;
    int base_workers_ = 1;

    // Only the supervisor (and start) adds workers and joins retired ones.
    mutable std::mutex workers_mutex_; // guards workers_; the supervisor sleeps under it
    std::condition_variable supervisor_wake_;
    std::list<Worker> workers_;
    std::atomic<int> live_{0};               // workers started and not retired
    std::atomic<int> waiting_{0};            // workers inside epoll_wait
    std::atomic<int> retire_{0};             // workers asked to retire and not yet gone
    std::atomic<bool> supervisor_dozing_{false}; // sleeping until a worker reports no one waits
    Clock::time_point surplus_since_{};      // since when more than base_workers were unstalled
    std::thread supervisor_;
    std::atomic<bool> draining_{false};
    std::atomic<bool> stopping_{false};

    mutable std::mutex mutex_; // guards connections_; sockets are shut down only under it
    std::condition_variable changed_;
    std::unordered_set<Connection*> connections_;
};

} // namespace authd::http
