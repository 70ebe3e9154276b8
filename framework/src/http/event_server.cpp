// SPDX-License-Identifier: Apache-2.0
#include "http/event_server.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <pthread.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "http/request_id.hpp"
#include "http/request_parser.hpp"

namespace authd::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBuffer = 16384;
constexpr auto kSweepInterval = std::chrono::milliseconds(200);
// While no worker waits, the supervisor looks for stalled handlers this often, and keeps
// looking this long after a worker last reported that none was waiting.
constexpr auto kStallCheckEvery = std::chrono::milliseconds(1);
constexpr auto kStayAwake = std::chrono::milliseconds(50);
// A worker waiting for a lock waits for another thread, which is stalled itself or about to
// release it: only a wait this many times stall_after counts (a handler waiting for what
// only another request can do, which needs a worker).
constexpr int kLockWaitStall = 25;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::int64_t ticks(Clock::time_point at) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

// What a worker thread is doing, from /proc/self/task/TID/{stat,syscall}.
enum class ThreadState { runnable, waiting_for_lock, blocked };

// Reads a small /proc file; empty when it cannot be read.
std::string readProc(int tid, const char* file) {
    const std::string path = "/proc/self/task/" + std::to_string(tid) + "/" + file;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return {};
    }
    std::array<char, 512> text{};
    const ssize_t got = ::read(fd, text.data(), text.size() - 1);
    ::close(fd);
    return got > 0 ? std::string(text.data(), static_cast<std::size_t>(got)) : std::string();
}

// Runnable: running or waiting for a core (the state letter after the parenthesised command
// name is R). Otherwise waiting on a futex (a mutex or condition variable, so for another
// thread) or blocked on anything else (I/O, a socket, a sleep). Unknown counts as blocked, so
// that a handler that holds its worker always lets the pool grow.
ThreadState threadState(int tid) {
    const std::string stat = readProc(tid, "stat");
    const std::size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'R') {
        return ThreadState::runnable;
    }
    const std::string call = readProc(tid, "syscall");
    const long number = std::strtol(call.c_str(), nullptr, 10);
    if (!call.empty() && std::isdigit(static_cast<unsigned char>(call.front())) &&
        number == SYS_futex) {
        return ThreadState::waiting_for_lock;
    }
    return ThreadState::blocked;
}

std::int64_t cpuTime(clockid_t clock) {
    timespec spent{};
    if (clock_gettime(clock, &spent) != 0) {
        return -1;
    }
    return std::int64_t{spent.tv_sec} * 1'000'000'000 + spent.tv_nsec;
}

std::string peerAddress(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    } else if (address.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    }
    return text;
}

// The Date field value (RFC 9110 5.6.7), formatted once per second per thread.
const std::string& httpDate() {
    thread_local std::time_t cached_second = -1;
    thread_local std::string cached;
    const std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        std::tm parts{};
        gmtime_r(&now, &parts);
        char buffer[64];
        const std::size_t length =
            std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &parts);
        cached.assign(buffer, length);
        cached_second = now;
    }
    return cached;
}

// A handler's header value never splits the response: CR and LF become spaces.
void appendSafe(std::string& out, std::string_view text) {
    const std::size_t start = out.size();
    out.append(text);
    for (std::size_t i = start; i < out.size(); ++i) {
        if (out[i] == '\r' || out[i] == '\n') {
            out[i] = ' ';
        }
    }
}

