// SPDX-License-Identifier: Apache-2.0
// The first seed's quick start, step for step, against a running authd:
// PKCE S256 + encrypted state, no scope, /oauth/authorize, sign in through the HTML forms,
// JSON token exchange with client_secret in the body, local jwtVerify with the project's
// signing_key, and refresh rotation with reuse detection (the whole family dies).
//
// Env: ISSUER CLIENT_ID CLIENT_SECRET SIGNING_KEY REDIRECT_URI USER_EMAIL USER_PASSWORD
//      USER_ID USER_ROLE (expected claims). The server must run with tokens.refresh_grace: 0s
//      so that a reused refresh token is refused at once.
import crypto from 'node:crypto';
import { jwtVerify } from 'jose';
import { check, equal, requireEnv, run, step } from './lib/check.mjs';
import { CookieJar, json, postJson, signIn } from './lib/http.mjs';
import { expectTokenError, tokenResponse } from './lib/oauth.mjs';

const ISSUER = requireEnv('ISSUER');
const CLIENT_ID = requireEnv('CLIENT_ID');
const CLIENT_SECRET = requireEnv('CLIENT_SECRET');
const SIGNING_KEY = requireEnv('SIGNING_KEY');
const REDIRECT_URI = requireEnv('REDIRECT_URI');
const USER_EMAIL = requireEnv('USER_EMAIL');
const USER_PASSWORD = requireEnv('USER_PASSWORD');
const USER_ID = requireEnv('USER_ID');
const USER_ROLE = requireEnv('USER_ROLE');

