// SPDX-License-Identifier: Apache-2.0
// Peer for bench/run.sh: panva's oidc-provider with its default in-memory adapter and the
// built-in devInteractions (login and consent pages; any password is accepted).
//
//   node bench/peers/oidc-provider/server.mjs
//
// Environment: OP_PORT (default 19001), OP_ISSUER (default http://127.0.0.1:$OP_PORT),
// OP_DATA (folder for the RSA key, default ./data beside this file), OP_REDIRECT_URI
// (default http://127.0.0.1:19099/cb).
// Client bench-client / bench-secret (confidential, client_secret_basic), RS256 ID tokens.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider from 'oidc-provider';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.OP_PORT || 19001);
const issuer = process.env.OP_ISSUER || `http://127.0.0.1:${port}`;
const dataDir = process.env.OP_DATA || path.join(here, 'data');
const redirectUri = process.env.OP_REDIRECT_URI || 'http://127.0.0.1:19099/cb';

// The RSA key is made once and then read, so start-up timings do not include key generation
// (authd's provider keys are likewise made on the first start only).
const keyFile = path.join(dataDir, 'signing-key.json');
let jwk;
if (existsSync(keyFile)) {
  jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
} else {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'bench-rs256' };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
}

const profile = {
  email: 'alice@example.test',
  email_verified: true,
  name: 'Alice Example',
  given_name: 'Alice',
  family_name: 'Example',
  preferred_username: 'alice',
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bench-client',
    client_secret: 'bench-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    scope: 'openid offline_access email profile',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: ['bench-cookie-key-1-not-secret', 'bench-cookie-key-2-not-secret'] },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
  // PKCE accepted (the flow client sends S256), not required of the confidential client.
  pkce: { required: () => false },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, ...profile }; } };
  },
});
provider.proxy = false;

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer} (pid ${process.pid})`);
});
const shutdown = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
