// SPDX-License-Identifier: Apache-2.0
#include "smtp_mailer.hpp"

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/HMACEngine.h>
#include <Poco/MD5Engine.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include "smtp_message.hpp"

namespace authd::plugins::smtp {

namespace {

/// Poco's session with the two steps it keeps protected: reading the EHLO reply (to see
/// whether STARTTLS is offered) and upgrading the connection with our own context and the
/// configured host name (Poco's startTLS would use the name it was constructed with, and we
/// construct from an already connected socket to bound the connect time).
class Session final : public Poco::Net::SMTPClientSession {
  public:
    explicit Session(const Poco::Net::StreamSocket& socket) : SMTPClientSession(socket) {}

    std::string ehlo(const std::string& name) {
        std::string response;
        login(name, response);
        return response;
    }

    void startTls(const Poco::Net::Context::Ptr& context, const std::string& host,
                  const Poco::Timespan& timeout) {
        std::string response;
        const int status = sendCommand("STARTTLS", response);
        if (!isPositiveCompletion(status)) {
            throw Poco::Net::SMTPException("STARTTLS refused", response, status);
        }
        Poco::Net::SecureStreamSocket secure =
            Poco::Net::SecureStreamSocket::attach(socket(), host, context);
        secure.setReceiveTimeout(timeout);
        secure.setSendTimeout(timeout);
        socket() = secure;
    }

    // The SASL exchanges are written here rather than taken from Poco's login(): Poco's LOGIN
    // depends on the wording of the server's prompts and some of its failures carry no reply
    // code, which the retry policy needs.
    void authenticate(AuthMethod method, const std::string& user, const std::string& password) {
        std::string response;
        int status = 0;
        switch (method) {
        case AuthMethod::login:
            status = expect(sendCommand("AUTH LOGIN", response), response, 334);
            status = expect(sendCommand(encode64(user), response), response, 334);
            status = sendCommand(encode64(password), response);
            break;
        case AuthMethod::plain: {
            const std::string initial = encode64(std::string(1, '\0') + user + '\0' + password);
            status = sendCommand("AUTH PLAIN " + initial, response);
            if (status == 334) {  // a server that does not take an initial response
                status = sendCommand(initial, response);
            }
            break;
        }
        case AuthMethod::cram_md5: {
            status = expect(sendCommand("AUTH CRAM-MD5", response), response, 334);
            const std::string challenge = decode64(response.size() > 4 ? response.substr(4) : "");
            Poco::HMACEngine<Poco::MD5Engine> hmac(password);
            hmac.update(challenge);
            status = sendCommand(
                encode64(user + " " + Poco::DigestEngine::digestToHex(hmac.digest())), response);
            break;
        }
        }
        if (!isPositiveCompletion(status)) {
            throw Poco::Net::SMTPException("authentication failed", response, status);
        }
    }

  private:
    static int expect(int status, const std::string& response, int wanted) {
        if (status != wanted) {
            throw Poco::Net::SMTPException("authentication failed", response, status);
        }
        return status;
    }

    static std::string encode64(const std::string& bytes) {
        std::ostringstream out;
        Poco::Base64Encoder encoder(out);
        encoder.rdbuf()->setLineLength(0);
        encoder << bytes;
        encoder.close();
        return out.str();
    }

    static std::string decode64(const std::string& text) {
        try {
            std::istringstream in(text);
            Poco::Base64Decoder decoder(in);
            std::ostringstream out;
            out << decoder.rdbuf();
            return out.str();
        } catch (const Poco::Exception&) {
            return {};
        }
    }
};

std::string base64(const std::string& bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << bytes;
    encoder.close();
    return out.str();
}

void replaceAll(std::string& text, const std::string& needle, const std::string& with) {
    if (needle.empty()) {
        return;
    }
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + with.size())) {
        text.replace(at, needle.size(), with);
    }
}

// Whether an EHLO reply lists the STARTTLS extension (one keyword per line, after the code).
bool offersStartTls(const std::string& ehlo_reply) {
    std::istringstream lines(ehlo_reply);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.size() >= 4) {
            std::string keyword = line.substr(4);
            while (!keyword.empty() && (keyword.back() == '\r' || keyword.back() == ' ')) {
                keyword.pop_back();
            }
            for (char& c : keyword) {
                if (c >= 'a' && c <= 'z') {
                    c = static_cast<char>(c - 'a' + 'A');
                }
            }
            if (keyword == "STARTTLS") {
                return true;
            }
        }
    }
    return false;
}

