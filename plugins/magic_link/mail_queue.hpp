// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "authd/sdk/host.hpp"
#include "authd/sdk/mailer.hpp"

namespace authd::plugins::magic_link {

/// Sends sign-in mails from background threads, so that a request for a link answers as fast
/// for an unknown address (no mail) as for a known one (a mail through a possibly slow SMTP
/// server): response time must not reveal whether an account exists.
/// Ownership: owned by the authenticator; the host destroys authenticators before the mailer.
/// Threading: push() may be called concurrently. Errors: a failed send is logged
/// (`magic_link.mail_failed`), never returned: the user was already told to check their mail.
class MailQueue {
public:
    struct Job {
        sdk::MailMessage message;
        std::string user_id;  ///< for the log line; empty for an account still to be created
    };

    /// Starts `senders` threads. Throws std::system_error when a thread cannot start (the
    /// factory turns that into an error).
    MailQueue(sdk::HostContext& host, std::string instance_id, std::size_t capacity,
              std::size_t senders);
    /// Stops accepting jobs, sends what is queued, and joins the threads. Once a send fails
    /// after stopping began, the rest is dropped (and counted in `magic_link.mail_dropped`), so
    /// that an unreachable mail server cannot hold shutdown for a whole queue of timeouts.
    ~MailQueue();
    MailQueue(const MailQueue&) = delete;
    MailQueue& operator=(const MailQueue&) = delete;

    /// Queues a mail; false when the queue is full or stopping (the caller logs and drops it).
    bool push(Job job);

private:
    void run();
    /// True when the mailer accepted the message.
    bool send(const Job& job);

    sdk::HostContext& host_;
    const std::string instance_id_;
    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    bool give_up_ = false;              // a send failed while stopping: drop what is left
    std::vector<std::thread> senders_;  // last: the threads use every member above
};

}  // namespace authd::plugins::magic_link
