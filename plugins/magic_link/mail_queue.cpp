// SPDX-License-Identifier: Apache-2.0
#include "mail_queue.hpp"

#include <exception>
#include <utility>

namespace authd::plugins::magic_link {

MailQueue::MailQueue(sdk::HostContext& host, std::string instance_id, std::size_t capacity,
                     std::size_t senders)
    : host_(host), instance_id_(std::move(instance_id)), capacity_(capacity) {
    try {
        for (std::size_t i = 0; i < senders; ++i) {
            senders_.emplace_back([this] { run(); });
        }
    } catch (...) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& sender : senders_) {
            sender.join();
        }
        throw;
    }
}

MailQueue::~MailQueue() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& sender : senders_) {
        sender.join();
    }
}

bool MailQueue::push(Job job) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_ || jobs_.size() >= capacity_) {
            return false;
        }
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void MailQueue::run() {
    for (;;) {
        Job job;
        std::size_t dropped = 0;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) {
                return;  // stopping, and everything queued has been handled
            }
            if (give_up_) {
                dropped = jobs_.size();
                jobs_.clear();
            } else {
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
        }
        if (dropped > 0) {
            try {
                host_.logger().log(
                    sdk::LogLevel::error, "magic_link.mail_dropped",
                    "shutting down with the mailer failing; queued sign-in links "
                    "are not sent",
                    {{"authenticator", instance_id_}, {"count", std::to_string(dropped)}});
            } catch (...) {  // the logger itself failed: nothing left to tell anyone
            }
            return;
        }
        if (!send(job)) {
            std::lock_guard<std::mutex> lock(mutex_);
            give_up_ = give_up_ || stopping_;
        }
    }
}

bool MailQueue::send(const Job& job) {
    // Nothing may escape a thread: an exception here would end the process.
    try {
        sdk::Mailer* mailer = host_.mailer();
        if (mailer == nullptr) {
            host_.logger().log(sdk::LogLevel::error, "magic_link.mail_failed",
                               "magic_link needs a mail: section in the config; link not sent",
                               {{"authenticator", instance_id_}});
            return false;
        }
        auto sent = mailer->send(job.message);
        if (!sent) {
            std::vector<std::pair<std::string, std::string>> fields = {
                {"authenticator", instance_id_}, {"code", sdk::errorCodeName(sent.error().code)}};
            if (!job.user_id.empty()) {
                fields.emplace_back("user_id", job.user_id);
            }
            host_.logger().log(sdk::LogLevel::error, "magic_link.mail_failed",
                               "the sign-in link could not be sent: " + sent.error().message,
                               fields);
            return false;
        }
        std::vector<std::pair<std::string, std::string>> fields = {{"authenticator", instance_id_}};
        if (!job.user_id.empty()) {
            fields.emplace_back("user_id", job.user_id);
        }
        host_.logger().log(sdk::LogLevel::info, "magic_link.mail_sent", "sign-in link sent",
                           fields);
        return true;
    } catch (const std::exception& e) {
        try {
            host_.logger().log(sdk::LogLevel::error, "magic_link.mail_failed",
                               std::string("sending the sign-in link threw: ") + e.what(),
                               {{"authenticator", instance_id_}});
        } catch (...) {  // the logger itself failed: nothing left to tell anyone
        }
    } catch (...) {
        try {
            host_.logger().log(sdk::LogLevel::error, "magic_link.mail_failed",
                               "sending the sign-in link threw", {{"authenticator", instance_id_}});
        } catch (...) {  // the logger itself failed: nothing left to tell anyone
        }
    }
    return false;
}

}  // namespace authd::plugins::magic_link