SmtpMailer::Attempt failed(sdk::ErrorCode code, std::string message, bool retryable) {
    SmtpMailer::Attempt attempt;
    attempt.retryable = retryable;
    attempt.error = sdk::makeError(code, std::move(message));
    return attempt;
}

}  // namespace

sdk::Result<sdk::MailerPtr> SmtpMailer::create(SmtpConfig config, sdk::HostContext& host) {
    Poco::Net::Context::Ptr context;
    if (config.tls != TlsMode::none) {
        try {
            Poco::Net::initializeSSL();
            Poco::Net::Context::Params params;
            params.caLocation = config.ca_file;
            params.loadDefaultCAs = true;
            params.verificationMode = config.verify_certificate ? Poco::Net::Context::VERIFY_RELAXED
                                                                : Poco::Net::Context::VERIFY_NONE;
            params.verificationDepth = 9;
            params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
            context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
            context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        } catch (const Poco::Exception& e) {
            return sdk::makeError(sdk::ErrorCode::invalid_config,
                                  "smtp: cannot set up TLS: " + e.displayText());
        }
    }
    return sdk::MailerPtr(new SmtpMailer(std::move(config), std::move(context), host));
}

SmtpMailer::SmtpMailer(SmtpConfig config, Poco::Net::Context::Ptr context, sdk::HostContext& host)
    : config_(std::move(config)), context_(std::move(context)), host_(host) {}

std::string SmtpMailer::endpoint() const {
    const bool ipv6 = config_.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + config_.host + "]" : config_.host) + ":" + std::to_string(config_.port);
}

std::string SmtpMailer::scrub(std::string text) const {
    if (!config_.password.empty()) {
        replaceAll(text, config_.password, "[redacted]");
        replaceAll(text, base64(config_.password), "[redacted]");
        replaceAll(text, base64(std::string(1, '\0') + config_.username + '\0' + config_.password),
                   "[redacted]");
    }
    return text;
}

sdk::Result<void> SmtpMailer::send(const sdk::MailMessage& message) {
    try {
        SmtpParts parts;
        parts.from = message.from.empty() ? config_.from : message.from;
        parts.to = message.to;
        parts.subject = message.subject;
        parts.text_body = message.text_body;
        parts.html_body = message.html_body;
        parts.date = host_.clock().now();
        const std::string id_token = host_.random().token(18);
        const std::string boundary_token = host_.random().token(18);
        if (id_token.empty() || boundary_token.empty()) {
            return sdk::makeError(sdk::ErrorCode::unavailable,
                                  "smtp cannot name the message: the CSPRNG failed");
        }
        const std::size_t at = parts.from.rfind('@');
        parts.message_id =
            "<" + id_token + "@" +
            (at == std::string::npos ? std::string("localhost") : parts.from.substr(at + 1)) + ">";
        parts.boundary = "=_authd_" + boundary_token;
        auto data = formatSmtpMessage(parts);
        if (!data) {
            return std::move(data).error();
        }

        Attempt last;
        const int attempts = config_.retries + 1;
        int made = 0;
        while (made < attempts) {
            if (made > 0 && config_.retry_delay > 0) {
                std::this_thread::sleep_for(std::chrono::seconds(config_.retry_delay));
            }
            ++made;
            last = attempt(parts.from, parts.to, *data);
            if (last.delivered) {
                host_.logger().log(sdk::LogLevel::info, "smtp.sent",
                                   "message delivered to the SMTP server",
                                   {{"server", endpoint()}, {"attempts", std::to_string(made)}});
                return sdk::ok();
            }
            host_.logger().log(sdk::LogLevel::warning, "smtp.attempt_failed", last.error.message,
                               {{"server", endpoint()},
                                {"attempt", std::to_string(made)},
                                {"retryable", last.retryable ? "true" : "false"}});
            if (!last.retryable) {
                break;
            }
        }
        if (last.error.code == sdk::ErrorCode::unavailable && last.retryable) {
            return sdk::makeError(
                sdk::ErrorCode::unavailable,
                "smtp server " + endpoint() + " unavailable after " + std::to_string(made) +
                    (made == 1 ? " attempt: " : " attempts: ") + last.error.message);
        }
        return last.error;
    } catch (const std::exception& e) {
        return sdk::makeError(sdk::ErrorCode::internal,
                              scrub(std::string("smtp failed: ") + e.what()));
    } catch (...) {
        return sdk::makeError(sdk::ErrorCode::internal, "smtp failed with an unknown exception");
    }
}

