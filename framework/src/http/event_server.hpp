// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "authd/sdk/result.hpp"
#include "http/pipeline.hpp"

namespace authd::http {

struct EventServerOptions {
    int threads = 64;                  ///< workers; each runs at most one handler at a time
    std::size_t max_connections = 320; ///< open connections; more are accepted and closed
    std::chrono::milliseconds keep_alive_timeout{5000}; ///< idle between two requests
    std::chrono::milliseconds receive_timeout{15000};   ///< a whole request, or a blocked write
};

/// authd's HTTP/1.1 server for plain HTTP: a leader/follower pool over one epoll set. The
/// listening socket and every connection are registered with EPOLLONESHOT, and up to
/// `threads` workers wait in epoll_wait on that set (4 at start; one more whenever a woken
/// worker was the last one waiting); the kernel wakes one worker per event, which
/// then owns the connection until it re-arms it. A worker accepts, or reads what arrived,
/// feeds the RequestParser, runs each complete request through the Pipeline, writes the
/// response (waiting for EPOLLOUT rather than blocking when the peer is slow to read) and
/// re-arms. No worker ever blocks on a socket, so an idle keep-alive connection or a slow
/// client costs a file descriptor and a buffer, not a thread; only handlers occupy workers.
/// A sweeper thread closes connections idle past keep_alive_timeout and answers 408 to a
/// request not complete within receive_timeout of its first byte (it shuts the socket's
/// reading side down, which wakes a worker for the connection).
/// Ownership: owns the listening descriptor; the pipeline must outlive the server.
/// Threading: start/drain/destruction from one thread.
class EventServer {
  public:
    /// `listen_fd` is bound and listening; the server owns it from now on.
    EventServer(Pipeline& pipeline, int listen_fd, EventServerOptions options);
    ~EventServer();
    EventServer(const EventServer&) = delete;
    EventServer& operator=(const EventServer&) = delete;

    /// Starts the workers and the sweeper. Errors: epoll or eventfd cannot be created.
    sdk::Result<void> start();
    /// Stops accepting, closes idle connections, and lets every connection finish the request
    /// it has begun (its response then carries `Connection: close`). True when all
    /// connections closed before `deadline`; false leaves the server running requests.
    bool drain(std::chrono::steady_clock::time_point deadline);
    /// Open connections, for tests and the drain.
    std::size_t connections() const;

  private:
    struct Connection;
    enum class Next { read, write, close };

    void workerLoop();
    void sweeperLoop();
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
    char listen_token_ = 0;
    char wake_token_ = 0;
    void spawnWorker();

    // Workers start as a few and grow to `threads` when a woken worker finds none left
    // waiting: an idle server keeps a handful of thread stacks resident, not 64.
    std::mutex workers_mutex_; // guards workers_ and, with stopping_, whether one may be added
    std::vector<std::thread> workers_;
    std::atomic<int> waiting_{0};
    std::thread sweeper_;
    std::atomic<bool> draining_{false};
    std::atomic<bool> stopping_{false};

    mutable std::mutex mutex_; // guards connections_; sockets are shut down only under it
    std::condition_variable changed_;
    std::unordered_set<Connection*> connections_;
};

} // namespace authd::http