void serialize(std::string& out, const Response& response, bool head, bool close,
               bool http10_keep_alive) {
    out += "HTTP/1.1 ";
    out += std::to_string(response.status);
    out += ' ';
    out += reasonPhrase(response.status);
    out += "\r\nDate: ";
    out += httpDate();
    out += "\r\n";
    for (const auto& [name, value] : response.headers.fields()) {
        // Framing is the transport's business, never a handler's.
        if (equalsIgnoreCase(name, "Content-Length") ||
            equalsIgnoreCase(name, "Transfer-Encoding") || equalsIgnoreCase(name, "Connection") ||
            equalsIgnoreCase(name, "Date")) {
            continue;
        }
        appendSafe(out, name);
        out += ": ";
        appendSafe(out, value);
        out += "\r\n";
    }
    out += "Content-Length: ";
    out += std::to_string(response.body.size());
    if (close) {
        out += "\r\nConnection: close";
    } else if (http10_keep_alive) {
        out += "\r\nConnection: keep-alive";
    }
    out += "\r\n\r\n";
    if (!head) {
        out += response.body;
    }
}

} // namespace

struct EventServer::Connection {
    Connection(int socket, std::string peer, const Limits& limits)
        : fd(socket), client(std::move(peer)), parser(limits) {}
    const int fd;
    const std::string client;
    RequestParser parser;
    std::unique_ptr<Exchange> exchange;
    std::string out; // response bytes not yet written
    std::size_t out_pos = 0;
    bool close_after_flush = false;
    bool http10 = false;
    std::uint64_t answered = 0; // responses serialized, to end a worker's turn after one
    Clock::time_point request_started{};
    // Shared with the supervisor and the drain, which read them under the server's mutex.
    std::atomic<std::int64_t> deadline{0}; // 0 while a worker owns the connection
    std::atomic<bool> idle{false};         // waiting for the first byte of a request
    std::atomic<bool> timed_out{false};
};

struct EventServer::Worker {
    std::thread thread;
    std::atomic<std::int64_t> busy_since{0}; // ticks when it took its event; 0 while waiting
    std::atomic<int> tid{0};
    std::atomic<bool> done{false};
    // The supervisor's own: the event it last looked at, and the worker's CPU time then.
    std::int64_t observed_since = 0;
    std::int64_t observed_cpu = 0;
};

EventServer::EventServer(Pipeline& pipeline, int listen_fd, EventServerOptions options)
    : pipeline_(pipeline), listen_fd_(listen_fd), options_(options) {
    // One per core, and one more that covers short waits (a log write, a lock hand-off)
    // too brief to count as a stall.
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    base_workers_ = std::clamp(options_.base_workers > 0 ? options_.base_workers : cores + 1, 1,
                               std::max(1, options_.threads));
}

EventServer::~EventServer() {
    {
        const std::lock_guard<std::mutex> lock(workers_mutex_);
        stopping_.store(true);
    }
    if (wake_fd_ >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
    }
    supervisor_wake_.notify_all();
    if (supervisor_.joinable()) {
        supervisor_.join();
    }
    // The supervisor, the only one adding workers, is gone: workers_ no longer changes.
    for (Worker& worker : workers_) {
        worker.thread.join();
    }
    for (Connection* connection : connections_) {
        ::close(connection->fd);
        delete connection;
    }
    for (const int fd : {epoll_fd_, wake_fd_, retire_fd_, listen_fd_}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

sdk::Result<void> EventServer::start() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    retire_fd_ = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK); // readable for good, never read
    if (epoll_fd_ < 0 || wake_fd_ < 0 || retire_fd_ < 0) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              std::string("cannot create the event loop: ") + std::strerror(errno));
    }
    const int flags = 1;
    if (ioctl(listen_fd_, FIONBIO, &flags) != 0) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              std::string("cannot make the listening socket non-blocking: ") +
                                  std::strerror(errno));
    }
    epoll_event wake{};
    wake.events = EPOLLIN; // level-triggered: once written, every worker sees it and stops
    wake.data.ptr = &wake_token_;
    epoll_event listen{};
    listen.events = EPOLLIN | EPOLLONESHOT;
    listen.data.ptr = &listen_token_;
    epoll_event retire{};
    retire.events = 0; // disarmed until a worker is to retire (EPOLLONESHOT: one per arming)
    retire.data.ptr = &retire_token_;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake) != 0 ||
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, retire_fd_, &retire) != 0 ||
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen) != 0) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              std::string("cannot watch the listening socket: ") +
                                  std::strerror(errno));
    }
    {
        const std::lock_guard<std::mutex> lock(workers_mutex_);
        for (int i = 0; i < base_workers_; ++i) {
            spawnWorker();
        }
    }
    supervisor_ = std::thread([this] { supervisorLoop(); });
    return sdk::ok();
}

