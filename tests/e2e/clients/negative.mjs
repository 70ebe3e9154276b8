// SPDX-License-Identifier: Apache-2.0
// What a client sees when something is wrong: forged, tampered, expired, wrong-audience,
// wrong-issuer and `alg: none` access tokens at userinfo and introspection, and every
// token-endpoint error class of SPEC section 6 (RFC 6749 5.2), plus authorization errors that
// redirect back to the client.
//
// Env: ISSUER CLIENT_ID CLIENT_SECRET SIGNING_KEY REDIRECT_URI USER_EMAIL USER_PASSWORD USER_ID
//      OTHER_CLIENT_ID OTHER_CLIENT_SECRET OTHER_SIGNING_KEY (a second project, same redirect URI)
//      PUBLIC_CLIENT_ID (a public project), LIMITED_CLIENT_ID LIMITED_CLIENT_SECRET (a project
//      allowed only the authorization_code grant); all with the same redirect URI
import { check, equal, requireEnv, run, step } from './lib/check.mjs';
import { CookieJar, json, postForm, postJson, request, signIn } from './lib/http.mjs';
import { decodeJwt, expectTokenError, pkce, randomValue, signHs256, tokenResponse } from './lib/oauth.mjs';

const ISSUER = requireEnv('ISSUER');
const CLIENT_ID = requireEnv('CLIENT_ID');
const CLIENT_SECRET = requireEnv('CLIENT_SECRET');
const SIGNING_KEY = requireEnv('SIGNING_KEY');
const REDIRECT_URI = requireEnv('REDIRECT_URI');
const USER_EMAIL = requireEnv('USER_EMAIL');
const USER_PASSWORD = requireEnv('USER_PASSWORD');
const OTHER_CLIENT_ID = requireEnv('OTHER_CLIENT_ID');
const OTHER_CLIENT_SECRET = requireEnv('OTHER_CLIENT_SECRET');
const OTHER_SIGNING_KEY = requireEnv('OTHER_SIGNING_KEY');
const PUBLIC_CLIENT_ID = requireEnv('PUBLIC_CLIENT_ID');
const LIMITED_CLIENT_ID = requireEnv('LIMITED_CLIENT_ID');
const LIMITED_CLIENT_SECRET = requireEnv('LIMITED_CLIENT_SECRET');
const TOKEN = `${ISSUER}/oauth/token`;

const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

const jar = new CookieJar();

