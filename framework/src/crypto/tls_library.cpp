// SPDX-License-Identifier: Apache-2.0
// Poco NetSSL, loaded on first use.
//
// The host calls nine functions of libPocoNetSSL, all of them only when TLS is configured (the
// HTTPS listener, an https:// upstream). Linked normally, the library and what it needs
// (PocoCrypto, PocoUtil, PocoXML, expat, libssl) are mapped and relocated at every start: six
// shared objects, about a third of the dynamic loader's start-up work and 1.7 MiB of resident
// pages (docs/decisions/0006-static-and-lazy-libraries.md). The link gives each of the nine
// calls to the function of the same name prefixed with __wrap_ (`ld --wrap`; framework/CMakeLists.txt
// reads the list from the wrappers below): each opens the library the first time, looks the real
// function up once and calls it with the same arguments. Every wrapper has exactly the signature
// its mangled name encodes; the return types are those of the Poco headers. A call of NetSSL that
// has no wrapper here brings the library back into every start (CTest authd_start_libraries).
#include <dlfcn.h>

#include <mutex>
#include <string>
#include <string_view>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>

#ifdef AUTHD_POCO_NETSSL_SONAME // else the link does not wrap the calls (AUTHD_LAZY_TLS=OFF)

namespace {

using Poco::Net::Context;
using Poco::Net::SSLManager;
using PassphraseHandlerPtr = SSLManager::PrivateKeyPassphraseHandlerPtr;
using CertificateHandlerPtr = SSLManager::InvalidCertificateHandlerPtr;

void* netSslLibrary() {
    static std::once_flag once;
    static void* handle = nullptr;
    static std::string error;
    std::call_once(once, [] {
        // RTLD_GLOBAL: the same scope a link-time dependency would have had.
        handle = ::dlopen(AUTHD_POCO_NETSSL_SONAME, RTLD_NOW | RTLD_GLOBAL);
        if (handle == nullptr) {
            const char* reason = ::dlerror();
            error = reason != nullptr ? reason : "unknown error";
        }
    });
    if (handle == nullptr) {
        throw Poco::LibraryLoadException("TLS needs " AUTHD_POCO_NETSSL_SONAME, error);
    }
    return handle;
}

// The real function behind the wrapper named `wrapper` ("__wrap_" + its symbol), as type Fn.
// Throws Poco::LibraryLoadException when the library or the symbol is missing.
template <typename Fn> Fn realFunction(std::string_view wrapper) {
    constexpr std::string_view kPrefix = "__wrap_";
    const std::string symbol(wrapper.substr(kPrefix.size()));
    void* address = ::dlsym(netSslLibrary(), symbol.c_str());
    if (address == nullptr) {
        throw Poco::LibraryLoadException(AUTHD_POCO_NETSSL_SONAME " has no symbol", symbol);
    }
    return reinterpret_cast<Fn>(address);
}

} // namespace

// A constructor or member function is, in the Itanium C++ ABI, a function whose first argument
// is `this`; arguments of class type are passed the same way in both declarations.
extern "C" {

void __wrap__ZN4Poco3Net13initializeSSLEv() {
    static const auto real = realFunction<void (*)()>(__func__);
    real();
}

SSLManager& __wrap__ZN4Poco3Net10SSLManager8instanceEv() {
    static const auto real = realFunction<SSLManager& (*)()>(__func__);
    return real();
}

void __wrap__ZN4Poco3Net10SSLManager16initializeClientENS_9SharedPtrINS0_27PrivateKeyPassphraseHandlerENS_16ReferenceCounterENS_13ReleasePolicyIS3_EEEENS2_INS0_25InvalidCertificateHandlerES4_NS5_IS8_EEEENS_7AutoPtrINS0_7ContextEEE(
    SSLManager* self, PassphraseHandlerPtr passphrase, CertificateHandlerPtr certificate,
    Context::Ptr context) {
    static const auto real = realFunction<void (*)(SSLManager*, PassphraseHandlerPtr,
                                                   CertificateHandlerPtr, Context::Ptr)>(__func__);
    real(self, passphrase, certificate, context);
}

void __wrap__ZN4Poco3Net7ContextC1ENS1_5UsageERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEESA_SA_NS1_16VerificationModeEibSA_(
    Context* self, Context::Usage usage, const std::string& private_key,
    const std::string& certificate, const std::string& ca_location,
    Context::VerificationMode mode, int depth, bool load_default_cas,
    const std::string& cipher_list) {
    static const auto real =
        realFunction<void (*)(Context*, Context::Usage, const std::string&, const std::string&,
                              const std::string&, Context::VerificationMode, int, bool,
                              const std::string&)>(__func__);
    real(self, usage, private_key, certificate, ca_location, mode, depth, load_default_cas,
         cipher_list);
}

void __wrap__ZN4Poco3Net7Context16disableProtocolsEi(Context* self, int protocols) {
    static const auto real = realFunction<void (*)(Context*, int)>(__func__);
    real(self, protocols);
}

void __wrap__ZN4Poco3Net18SecureServerSocketC1ERKNS0_13SocketAddressEiNS_7AutoPtrINS0_7ContextEEE(
    Poco::Net::SecureServerSocket* self, const Poco::Net::SocketAddress& address, int backlog,
    Context::Ptr context) {
    static const auto real =
        realFunction<void (*)(Poco::Net::SecureServerSocket*, const Poco::Net::SocketAddress&,
                              int, Context::Ptr)>(__func__);
    real(self, address, backlog, context);
}

void __wrap__ZN4Poco3Net18HTTPSClientSessionC1ERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEtNS_7AutoPtrINS0_7ContextEEE(
    Poco::Net::HTTPSClientSession* self, const std::string& host, Poco::UInt16 port,
    Context::Ptr context) {
    static const auto real =
        realFunction<void (*)(Poco::Net::HTTPSClientSession*, const std::string&, Poco::UInt16,
                              Context::Ptr)>(__func__);
    real(self, host, port, context);
}

void __wrap__ZN4Poco3Net24RejectCertificateHandlerC1Eb(
    Poco::Net::RejectCertificateHandler* self, bool handle_errors_on_server_side) {
    static const auto real =
        realFunction<void (*)(Poco::Net::RejectCertificateHandler*, bool)>(__func__);
    real(self, handle_errors_on_server_side);
}

void __wrap__ZN4Poco3Net24RejectCertificateHandlerD0Ev(Poco::Net::RejectCertificateHandler* self) {
    static const auto real =
        realFunction<void (*)(Poco::Net::RejectCertificateHandler*)>(__func__);
    real(self);
}

} // extern "C"

#endif // AUTHD_POCO_NETSSL_SONAME