std::size_t EventServer::connections() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return connections_.size();
}

int EventServer::workers() const { return live_.load(); }

bool EventServer::drain(Clock::time_point deadline) {
    draining_.store(true);
    pipeline_.beginShutdown();
    // A listening socket shut down stops listening: new connections are refused and a worker
    // waiting in accept4 gets an error.
    ::shutdown(listen_fd_, SHUT_RDWR);
    std::unique_lock<std::mutex> lock(mutex_);
    for (Connection* connection : connections_) {
        if (connection->idle.load()) {
            ::shutdown(connection->fd, SHUT_RDWR); // wakes a worker, which closes it
        }
    }
    return changed_.wait_until(lock, deadline, [this] { return connections_.empty(); });
}

// Called with workers_mutex_ held.
void EventServer::spawnWorker() {
    if (stopping_.load() || live_.load() >= options_.threads) {
        return;
    }
    Worker& worker = workers_.emplace_back();
    live_.fetch_add(1);
    worker.thread = std::thread([this, &worker] { workerLoop(worker); });
}

void EventServer::wakeSupervisor() {
    if (supervisor_dozing_.load() && supervisor_dozing_.exchange(false)) {
        const std::lock_guard<std::mutex> lock(workers_mutex_);
        supervisor_wake_.notify_one();
    }
}

void EventServer::workerLoop(Worker& self) {
    self.tid.store(static_cast<int>(::gettid()));
    while (!stopping_.load(std::memory_order_relaxed)) {
        epoll_event event{};
        waiting_.fetch_add(1);
        // One event per wait: a worker busy in a slow handler holds no other ready connection.
        const int ready = epoll_wait(epoll_fd_, &event, 1, -1);
        const bool last = waiting_.fetch_sub(1) == 1;
        if (ready <= 0) {
            continue; // EINTR
        }
        if (event.data.ptr == &wake_token_) {
            break;
        }
        if (event.data.ptr == &retire_token_) {
            int asked = retire_.load();
            while (asked > 0 && !retire_.compare_exchange_weak(asked, asked - 1)) {
            }
            if (asked <= 0) {
                continue;
            }
            if (asked > 1) { // more to go: the next waiting worker
                epoll_event again{};
                again.events = EPOLLIN | EPOLLONESHOT;
                again.data.ptr = &retire_token_;
                epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, retire_fd_, &again);
            }
            break;
        }
        self.busy_since.store(ticks(Clock::now()));
        if (last) {
            wakeSupervisor(); // no one is left waiting: the supervisor watches for stalls
        }
        if (event.data.ptr == &listen_token_) {
            acceptAll();
        } else {
            serve(*static_cast<Connection*>(event.data.ptr));
        }
        self.busy_since.store(0);
    }
    live_.fetch_sub(1);
    self.done.store(true);
}

void EventServer::supervisorLoop() {
    Clock::time_point next_sweep = Clock::now() + kSweepInterval;
    Clock::time_point awake_until = Clock::now();
    std::unique_lock<std::mutex> lock(workers_mutex_);
    while (!stopping_.load()) {
        Clock::time_point now = Clock::now();
        if (waiting_.load() == 0) {
            awake_until = now + kStayAwake;
        }
        if (now < awake_until) {
            supervisor_wake_.wait_until(lock, std::min(next_sweep, now + kStallCheckEvery));
        } else {
            // Doze until the sweep, or until a worker finds no one left waiting. The flag is
            // set before waiting_ is read, and workers read it after changing waiting_, so
            // one of the two sees the other.
            supervisor_dozing_.store(true);
            if (waiting_.load() != 0) {
                supervisor_wake_.wait_until(lock, next_sweep, [this] {
                    return !supervisor_dozing_.load() || stopping_.load();
                });
            }
            supervisor_dozing_.store(false);
        }
        if (stopping_.load()) {
            break;
        }
        now = Clock::now();
        adjustPool(now);
        if (now >= next_sweep) {
            next_sweep = now + kSweepInterval;
            lock.unlock();
            sweep();
            lock.lock();
        }
    }
}

