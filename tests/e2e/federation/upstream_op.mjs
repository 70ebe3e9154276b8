// SPDX-License-Identifier: Apache-2.0
// npm oidc-provider (a certified OpenID Provider) as the upstream of authd's oidc_federation
// plugin in tests/e2e/federation_e2e_test.cpp. Development interactions: any login name and
// password sign in, and the consent page has one "Continue" button.
//
//   node upstream_op.mjs --host 127.0.0.3 --port 9000 --redirect-uri URI --secret-file FILE
//
// One client, `authd-downstream`, with the secret read from FILE and the given redirect URI.
// Accounts: the login name is the subject; email `<login>@example.org` (verified), name
// "Node User". Prints READY when listening.
//
// Test-only control: `POST /__test/mode?value=tamper|nonce` makes the NEXT token response's ID
// token bad: `tamper` changes `sub` without re-signing (the signature no longer matches),
// `nonce` re-signs it with the provider's own key but a different nonce (only the nonce check
// can catch it). Any other value clears the mode.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    'redirect-uri': { type: 'string' },
    'secret-file': { type: 'string' },
  },
});
if (!values.port || !values['redirect-uri'] || !values['secret-file']) {
  console.error('usage: node upstream_op.mjs --host H --port P --redirect-uri URI --secret-file FILE');
  process.exit(2);
}
const issuer = `http://${values.host}:${values.port}`;
const secret = readFileSync(values['secret-file'], 'utf8').trim();

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'op-rs256-1', alg: 'RS256', use: 'sig' };
const signingKey = await jose.importJWK(signingJwk, 'RS256');

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'authd-downstream',
    client_secret: secret,
    redirect_uris: [values['redirect-uri']],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['authd-e2e-federation-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@example.org`, email_verified: true, name: 'Node User' };
      },
    };
  },
});

let mode = '';
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/mode' && ctx.method === 'POST') {
    mode = typeof ctx.query.value === 'string' ? ctx.query.value : '';
    ctx.body = { mode };
    return;
  }
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body || typeof ctx.body.id_token !== 'string') {
    return;
  }
  const current = mode;
  mode = '';
  const [header, payload, signature] = ctx.body.id_token.split('.');
  if (current === 'tamper') {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.sub = 'someone-else';
    ctx.body.id_token = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
  } else if (current === 'nonce') {
    const claims = jose.decodeJwt(ctx.body.id_token);
    claims.nonce = 'not-the-nonce-that-was-sent';
    ctx.body.id_token = await new jose.SignJWT(claims)
      .setProtectedHeader(jose.decodeProtectedHeader(ctx.body.id_token))
      .sign(signingKey);
  }
});

provider.listen(Number(values.port), values.host, () => {
  console.log('READY');
});
