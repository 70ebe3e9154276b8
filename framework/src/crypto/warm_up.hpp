// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <thread>

namespace authd::crypto {

/// Builds OpenSSL's lazily made state on a second thread while the start-up goes on: the random
/// generator (the first RAND_bytes instantiates and seeds the DRBG chain), the algorithm tables
/// the start-up fetches (AES-256-GCM for secrets at rest, SHA-256, HMAC) and the key decoders
/// (the first PEM key decoded builds them). The first use on the main thread then finds them
/// made: 9.7 M of the main thread's 51.5 M instructions before the first answer move to the
/// second thread, a gain in time only when a core is free (bench/RESULTS.md).
/// Nothing is configured differently, with one exception: OpenSSL's error strings (about
/// 130 KiB of libcrypto pages and 50 KiB of heap) are not loaded at start
/// (OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS); the first TLS use loads them (Poco NetSSL's
/// initialisation), where Poco puts OpenSSL's reason text in its messages.
/// Ownership: the destructor joins the thread, so that no OpenSSL call is in flight when the
/// process exits (OpenSSL's atexit clean-up). Create it after the signal mask is set.
class OpenSslWarmUp {
  public:
    OpenSslWarmUp();
    ~OpenSslWarmUp();
    OpenSslWarmUp(const OpenSslWarmUp&) = delete;
    OpenSslWarmUp& operator=(const OpenSslWarmUp&) = delete;

  private:
    std::thread thread_;
};

} // namespace authd::crypto