void EventServer::sweep() {
    const std::lock_guard<std::mutex> lock(mutex_);
    const std::int64_t now = ticks(Clock::now());
    for (Connection* connection : connections_) {
        const std::int64_t deadline = connection->deadline.load();
        if (deadline != 0 && deadline < now && !connection->timed_out.exchange(true)) {
            // Reading then sees the end of input, which wakes a worker for the connection;
            // writing still works, for the 408.
            ::shutdown(connection->fd, SHUT_RD);
        }
    }
}

// A worker is stalled when its event has kept it past stall_after and it is either blocked
// (a store commit, an outgoing HTTP call, a sleep) or has used stall_after of CPU since the
// supervisor first saw it (Argon2id). A worker merely waiting for a core is not stalled: it
// will finish soon, and another worker would only compete with it for the same cores. Nor,
// for kLockWaitStall times longer, is one waiting for a lock: the holder is what the pool
// must make up for (it counts as stalled itself when blocked), and more workers queueing on
// the same lock (the store's single writer) would only make the queue less fair than epoll's.
bool EventServer::stalled(Worker& worker, std::int64_t now) {
    const std::int64_t since = worker.busy_since.load();
    const std::int64_t threshold =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.stall_after).count();
    if (since == 0 || now - since < threshold) {
        return false;
    }
    clockid_t clock{};
    const std::int64_t cpu =
        pthread_getcpuclockid(worker.thread.native_handle(), &clock) == 0 ? cpuTime(clock) : -1;
    if (worker.observed_since != since) {
        worker.observed_since = since;
        worker.observed_cpu = cpu;
    } else if (cpu >= 0 && worker.observed_cpu >= 0 && cpu - worker.observed_cpu >= threshold) {
        return true;
    }
    const ThreadState state = threadState(worker.tid.load());
    return state == ThreadState::blocked || (state == ThreadState::waiting_for_lock &&
                                             now - since >= threshold * kLockWaitStall);
}

// Called with workers_mutex_ held.
void EventServer::adjustPool(Clock::time_point now) {
    for (auto it = workers_.begin(); it != workers_.end();) {
        if (it->done.load()) {
            it->thread.join();
            it = workers_.erase(it);
        } else {
            ++it;
        }
    }
    int stalled_workers = 0;
    for (Worker& worker : workers_) {
        if (!worker.done.load() && stalled(worker, ticks(now))) {
            ++stalled_workers;
        }
    }
    const int live = live_.load() - retire_.load();
    const int available = live - stalled_workers;
    if (available < base_workers_ && waiting_.load() == 0) {
        for (int i = available; i < base_workers_; ++i) {
            spawnWorker();
        }
    }
    if (available <= base_workers_) {
        surplus_since_ = now;
    } else if (now - surplus_since_ >= options_.retire_after) {
        // More workers than needed for a while: retire the surplus, one per waiting worker.
        surplus_since_ = now;
        if (retire_.fetch_add(available - base_workers_) == 0) {
            epoll_event arm{};
            arm.events = EPOLLIN | EPOLLONESHOT;
            arm.data.ptr = &retire_token_;
            epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, retire_fd_, &arm);
        }
    }
}

