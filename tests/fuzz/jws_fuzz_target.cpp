// SPDX-License-Identifier: Apache-2.0
// JWS verification, what every access token, ID token hint and logout token goes through, as a
// libFuzzer target. For any bytes:
// - decodeUnverified() and verify() return a value or an error, never crash;
// - verify() never accepts them: the HS256 secret is not in the input, so an accepted token
//   would be a forgery (alg confusion, "none", a signature check skipped);
// - signed for real as a payload, they verify exactly when they are a JSON object, and then to
//   the same claims; with one signature byte changed, they never verify.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "json/json.hpp"
#include "tokens/jws.hpp"

namespace {

using namespace authd;

const tokens::Key& key() {
    static const tokens::Key k =
        tokens::Key::hmac("fuzz-secret-0123456789abcdefghijklmnopqrstuv").value();
    return k;
}

const tokens::AlgSet kAll{tokens::Alg::hs256, tokens::Alg::rs256, tokens::Alg::es256,
                          tokens::Alg::eddsa};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const tokens::KeySet keys({key()});
    (void)tokens::decodeUnverified(input);
    if (tokens::verify(input, keys, kAll)) {
        __builtin_trap();
    }

    auto token = tokens::sign(input, key());
    if (!token) {
        return 0;
    }
    auto verified = tokens::verify(*token, keys, kAll);
    auto object = json::parseObject(input);
    if (verified.has_value() != (object.has_value() && token->size() <= tokens::kMaxTokenBytes)) {
        __builtin_trap();
    }
    if (verified && !(verified->claims == *object)) {
        __builtin_trap();
    }
    // The first character of the signature carries its first six bits: another one is another
    // signature.
    std::string tampered = *token;
    const std::size_t signature = tampered.rfind('.') + 1;
    if (signature < tampered.size()) {
        tampered[signature] = tampered[signature] == 'A' ? 'B' : 'A';
        if (tokens::verify(tampered, keys, kAll)) {
            __builtin_trap();
        }
    }
    return 0;
}