SmtpMailer::Attempt SmtpMailer::attempt(const std::string& from, const std::string& to,
                                        const std::string& data) {
    const Poco::Timespan timeout(config_.timeout, 0);
    const std::string where = endpoint();
    const bool tls_required = config_.tls == TlsMode::required_starttls;
    try {
        Poco::Net::StreamSocket plain;
        plain.connect(Poco::Net::SocketAddress(config_.host, config_.port), timeout);
        plain.setReceiveTimeout(timeout);
        plain.setSendTimeout(timeout);
        plain.setNoDelay(true);
        std::unique_ptr<Session> session;
        bool secure = false;
        if (config_.tls == TlsMode::implicit) {
            Poco::Net::SecureStreamSocket wrapped =
                Poco::Net::SecureStreamSocket::attach(plain, config_.host, context_);
            wrapped.setReceiveTimeout(timeout);
            wrapped.setSendTimeout(timeout);
            session = std::make_unique<Session>(wrapped);
            secure = true;
        } else {
            session = std::make_unique<Session>(plain);
        }
        session->setTimeout(timeout);
        const std::string helo =
            config_.helo_name.empty() ? Poco::Environment::nodeName() : config_.helo_name;
        const std::string reply = session->ehlo(helo);
        if (!secure && (config_.tls == TlsMode::starttls || tls_required)) {
            if (offersStartTls(reply)) {
                session->startTls(context_, config_.host, timeout);
                secure = true;
            } else if (tls_required) {
                return failed(sdk::ErrorCode::unavailable,
                              "smtp server " + where +
                                  " does not offer STARTTLS and tls is required-starttls",
                              false);
            }
        }
        if (!config_.username.empty()) {
            if (!secure && config_.tls != TlsMode::none) {
                return failed(sdk::ErrorCode::unavailable,
                              "smtp server " + where +
                                  " does not offer STARTTLS: credentials are not sent in clear "
                                  "(use tls: required-starttls or tls, or tls: none for a "
                                  "trusted local relay)",
                              false);
            }
            if (secure && config_.tls != TlsMode::implicit) {
                session->ehlo(helo);  // RFC 3207 4.2: forget what was learnt before STARTTLS
            }
            session->authenticate(config_.auth, config_.username, config_.password);
        } else if (secure && config_.tls != TlsMode::implicit) {
            session->ehlo(helo);
        }
        session->sendAddresses(from, {to});
        session->sendData();
        std::istringstream body(data);
        session->sendMessage(body);
        try {
            session->close();
        } catch (const Poco::Exception&) {
            // Delivered already; a server that drops the connection on QUIT changes nothing.
        }
        Attempt done;
        done.delivered = true;
        return done;
    } catch (const Poco::Net::SMTPException& e) {
        const int status = e.code();
        const std::string text = scrub(e.displayText());
        if (status >= 500 && status < 600) {
            const bool recipient = e.message().find("Recipient") != std::string::npos ||
                                   text.find("Recipient") != std::string::npos;
            return failed(recipient ? sdk::ErrorCode::invalid_argument
                                    : sdk::ErrorCode::unavailable,
                          "smtp server " + where + " refused: " + text, false);
        }
        return failed(sdk::ErrorCode::unavailable, "smtp server " + where + ": " + text, true);
    } catch (const Poco::Net::SSLException& e) {
        // Certificate and handshake failures do not heal by retrying.
        return failed(sdk::ErrorCode::unavailable,
                      "TLS with smtp server " + where + " failed: " + scrub(e.displayText()),
                      false);
    } catch (const Poco::TimeoutException&) {
        return failed(sdk::ErrorCode::unavailable, "smtp server " + where + " timed out", true);
    } catch (const Poco::Exception& e) {
        return failed(sdk::ErrorCode::unavailable,
                      "cannot talk to smtp server " + where + ": " + scrub(e.displayText()), true);
    } catch (const std::exception& e) {
        return failed(sdk::ErrorCode::unavailable,
                      "cannot talk to smtp server " + where + ": " + scrub(e.what()), true);
    }
}

}  // namespace authd::plugins::smtp