void EventServer::acceptAll() {
    while (!draining_.load()) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                pipeline_.logger().log(sdk::LogLevel::warning, "server.accept_failed",
                                       "cannot accept a connection; retrying shortly",
                                       {{"error", std::strerror(errno)}});
                // The connection stays queued and would wake a worker at once: pause instead.
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            break; // EAGAIN: nothing more to accept
        }
        auto connection = std::make_unique<Connection>(fd, peerAddress(address), pipeline_.limits());
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (connections_.size() >= options_.max_connections) {
                ::close(fd); // over the bound: refused the way a full queue refused them
                continue;
            }
            connections_.insert(connection.get());
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Connection& added = *connection.release();
        added.idle.store(true);
        added.deadline.store(ticks(Clock::now() + options_.keep_alive_timeout));
        epoll_event event{};
        event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
        event.data.ptr = &added;
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
            close(&added);
        }
    }
    if (!draining_.load()) {
        epoll_event event{};
        event.events = EPOLLIN | EPOLLONESHOT;
        event.data.ptr = &listen_token_;
        epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &event);
    }
}

void EventServer::serve(Connection& c) {
    c.deadline.store(0);
    c.idle.store(false);
    if (c.timed_out.load()) {
        // A request begun and not complete in time gets a 408 (best effort: one write).
        if (c.out.empty() && (c.exchange || !c.parser.idle())) {
            if (!c.exchange) {
                beginExchange(c);
            }
            c.exchange->refuse(
                reject(408, "request_timeout", "the request did not arrive in time", true));
            respond(c);
            (void)flush(c);
        }
        close(&c);
        return;
    }
    Next next = c.out.empty() ? Next::read : flush(c);
    if (next == Next::read && c.close_after_flush) {
        next = Next::close;
    }
    const std::uint64_t answered_before = c.answered;
    while (next == Next::read) {
        next = process(c);
        if (next != Next::read) {
            break;
        }
        if (c.answered != answered_before && c.parser.idle()) {
            // Answered everything read so far: wait for the next request through epoll, so
            // that a client quick to send again queues behind the other ready connections
            // instead of keeping this worker (and it saves a recv that would find nothing).
            arm(c, EPOLLIN | EPOLLRDHUP);
            return;
        }
        // Only workers read: a per-thread pointer keeps the 16 KiB out of the static TLS
        // segment that every thread of the process gets (and has zeroed) at creation.
        thread_local std::unique_ptr<char[]> buffer;
        if (!buffer) {
            buffer = std::make_unique_for_overwrite<char[]>(kReadBuffer);
        }
        const ssize_t got = ::recv(c.fd, buffer.get(), kReadBuffer, 0);
        if (got > 0) {
            if (c.parser.idle()) {
                c.request_started = Clock::now();
            }
            c.parser.feed(std::string_view(buffer.get(), static_cast<std::size_t>(got)));
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            arm(c, EPOLLIN | EPOLLRDHUP);
            return;
        }
        if (got == 0 && !c.parser.idle()) {
            // The client ended its side mid-request: answer the truncated request, then close.
            c.parser.endOfInput();
            next = process(c);
            if (next != Next::write) {
                next = Next::close;
            }
            break;
        }
        next = Next::close; // end of input between requests, or a reset
    }
    if (next == Next::write) {
        arm(c, EPOLLOUT);
        return;
    }
    close(&c);
}