async function getCode(client_id = CLIENT_ID, { scope = 'openid profile email', challenge } = {}) {
  const url = new URL(`${ISSUER}/oauth/authorize`);
  const state = randomValue();
  url.searchParams.set('client_id', client_id);
  url.searchParams.set('redirect_uri', REDIRECT_URI);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', scope);
  url.searchParams.set('state', state);
  if (challenge) {
    url.searchParams.set('code_challenge', challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  const { callback } = await signIn(jar, url.toString(), { email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: REDIRECT_URI });
  check(callback.searchParams.get('code'), `authorization for ${client_id} returned a code`, callback.toString());
  equal(callback.searchParams.get('state'), state, 'state');
  return callback.searchParams.get('code');
}

async function authorizeError(params, expected, what) {
  const url = new URL(`${ISSUER}/oauth/authorize`);
  const state = randomValue();
  for (const [k, v] of Object.entries({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', state, ...params })) {
    if (v !== undefined) url.searchParams.set(k, v);
  }
  const { callback } = await signIn(jar, url.toString(), { email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: REDIRECT_URI });
  equal(callback.searchParams.get('error'), expected, `${what}: error redirected to the client (${callback})`);
  equal(callback.searchParams.get('state'), state, `${what}: state kept`);
  check(!callback.searchParams.get('code'), `${what}: no code`);
}

async function exchange(code, extra = {}, headers = {}) {
  return postForm(TOKEN, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...extra }, headers);
}

async function expectUserinfoRefused(token, what) {
  const r = await request(null, `${ISSUER}/oauth/userinfo`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  equal(r.status, 401, `userinfo with ${what}: status (${r.text.slice(0, 200)})`);
  const challenge = r.headers.get('www-authenticate') || '';
  check(/^Bearer\b/i.test(challenge), `userinfo with ${what}: WWW-Authenticate: Bearer (RFC 6750 3)`, challenge);
  if (token !== null) check(/invalid_token/.test(challenge), `userinfo with ${what}: error="invalid_token"`, challenge);
}

async function introspect(token) {
  const r = await postForm(`${ISSUER}/oauth/introspect`, { token }, { authorization: basic(CLIENT_ID, CLIENT_SECRET) });
  equal(r.status, 200, `introspection status (${r.text.slice(0, 200)})`);
  return json(r, 'introspection');
}

async function expectInactive(token, what) {
  const body = await introspect(token);
  equal(body.active, false, `introspection of ${what}`);
  equal(Object.keys(body).length, 1, `introspection of ${what} says only active:false (RFC 7662 2.2)`);
}

run('negative', async () => {
  step('obtain real tokens');
  const { code_verifier, code_challenge } = pkce();
  const code = await getCode(CLIENT_ID, { challenge: code_challenge });
  const r = await exchange(code, { code_verifier });
  const tokens = await tokenResponse(r, 'code exchange');
  equal(r.status, 200, `code exchange (${r.text.slice(0, 300)})`);
  const good = tokens.access_token;
  const { header, payload } = decodeJwt(good);
  const now = Math.floor(Date.now() / 1000);
  equal((await request(null, `${ISSUER}/oauth/userinfo`, { headers: { authorization: `Bearer ${good}` } })).status, 200, 'control: the real token works at userinfo');
  equal((await introspect(good)).active, true, 'control: the real token is active');

  step('bad access tokens at userinfo and introspection');
  const [h, p, s] = good.split('.');
  const flip = (text) => text.slice(0, -2) + (text.at(-2) === 'A' ? 'B' : 'A') + text.at(-1);
  const b64 = (object) => Buffer.from(JSON.stringify(object)).toString('base64url');
  const bad = {
    'no token': null,
    'garbage': 'not-a-jwt',
    'a tampered payload (sub changed, old signature)': `${h}.${b64({ ...payload, sub: '00000000-0000-0000-0000-000000000000' })}.${s}`,
    'a tampered signature': `${h}.${p}.${flip(s)}`,
    'a missing signature': `${h}.${p}.`,
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
    'alg NONE with a signature': `${b64({ alg: 'NONE', typ: 'JWT' })}.${p}.${s}`,
    'alg RS256 header on a MAC': `${b64({ ...header, alg: 'RS256' })}.${p}.${s}`,
    'an expired token (right key)': signHs256(header, { ...payload, iat: now - 3900, exp: now - 3600 }, SIGNING_KEY),
    'a token not yet valid (nbf in the future, right key)': signHs256(header, { ...payload, nbf: now + 3600 }, SIGNING_KEY),
    'a wrong-audience token (other client, signed with this key)': signHs256(header, { ...payload, aud: OTHER_CLIENT_ID, client_id: OTHER_CLIENT_ID }, SIGNING_KEY),
    'a token for this client signed with the other project key': signHs256(header, payload, OTHER_SIGNING_KEY),
    'a wrong-issuer token (right key)': signHs256(header, { ...payload, iss: 'https://evil.example' }, SIGNING_KEY),
    'a token signed with the client secret': signHs256(header, payload, CLIENT_SECRET),
    'the ID token': tokens.id_token,
  };
  for (const [what, token] of Object.entries(bad)) {
    await expectUserinfoRefused(token, what);
    if (token !== null) await expectInactive(token, what);
  }
  await expectUserinfoRefused(tokens.refresh_token, 'the refresh token');

  step('introspection needs client authentication and a token');
  const unauth = await postForm(`${ISSUER}/oauth/introspect`, { token: good });
  equal(unauth.status, 401, 'introspection without client auth');
  expectTokenError(await postForm(`${ISSUER}/oauth/introspect`, { token: good }, { authorization: basic(CLIENT_ID, 'wrong') }), 401, 'invalid_client', 'introspection with a wrong secret');
  expectTokenError(await postForm(`${ISSUER}/oauth/introspect`, {}, { authorization: basic(CLIENT_ID, CLIENT_SECRET) }), 400, 'invalid_request', 'introspection without a token');

  step('token endpoint: invalid_client (401 + WWW-Authenticate)');
  const c1 = await getCode();
  expectTokenError(await exchange(c1, { client_id: 'proj_does_not_exist' }), 401, 'invalid_client', 'unknown client_id');
  expectTokenError(await exchange(c1, { client_secret: '0'.repeat(64) }), 401, 'invalid_client', 'wrong client_secret (post)');
  expectTokenError(await exchange(c1, { client_secret: '' }), 401, 'invalid_client', 'empty client_secret');
  const no_secret = await postForm(TOKEN, { grant_type: 'authorization_code', code: c1, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID });
  expectTokenError(no_secret, 401, 'invalid_client', 'confidential client without a secret');
  const basic_wrong = await postForm(TOKEN, { grant_type: 'authorization_code', code: c1, redirect_uri: REDIRECT_URI }, { authorization: basic(CLIENT_ID, 'f'.repeat(64)) });
  const body = expectTokenError(basic_wrong, 401, 'invalid_client', 'wrong client_secret (basic)');
  check(/^Basic/i.test(basic_wrong.headers.get('www-authenticate')), 'WWW-Authenticate names the Basic scheme', basic_wrong.headers.get('www-authenticate'));
  check(!JSON.stringify(body).includes(CLIENT_SECRET), 'the error never echoes the secret');
  expectTokenError(await exchange(c1, { client_secret: OTHER_CLIENT_SECRET }), 401, 'invalid_client', "another project's secret");

  step('token endpoint: invalid_request');
  expectTokenError(await exchange(c1, {}, { authorization: basic(CLIENT_ID, CLIENT_SECRET) }), 400, 'invalid_request', 'two client authentication methods at once');
  expectTokenError(await postForm(TOKEN, { code: c1, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }), 400, 'invalid_request', 'missing grant_type');
  expectTokenError(await exchange(undefined, { code: '' }), 400, 'invalid_request', 'empty code');
  const duplicated = await request(null, TOKEN, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=authorization_code&code=${c1}&code=${c1}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`,
  });
  expectTokenError(duplicated, 400, 'invalid_request', 'a parameter sent twice (RFC 6749 3.2)');
  const broken_json = await request(null, TOKEN, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type": "authorization_code", ' });
  expectTokenError(broken_json, 400, 'invalid_request', 'malformed JSON body');
  const array_json = await postJson(TOKEN, ['grant_type', 'authorization_code']);
  expectTokenError(array_json, 400, 'invalid_request', 'a JSON body that is not an object');
  const typed_json = await postJson(TOKEN, { grant_type: 'authorization_code', code: 42, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  expectTokenError(typed_json, 400, 'invalid_request', 'a JSON field that is not a string');
  const text_body = await request(null, TOKEN, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=authorization_code' });
  expectTokenError(text_body, 400, 'invalid_request', 'an unsupported content type');

  step('token endpoint: unsupported_grant_type');
  for (const grant of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'nonsense']) {
    expectTokenError(await postForm(TOKEN, { grant_type: grant, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, username: USER_EMAIL, password: USER_PASSWORD }), 400, 'unsupported_grant_type', `grant_type=${grant}`);
  }

  step('token endpoint: invalid_grant');
  expectTokenError(await exchange('A'.repeat(43)), 400, 'invalid_grant', 'unknown code');
  const c2 = await getCode(CLIENT_ID, { challenge: code_challenge });
  expectTokenError(await exchange(c2, { code_verifier: pkce().code_verifier }), 400, 'invalid_grant', 'wrong PKCE verifier');
  const c3 = await getCode(CLIENT_ID, { challenge: code_challenge });
  expectTokenError(await exchange(c3), 400, 'invalid_grant', 'missing PKCE verifier when a challenge was sent');
  const c4 = await getCode();
  expectTokenError(await exchange(c4, { code_verifier: code_verifier }), 400, 'invalid_grant', 'a verifier sent when no challenge was');
  const c5 = await getCode();
  expectTokenError(await exchange(c5, { redirect_uri: `${REDIRECT_URI}/other` }), 400, 'invalid_grant', 'redirect_uri differs');
  const c6 = await getCode();
  expectTokenError(await exchange(c6, { client_id: OTHER_CLIENT_ID, client_secret: OTHER_CLIENT_SECRET }), 400, 'invalid_grant', "a code redeemed by another client");
  expectTokenError(await postForm(TOKEN, { grant_type: 'refresh_token', refresh_token: 'A'.repeat(43), client_id: CLIENT_ID, client_secret: CLIENT_SECRET }), 400, 'invalid_grant', 'unknown refresh token');
  expectTokenError(await postForm(TOKEN, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: OTHER_CLIENT_ID, client_secret: OTHER_CLIENT_SECRET }), 400, 'invalid_grant', "a refresh token presented by another client");
  const still = await postForm(TOKEN, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  equal(still.status, 200, `the refresh token still works for its own client after another client tried it (${still.text.slice(0, 200)})`);
  expectTokenError(await postForm(TOKEN, { grant_type: 'refresh_token', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }), 400, 'invalid_request', 'refresh without refresh_token');

  step('token endpoint: unauthorized_client (a grant the client may not use)');
  expectTokenError(await postForm(TOKEN, { grant_type: 'client_credentials' }, { authorization: basic(LIMITED_CLIENT_ID, LIMITED_CLIENT_SECRET) }), 400, 'unauthorized_client', 'client_credentials for a code-only project');
  expectTokenError(await postForm(TOKEN, { grant_type: 'refresh_token', refresh_token: 'A'.repeat(43) }, { authorization: basic(LIMITED_CLIENT_ID, LIMITED_CLIENT_SECRET) }), 400, 'unauthorized_client', 'refresh_token for a code-only project');
  expectTokenError(await postForm(TOKEN, { grant_type: 'client_credentials', client_id: PUBLIC_CLIENT_ID }), 400, 'unauthorized_client', 'client_credentials for a public client');
  {
    const { code_verifier: v, code_challenge: c } = pkce();
    const limited_code = await getCode(LIMITED_CLIENT_ID, { challenge: c });
    const limited = await postForm(TOKEN, { grant_type: 'authorization_code', code: limited_code, code_verifier: v, redirect_uri: REDIRECT_URI }, { authorization: basic(LIMITED_CLIENT_ID, LIMITED_CLIENT_SECRET) });
    const limited_tokens = await tokenResponse(limited, 'code-only project exchange');
    equal(limited.status, 200, `code-only project exchange (${limited.text.slice(0, 200)})`);
    check(!('refresh_token' in limited_tokens), 'no refresh token for a project without the refresh_token grant', Object.keys(limited_tokens));
  }

  step('public clients: PKCE required, no secret accepted in its place');
  {
    const public_code_url = new URL(`${ISSUER}/oauth/authorize`);
    const state = randomValue();
    for (const [k, v] of Object.entries({ client_id: PUBLIC_CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', state })) public_code_url.searchParams.set(k, v);
    const { callback } = await signIn(jar, public_code_url.toString(), { email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: REDIRECT_URI });
    equal(callback.searchParams.get('error'), 'invalid_request', 'public client without PKCE is refused at authorize');
    const { code_verifier: v, code_challenge: c } = pkce();
    const public_code = await getCode(PUBLIC_CLIENT_ID, { challenge: c, scope: 'openid' });
    expectTokenError(await postForm(TOKEN, { grant_type: 'authorization_code', code: public_code, redirect_uri: REDIRECT_URI, client_id: PUBLIC_CLIENT_ID }), 400, 'invalid_grant', 'public client without its verifier');
    const public_code2 = await getCode(PUBLIC_CLIENT_ID, { challenge: c, scope: 'openid' });
    const ok = await postForm(TOKEN, { grant_type: 'authorization_code', code: public_code2, code_verifier: v, redirect_uri: REDIRECT_URI, client_id: PUBLIC_CLIENT_ID });
    equal(ok.status, 200, `public client with its verifier (${ok.text.slice(0, 200)})`);
  }

  step('token endpoint: invalid_scope on a widening refresh');
  const refreshed = json(still, 'refresh');
  expectTokenError(await postForm(TOKEN, { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token, scope: 'openid email profile superpowers', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }), 400, 'invalid_scope', 'refresh asking for more scope');

  step('authorization errors redirect back with error and state');
  await authorizeError({ code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request', 'PKCE plain');
  await authorizeError({ response_type: 'token' }, 'unsupported_response_type', 'response_type=token');
  await authorizeError({ scope: 'openid superpowers' }, 'invalid_scope', 'unknown scope');
  await authorizeError({ request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported', 'request object');
  await authorizeError({ request_uri: 'https://client.example/request.jwt' }, 'request_uri_not_supported', 'request_uri');
  await authorizeError({ response_type: undefined }, 'invalid_request', 'missing response_type');
});
