// SPDX-License-Identifier: Apache-2.0
// The second seed's integration guide against a running authd: /api/oauth/* endpoints,
// scope `openid profile email`, state + nonce, consent POSTed to /api/oauth/consent,
// client_secret_post token exchange with a JSON body, HS256 ID token keyed with the client
// secret (iss, aud, exp, nonce validated as the guide's checklist says), userinfo fields,
// code replay and redirect-URI mismatch rejected, strict redirect-URI matching.
//
// Env: ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI USER_EMAIL USER_PASSWORD USER_ID USER_NAME
import crypto from 'node:crypto';
import { jwtVerify } from 'jose';
import { check, deepEqual, equal, requireEnv, run, step } from './lib/check.mjs';
import { CookieJar, json, pageText, postJson, request, signIn } from './lib/http.mjs';
import { expectTokenError, randomValue, tokenResponse } from './lib/oauth.mjs';

const ISSUER = requireEnv('ISSUER');
const CLIENT_ID = requireEnv('CLIENT_ID');
const CLIENT_SECRET = requireEnv('CLIENT_SECRET');
const REDIRECT_URI = requireEnv('REDIRECT_URI');
const USER_EMAIL = requireEnv('USER_EMAIL');
const USER_PASSWORD = requireEnv('USER_PASSWORD');
const USER_ID = requireEnv('USER_ID');
const USER_NAME = requireEnv('USER_NAME');