EventServer::Next EventServer::process(Connection& c) {
    while (true) {
        switch (c.parser.parse()) {
        case RequestParser::Status::need_more:
            return Next::read;
        case RequestParser::Status::head:
            beginExchange(c);
            if (c.exchange->refused() && c.exchange->closeAfter()) {
                respond(c);
                c.close_after_flush = true;
                const Next next = flush(c);
                return next == Next::read ? Next::close : next;
            }
            if (c.parser.expectsContinue() && !c.exchange->refused()) {
                c.out.append(kContinue);
                if (const Next next = flush(c); next != Next::read) {
                    return next;
                }
            }
            break;
        case RequestParser::Status::error: {
            if (!c.exchange) {
                beginExchange(c);
            }
            if (!c.exchange->refused()) {
                c.exchange->refuse(c.parser.rejection());
            }
            respond(c);
            c.close_after_flush = true;
            const Next next = flush(c);
            return next == Next::read ? Next::close : next;
        }
        case RequestParser::Status::complete: {
            if (!c.exchange->refused()) {
                c.exchange->acceptBody(std::move(c.parser.body()));
            }
            const bool keep_alive = c.parser.keepAlive();
            respond(c);
            c.close_after_flush = c.close_after_flush || !keep_alive;
            c.parser.next();
            const Next next = flush(c);
            if (next != Next::read) {
                return next;
            }
            if (c.close_after_flush) {
                return Next::close;
            }
            break;
        }
        }
    }
}

void EventServer::beginExchange(Connection& c) {
    RequestParser& parser = c.parser;
    const std::string* id = parser.headers().find(kRequestIdHeader);
    c.exchange = std::make_unique<Exchange>(pipeline_, parser.method(), id ? *id : "", c.client);
    c.http10 = parser.version() == "HTTP/1.0";
    if (parser.headParsed()) {
        c.exchange->acceptHead(parser.target(), parser.version(), std::move(parser.headers()));
    } else if (!parser.target().empty()) {
        c.exchange->request().path = parser.target().substr(0, parser.target().find('?'));
    }
}

void EventServer::respond(Connection& c) {
    Exchange& exchange = *c.exchange;
    const Response& response = exchange.respond();
    const bool close = exchange.closeAfter() || !c.parser.keepAlive() || c.close_after_flush;
    serialize(c.out, response, exchange.isHead(), close, c.http10 && !close);
    c.close_after_flush = close;
    ++c.answered;
    exchange.finish();
    c.exchange.reset();
}

EventServer::Next EventServer::flush(Connection& c) {
    while (c.out_pos < c.out.size()) {
        const ssize_t sent =
            ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
        if (sent > 0) {
            c.out_pos += static_cast<std::size_t>(sent);
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return Next::write;
        } else {
            c.close_after_flush = true;
            c.out.clear();
            c.out_pos = 0;
            return Next::close;
        }
    }
    c.out.clear();
    c.out_pos = 0;
    return Next::read;
}

void EventServer::arm(Connection& c, std::uint32_t events) {
    const Clock::time_point now = Clock::now();
    const bool idle = events != EPOLLOUT && c.parser.idle() && !c.exchange;
    Clock::time_point deadline = now + options_.receive_timeout;
    if (idle) {
        deadline = now + options_.keep_alive_timeout;
    } else if (events != EPOLLOUT) {
        deadline = c.request_started + options_.receive_timeout;
    }
    c.deadline.store(ticks(deadline));
    c.idle.store(idle);
    // Checked after `idle` is published, while drain() sets draining_ before reading `idle`:
    // one of the two sees the other, so an idle connection never outlives a drain.
    if (idle && draining_.load()) {
        ::shutdown(c.fd, SHUT_RDWR);
    }
    epoll_event event{};
    event.events = events | EPOLLONESHOT;
    event.data.ptr = &c;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &event) != 0) {
        c.deadline.store(0);
        close(&c);
    }
}

void EventServer::close(Connection* c) {
    c->exchange.reset();
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        connections_.erase(c);
    }
    changed_.notify_all();
    // Send the FIN after the last response, then drop what the client still had in flight
    // (bounded), so that closing does not reset the connection under an unread response.
    ::shutdown(c->fd, SHUT_WR);
    std::array<char, 4096> discard;
    for (int i = 0; i < 16 && ::recv(c->fd, discard.data(), discard.size(), MSG_DONTWAIT) > 0;
         ++i) {
    }
    ::close(c->fd);
    delete c;
}

} // namespace authd::http