// The seed's encryptState/decryptState: AES-256-GCM under an app key, base64url.
const state_key = crypto.randomBytes(32);
function encryptState(object) {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', state_key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(object), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}
function decryptState(state) {
  const raw = Buffer.from(state, 'base64url');
  const decipher = crypto.createDecipheriv('aes-256-gcm', state_key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
}

const secret = new TextEncoder().encode(SIGNING_KEY);

async function getUser(token) {
  // The seed's getUser, minus the catch: a failure here must say why.
  const { payload } = await jwtVerify(token, secret);
  return { userId: payload.sub, email: payload.email, role: payload.role, status: payload.status, payload };
}

function checkUser(user, what) {
  equal(user.userId, USER_ID, `${what}: sub`);
  equal(user.email, USER_EMAIL, `${what}: email`);
  equal(user.role, USER_ROLE, `${what}: role`);
  equal(user.status, 'active', `${what}: status`);
  equal(user.payload.iss, ISSUER, `${what}: iss`);
  const aud = Array.isArray(user.payload.aud) ? user.payload.aud : [user.payload.aud];
  check(aud.includes(CLIENT_ID), `${what}: aud must name the client`, user.payload.aud);
  check(typeof user.payload.exp === 'number' && user.payload.exp > Date.now() / 1000, `${what}: exp in the future`, user.payload.exp);
  check(Array.isArray(user.payload.amr) && user.payload.amr.length > 0, `${what}: amr lists how the user signed in`, user.payload.amr);
}

async function refresh(refresh_token) {
  // The seed's step 4, verbatim.
  return postJson(`${ISSUER}/oauth/token`, {
    grant_type: 'refresh_token',
    refresh_token,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
  });
}

run('seed1_quickstart', async () => {
  step('build the authorization URL exactly as the quick start does');
  const codeVerifier = crypto.randomBytes(32).toString('base64url');
  const codeChallenge = crypto.createHash('sha256').update(codeVerifier).digest('base64url');
  const returnTo = '/dashboard?tab=1';
  const state = encryptState({ v: codeVerifier, r: returnTo });
  const authUrl = new URL(`${ISSUER}/oauth/authorize`);
  authUrl.searchParams.set('client_id', CLIENT_ID);
  authUrl.searchParams.set('redirect_uri', REDIRECT_URI);
  authUrl.searchParams.set('response_type', 'code');
  authUrl.searchParams.set('code_challenge', codeChallenge);
  authUrl.searchParams.set('code_challenge_method', 'S256');
  authUrl.searchParams.set('state', state);

  step('sign in through the HTML pages');
  const jar = new CookieJar();
  const { callback, pages } = await signIn(jar, authUrl.toString(), {
    email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: REDIRECT_URI,
  });
  check(pages.some((p) => p.kind === 'login'), 'a password form was shown', pages.map((p) => p.kind));
  equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI, 'callback lands on the redirect URI');
  check(!callback.searchParams.get('error'), 'callback carries no error', callback.toString());
  const code = callback.searchParams.get('code');
  check(code, 'callback carries a code', callback.toString());
  equal(callback.searchParams.get('state'), state, 'state comes back unchanged');
  if (callback.searchParams.has('iss')) equal(callback.searchParams.get('iss'), ISSUER, 'RFC 9207 iss');
  const session = jar.get('authd_session') ?? [...jar.cookies.values()].find((c) => c.httpOnly);
  check(session && session.httpOnly, 'the IdP session cookie is HttpOnly', [...jar.cookies.entries()]);

  step('callback: decrypt state, exchange the code with a JSON body');
  const { v: verifier, r: returned } = decryptState(callback.searchParams.get('state'));
  equal(returned, returnTo, 'return URL survives the round trip');
  const res = await postJson(`${ISSUER}/oauth/token`, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uri: REDIRECT_URI,
  });
  const tokens = await tokenResponse(res, 'code exchange');
  equal(res.status, 200, `code exchange status (body ${res.text.slice(0, 300)})`);
  const { access_token, refresh_token } = tokens;
  check(typeof access_token === 'string' && access_token.split('.').length === 3, 'access_token is a JWS', access_token);
  check(typeof refresh_token === 'string' && refresh_token.length >= 43, 'refresh_token is present (256-bit opaque)', refresh_token);
  check(refresh_token.split('.').length !== 3, 'refresh_token is opaque, not a JWT');
  equal(tokens.token_type, 'Bearer', 'token_type');
  check(Number.isInteger(tokens.expires_in) && tokens.expires_in > 0, 'expires_in is a positive integer', tokens.expires_in);

  step('verify the access token locally with the signing_key (jose jwtVerify)');
  const user = await getUser(access_token);
  checkUser(user, 'access token');
  equal(user.payload.client_id, CLIENT_ID, 'access token: client_id claim');
  check(typeof user.payload.jti === 'string' && user.payload.jti.length > 0, 'access token: jti', user.payload.jti);
  check(typeof user.payload.iat === 'number', 'access token: iat', user.payload.iat);
  equal(user.payload.exp - user.payload.iat, tokens.expires_in, 'expires_in matches exp - iat');
  let wrong_key_rejected = false;
  try {
    await jwtVerify(access_token, new TextEncoder().encode(CLIENT_SECRET));
  } catch {
    wrong_key_rejected = true;
  }
  check(wrong_key_rejected, 'the access token must not verify with the client_secret');

  step('refresh with a JSON body: rotation');
  const r1 = await refresh(refresh_token);
  const rotated = await tokenResponse(r1, 'first refresh');
  equal(r1.status, 200, `first refresh status (body ${r1.text.slice(0, 300)})`);
  check(rotated.refresh_token && rotated.refresh_token !== refresh_token, 'a new refresh token differs from the old one', rotated);
  check(rotated.access_token && rotated.access_token !== access_token, 'a new access token is issued', rotated);
  checkUser(await getUser(rotated.access_token), 'refreshed access token');

  step('reuse of the rotated-out refresh token is refused');
  expectTokenError(await refresh(refresh_token), 400, 'invalid_grant', 'reused refresh token');

  step('...and it revoked the whole family: the new refresh token is dead too');
  expectTokenError(await refresh(rotated.refresh_token), 400, 'invalid_grant', 'successor after reuse');

  step('the spent authorization code cannot be redeemed again');
  const replay = await postJson(`${ISSUER}/oauth/token`, {
    grant_type: 'authorization_code', code, code_verifier: verifier,
    client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: REDIRECT_URI,
  });
  expectTokenError(replay, 400, 'invalid_grant', 'code replay');
  json(replay, 'code replay');
});