function authorizeUrl(state, nonce, redirect_uri = REDIRECT_URI) {
  const url = new URL(`${ISSUER}/api/oauth/authorize`);
  url.searchParams.set('client_id', CLIENT_ID);
  url.searchParams.set('redirect_uri', redirect_uri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid profile email');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  return url.toString();
}

function exchange(code, redirect_uri = REDIRECT_URI) {
  // The guide's token request, verbatim.
  return postJson(`${ISSUER}/api/oauth/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
  });
}

async function authorize(jar, consent_expected) {
  const state = randomValue();
  const nonce = randomValue();
  const { callback, pages } = await signIn(jar, authorizeUrl(state, nonce), {
    email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: REDIRECT_URI,
    consent_action: `${ISSUER}/api/oauth/consent`,
  });
  if (consent_expected !== undefined) {
    equal(pages.some((p) => p.kind === 'consent'), consent_expected, 'consent page shown');
  }
  check(!callback.searchParams.get('error'), 'callback carries no error', callback.toString());
  equal(callback.searchParams.get('state'), state, 'state matches exactly');
  const code = callback.searchParams.get('code');
  check(code, 'callback carries a code', callback.toString());
  return { code, state, nonce };
}

function sameScopes(actual, expected, what) {
  deepEqual((actual ?? '').split(' ').filter(Boolean).sort(), expected.split(' ').sort(), what);
}

run('seed2_flow', async () => {
  step('discovery');
  const discovery = await request(null, `${ISSUER}/.well-known/openid-configuration`);
  equal(discovery.status, 200, 'discovery status');
  const meta = json(discovery, 'discovery');
  equal(meta.issuer, ISSUER, 'discovery issuer');
  for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']) {
    check(typeof meta[key] === 'string' && meta[key].startsWith(ISSUER), `discovery ${key}`, meta[key]);
  }
  check((meta.response_types_supported ?? []).includes('code'), 'response_types_supported has code', meta.response_types_supported);
  check((meta.token_endpoint_auth_methods_supported ?? []).includes('client_secret_post'), 'client_secret_post advertised', meta.token_endpoint_auth_methods_supported);
  check((meta.id_token_signing_alg_values_supported ?? []).includes('HS256'), 'HS256 ID tokens advertised', meta.id_token_signing_alg_values_supported);
  for (const scope of ['openid', 'profile', 'email']) {
    check((meta.scopes_supported ?? []).includes(scope), `scopes_supported has ${scope}`, meta.scopes_supported);
  }

  step('strict redirect URI matching: a trailing slash is another URI -> error page, no redirect');
  const variants = [`${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, (() => { const u = new URL(REDIRECT_URI); u.pathname = u.pathname.toUpperCase(); return u.toString(); })()];
  for (const bad of variants.filter((v) => v !== REDIRECT_URI)) {
    const page = await request(new CookieJar(), authorizeUrl('s', 'n', bad));
    equal(page.status, 400, `unregistered redirect_uri ${bad}: status`);
    check(!page.headers.get('location'), `unregistered redirect_uri ${bad} must not redirect`, page.headers.get('location'));
  }
  const unknown = await request(new CookieJar(), authorizeUrl('s', 'n').replace(encodeURIComponent(CLIENT_ID), 'proj_nope'));
  equal(unknown.status, 400, 'unknown client_id: status');
  check(!unknown.headers.get('location'), 'unknown client_id must not redirect');

  step('user denies consent -> access_denied with state');
  {
    const state = randomValue();
    const { callback, pages } = await signIn(new CookieJar(), authorizeUrl(state, randomValue()), {
      email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: REDIRECT_URI, decision: 'deny',
      consent_action: `${ISSUER}/api/oauth/consent`,
    });
    check(pages.some((p) => p.kind === 'consent'), 'a consent page was shown', pages.map((p) => p.kind));
    equal(callback.searchParams.get('error'), 'access_denied', 'deny -> error');
    equal(callback.searchParams.get('state'), state, 'deny keeps state');
    check(!callback.searchParams.get('code'), 'deny carries no code');
  }

  step('sign in, consent POST to /api/oauth/consent, callback with code and state');
  const jar = new CookieJar();
  const { code, nonce } = await authorize(jar, true);

  step('token exchange (client_secret_post, JSON)');
  const res = await exchange(code);
  const tokens = await tokenResponse(res, 'code exchange');
  equal(res.status, 200, `code exchange status (body ${res.text.slice(0, 300)})`);
  for (const key of ['access_token', 'id_token', 'token_type', 'expires_in', 'scope']) {
    check(key in tokens, `token response has ${key}`, Object.keys(tokens));
  }
  equal(tokens.token_type, 'Bearer', 'token_type');
  sameScopes(tokens.scope, 'openid profile email', 'granted scope');

  step('validate the ID token: HS256 keyed with the client secret; iss, aud, exp, nonce');
  const { payload: id, protectedHeader } = await jwtVerify(tokens.id_token, new TextEncoder().encode(CLIENT_SECRET), {
    issuer: ISSUER, audience: CLIENT_ID, algorithms: ['HS256'], requiredClaims: ['exp', 'iat', 'sub'],
  });
  equal(protectedHeader.alg, 'HS256', 'ID token alg');
  equal(id.nonce, nonce, 'ID token nonce');
  equal(id.sub, USER_ID, 'ID token sub');
  check(typeof id.auth_time === 'number' && id.auth_time <= id.iat + 1, 'ID token auth_time', id);
  const digest = crypto.createHash('sha256').update(tokens.access_token).digest();
  equal(id.at_hash, digest.subarray(0, 16).toString('base64url'), 'ID token at_hash');
  equal(id.email, USER_EMAIL, 'ID token email (scope email)');
  equal(id.name, USER_NAME, 'ID token name (scope profile)');
  let forged_rejected = false;
  try {
    await jwtVerify(tokens.id_token, new TextEncoder().encode(`${CLIENT_SECRET}x`), { algorithms: ['HS256'] });
  } catch {
    forged_rejected = true;
  }
  check(forged_rejected, 'the ID token must not verify under another secret');

  step('userinfo at /api/oauth/userinfo: exactly sub, email, name, picture, email_verified');
  const info_res = await request(null, `${ISSUER}/api/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  equal(info_res.status, 200, `userinfo status (${info_res.text.slice(0, 300)})`);
  const info = json(info_res, 'userinfo');
  deepEqual(Object.keys(info).sort(), ['email', 'email_verified', 'name', 'picture', 'sub'], 'userinfo fields');
  equal(info.sub, USER_ID, 'userinfo sub');
  equal(info.email, USER_EMAIL, 'userinfo email');
  equal(info.name, USER_NAME, 'userinfo name');
  equal(info.picture, null, 'userinfo picture is null when unknown');
  equal(typeof info.email_verified, 'boolean', 'userinfo email_verified is a boolean');
  equal(info.sub, id.sub, 'userinfo sub equals ID token sub');
  const posted = await request(null, `${ISSUER}/api/oauth/userinfo`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
  equal(posted.status, 200, `userinfo by POST (SPEC section 6: GET, POST) (${posted.text.slice(0, 200)})`);
  equal(json(posted, 'userinfo POST').sub, USER_ID, 'userinfo by POST: sub');

  step('the same code a second time -> invalid_grant');
  expectTokenError(await exchange(code), 400, 'invalid_grant', 'code replay');

  step('...and the replay revoked what the code issued: the access token no longer works');
  const after_replay = await request(null, `${ISSUER}/api/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  equal(after_replay.status, 401, `userinfo with a token from a replayed code (${after_replay.text.slice(0, 200)})`);

  step('consent is remembered: a second authorization skips the consent page');
  const second = await authorize(jar, false);

  step('redirect_uri differing from the authorization request -> invalid_grant');
  expectTokenError(await exchange(second.code, `${REDIRECT_URI}/`), 400, 'invalid_grant', 'redirect_uri mismatch (trailing slash)');

  step('bad client credentials -> 401 invalid_client');
  const third = await authorize(jar, false);
  const bad_secret = await postJson(`${ISSUER}/api/oauth/token`, {
    grant_type: 'authorization_code', code: third.code, redirect_uri: REDIRECT_URI,
    client_id: CLIENT_ID, client_secret: '0'.repeat(64),
  });
  expectTokenError(bad_secret, 401, 'invalid_client', 'wrong client_secret');

  step('missing code -> invalid_request');
  const missing = await postJson(`${ISSUER}/api/oauth/token`, {
    grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
  });
  expectTokenError(missing, 400, 'invalid_request', 'missing code');

  step('the error page for a bad client is readable');
  check(pageText(unknown.text).length > 0, 'error page has text');
});
