// SPDX-License-Identifier: Apache-2.0
#include "http/event_server.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/request_id.hpp"
#include "http/request_parser.hpp"

namespace authd::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBuffer = 16384;
constexpr auto kSweepInterval = std::chrono::milliseconds(200);
constexpr int kInitialWorkers = 4; // grown on demand up to EventServerOptions::threads
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::int64_t ticks(Clock::time_point at) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
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
    Clock::time_point request_started{};
    // Shared with the sweeper and the drain, which read them under the server's mutex.
    std::atomic<std::int64_t> deadline{0}; // 0 while a worker owns the connection
    std::atomic<bool> idle{false};         // waiting for the first byte of a request
    std::atomic<bool> timed_out{false};
};

EventServer::EventServer(Pipeline& pipeline, int listen_fd, EventServerOptions options)
    : pipeline_(pipeline), listen_fd_(listen_fd), options_(options) {}

EventServer::~EventServer() {
    {
        const std::lock_guard<std::mutex> lock(workers_mutex_);
        stopping_.store(true);
    }
    if (wake_fd_ >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
    }
    changed_.notify_all();
    // No worker is added once stopping_ is set under the mutex, so workers_ no longer changes.
    for (std::thread& worker : workers_) {
        worker.join();
    }
    if (sweeper_.joinable()) {
        sweeper_.join();
    }
    for (Connection* connection : connections_) {
        ::close(connection->fd);
        delete connection;
    }
    for (const int fd : {epoll_fd_, wake_fd_, listen_fd_}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

sdk::Result<void> EventServer::start() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_fd_ < 0 || wake_fd_ < 0) {
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
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake) != 0 ||
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen) != 0) {
        return sdk::makeError(sdk::ErrorCode::unavailable,
                              std::string("cannot watch the listening socket: ") +
                                  std::strerror(errno));
    }
    for (int i = 0; i < std::min(options_.threads, kInitialWorkers); ++i) {
        spawnWorker();
    }
    sweeper_ = std::thread([this] { sweeperLoop(); });
    return sdk::ok();
}

std::size_t EventServer::connections() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return connections_.size();
}

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

void EventServer::spawnWorker() {
    const std::lock_guard<std::mutex> lock(workers_mutex_);
    if (stopping_.load() || workers_.size() >= static_cast<std::size_t>(options_.threads)) {
        return;
    }
    workers_.emplace_back([this] { workerLoop(); });
}

void EventServer::workerLoop() {
    while (!stopping_.load(std::memory_order_relaxed)) {
        epoll_event event{};
        waiting_.fetch_add(1);
        // One event per wait: a worker busy in a slow handler holds no other ready connection.
        const int ready = epoll_wait(epoll_fd_, &event, 1, -1);
        if (waiting_.fetch_sub(1) == 1 && ready > 0 && event.data.ptr != &wake_token_) {
            spawnWorker(); // this was the last waiting worker: keep one ready for the next event
        }
        if (ready <= 0) {
            continue; // EINTR
        }
        if (event.data.ptr == &wake_token_) {
            return;
        }
        if (event.data.ptr == &listen_token_) {
            acceptAll();
            continue;
        }
        serve(*static_cast<Connection*>(event.data.ptr));
    }
}

void EventServer::sweeperLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_.load()) {
        changed_.wait_for(lock, kSweepInterval);
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
    while (next == Next::read) {
        next = process(c);
        if (next != Next::read) {
            break;
        }
        thread_local std::array<char, kReadBuffer> buffer;
        const ssize_t got = ::recv(c.fd, buffer.data(), buffer.size(), 0);
        if (got > 0) {
            if (c.parser.idle()) {
                c.request_started = Clock::now();
            }
            c.parser.feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
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
