// SPDX-License-Identifier: Apache-2.0
// openid-client (a certified OpenID relying-party library) against a running authd:
// discovery, PKCE + nonce code flow (we sign in through the pages between the authorization
// URL and the callback), ID token validation by the library, userinfo, refresh, introspection
// and revocation. Run once with a project whose ID tokens are RS256 (the library also checks
// their signature against the JWKS: non-repudiation checks) and once with HS256 (the library
// validates the claims; we verify the MAC with the client secret).
//
// A third run uses a public client (CLIENT_AUTH=none: no secret, PKCE only, RS256 ID tokens).
//
// Env: ISSUER CLIENT_ID CLIENT_SECRET (not with CLIENT_AUTH=none) REDIRECT_URI USER_EMAIL
//      USER_PASSWORD USER_ID USER_NAME ID_TOKEN_ALG (RS256 | HS256) [CLIENT_AUTH=none]
//      POST_LOGOUT_REDIRECT_URI (registered in the project's post_logout_redirect_uris)
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { check, deepEqual, equal, optionalEnv, requireEnv, run, step, CheckFailure } from './lib/check.mjs';
import { CookieJar, formFields, json, parseForms, request, signIn, submitForm } from './lib/http.mjs';

const ISSUER = requireEnv('ISSUER');
const CLIENT_ID = requireEnv('CLIENT_ID');
const PUBLIC = optionalEnv('CLIENT_AUTH', '') === 'none';
const CLIENT_SECRET = PUBLIC ? '' : requireEnv('CLIENT_SECRET');
const REDIRECT_URI = requireEnv('REDIRECT_URI');
const USER_EMAIL = requireEnv('USER_EMAIL');
const USER_PASSWORD = requireEnv('USER_PASSWORD');
const USER_ID = requireEnv('USER_ID');
const USER_NAME = requireEnv('USER_NAME');
const ALG = requireEnv('ID_TOKEN_ALG');
const POST_LOGOUT_REDIRECT_URI = requireEnv('POST_LOGOUT_REDIRECT_URI');

async function expectOAuthError(promise, error, what) {
  try {
    await promise;
  } catch (e) {
    if (e instanceof client.ResponseBodyError) {
      equal(e.error, error, `${what}: error code (${e.error_description ?? ''})`);
      return e;
    }
    throw new CheckFailure(`${what}: expected an OAuth error ${error}, got ${e && e.stack ? e.stack : e}`);
  }
  throw new CheckFailure(`${what}: expected an OAuth error ${error}, the call succeeded`);
}

async function verifyIdTokenSignature(id_token, jwks) {
  const header = decodeProtectedHeader(id_token);
  equal(header.alg, ALG, 'ID token header alg');
  if (ALG === 'HS256') {
    // OIDC Core 10.1: the MAC key is the client secret's octets.
    await jwtVerify(id_token, new TextEncoder().encode(CLIENT_SECRET), { algorithms: ['HS256'], issuer: ISSUER, audience: CLIENT_ID });
  } else {
    check(typeof header.kid === 'string' && header.kid.length > 0, 'asymmetric ID tokens carry a kid', header);
    await jwtVerify(id_token, jwks, { algorithms: [ALG], issuer: ISSUER, audience: CLIENT_ID });
  }
}

run(`openid_client (${PUBLIC ? 'public client, ' : ''}${ALG} ID tokens)`, async () => {
  step('discovery through openid-client');
  let clientAuth = client.None();
  if (!PUBLIC) clientAuth = ALG === 'HS256' ? client.ClientSecretPost(CLIENT_SECRET) : client.ClientSecretBasic(CLIENT_SECRET);
  const execute = [client.allowInsecureRequests];
  if (ALG !== 'HS256') execute.push(client.enableNonRepudiationChecks);
  const metadata = { id_token_signed_response_alg: ALG };
  if (!PUBLIC) metadata.client_secret = CLIENT_SECRET;
  const config = await client.discovery(new URL(ISSUER), CLIENT_ID, metadata, clientAuth, { execute });
  const meta = config.serverMetadata();
  equal(meta.issuer, ISSUER, 'issuer');
  check((meta.code_challenge_methods_supported ?? []).includes('S256'), 'S256 advertised', meta.code_challenge_methods_supported);
  check(!(meta.code_challenge_methods_supported ?? []).includes('plain'), 'plain PKCE is not advertised', meta.code_challenge_methods_supported);
  check((meta.id_token_signing_alg_values_supported ?? []).includes(ALG), `${ALG} advertised for ID tokens`, meta.id_token_signing_alg_values_supported);
  for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'revocation_endpoint', 'introspection_endpoint', 'end_session_endpoint']) {
    check(typeof meta[key] === 'string' && meta[key].startsWith(`${ISSUER}/`), `discovery ${key}`, meta[key]);
  }
  for (const grant of ['authorization_code', 'refresh_token']) {
    check((meta.grant_types_supported ?? []).includes(grant), `grant_types_supported has ${grant}`, meta.grant_types_supported);
  }
  deepEqual(meta.response_types_supported, ['code'], 'response_types_supported');
  for (const method of ['client_secret_basic', 'client_secret_post', 'none']) {
    check((meta.token_endpoint_auth_methods_supported ?? []).includes(method), `token auth ${method} advertised`, meta.token_endpoint_auth_methods_supported);
  }
  const oauth_meta = json(await request(null, `${ISSUER}/.well-known/oauth-authorization-server`), 'RFC 8414 metadata');
  equal(oauth_meta.issuer, ISSUER, 'RFC 8414 metadata issuer');
  equal(oauth_meta.token_endpoint, meta.token_endpoint, 'RFC 8414 metadata agrees on token_endpoint');

  step('JWKS: public keys only, every key with a kid');
  const jwks_doc = json(await request(null, meta.jwks_uri), 'jwks');
  check(Array.isArray(jwks_doc.keys) && jwks_doc.keys.length > 0, 'JWKS has keys', jwks_doc);
  for (const key of jwks_doc.keys) {
    check(typeof key.kid === 'string' && key.kid.length > 0, 'every JWK has a kid', key);
    for (const secret_part of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      check(!(secret_part in key), `JWK ${key.kid} must not publish "${secret_part}"`, Object.keys(key));
    }
  }
  check(jwks_doc.keys.some((k) => k.kty === 'RSA'), 'JWKS has an RSA key for RS256', jwks_doc.keys.map((k) => k.kty));
  const jwks = createRemoteJWKSet(new URL(meta.jwks_uri));

  step('authorization URL with PKCE S256, nonce, state');
  const code_verifier = client.randomPKCECodeVerifier();
  const code_challenge = await client.calculatePKCECodeChallenge(code_verifier);
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid profile email', code_challenge, code_challenge_method: 'S256', nonce, state,
  });

  step('sign in through the pages');
  const jar = new CookieJar();
  const { callback } = await signIn(jar, url.toString(), { email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: REDIRECT_URI });

  step('authorizationCodeGrant: the library validates the response and the ID token');
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: code_verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true,
  });
  const claims = tokens.claims();
  check(claims, 'an ID token was returned and validated', tokens);
  equal(claims.sub, USER_ID, 'ID token sub');
  equal(claims.nonce, nonce, 'ID token nonce');
  equal(claims.iss, ISSUER, 'ID token iss');
  equal(claims.azp ?? CLIENT_ID, CLIENT_ID, 'ID token azp');
  equal(claims.email, USER_EMAIL, 'ID token email');
  check(typeof claims.auth_time === 'number', 'ID token auth_time', claims);
  check(typeof claims.at_hash === 'string', 'ID token at_hash', claims);
  await verifyIdTokenSignature(tokens.id_token, jwks);
  check(tokens.refresh_token, 'a refresh token is issued', Object.keys(tokens));
  check(tokens.expiresIn() > 0, 'expires_in is positive', tokens.expires_in);

  step('userinfo through the library (subject checked against the ID token)');
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  equal(info.sub, USER_ID, 'userinfo sub');
  equal(info.email, USER_EMAIL, 'userinfo email');
  equal(info.name, USER_NAME, 'userinfo name');

  if (!PUBLIC) {
  step('introspection: the access token and the refresh token are active');
  const at_intro = await client.tokenIntrospection(config, tokens.access_token);
  equal(at_intro.active, true, 'access token active');
  equal(at_intro.sub, USER_ID, 'introspection sub');
  equal(at_intro.client_id, CLIENT_ID, 'introspection client_id');
  check(typeof at_intro.exp === 'number', 'introspection exp', at_intro);
  const rt_intro = await client.tokenIntrospection(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
  equal(rt_intro.active, true, 'refresh token active');
  }

  step('refresh through the library (rotation; a refreshed ID token keeps the subject)');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  check(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'the refresh token rotates', refreshed);
  if (refreshed.id_token) {
    equal(refreshed.claims().sub, USER_ID, 'refreshed ID token sub');
    await verifyIdTokenSignature(refreshed.id_token, jwks);
  }
  const info2 = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
  equal(info2.sub, USER_ID, 'userinfo with the refreshed access token');

  step('narrowing the scope on refresh is allowed; widening is not');
  const narrowed = await client.refreshTokenGrant(config, refreshed.refresh_token, { scope: 'openid email' });
  deepEqual((narrowed.scope ?? '').split(' ').sort(), ['email', 'openid'], 'narrowed scope');
  await expectOAuthError(client.refreshTokenGrant(config, narrowed.refresh_token, { scope: 'openid email profile offline_access admin' }),
    'invalid_scope', 'widening the scope on refresh');

  step('revocation (RFC 7009) of the refresh token');
  const current = await client.refreshTokenGrant(config, narrowed.refresh_token);
  await client.tokenRevocation(config, current.refresh_token, { token_type_hint: 'refresh_token' });
  await expectOAuthError(client.refreshTokenGrant(config, current.refresh_token), 'invalid_grant', 'refresh with a revoked token');
  if (!PUBLIC) {
    const after = await client.tokenIntrospection(config, current.refresh_token);
    equal(after.active, false, 'revoked refresh token is inactive');
    const at_after = await client.tokenIntrospection(config, current.access_token);
    equal(at_after.active, false, 'an access token of the revoked grant is inactive (RFC 7009 2.1)');
  }
  const userinfo_after = await request(null, meta.userinfo_endpoint, { headers: { authorization: `Bearer ${current.access_token}` } });
  equal(userinfo_after.status, 401, 'userinfo refuses an access token of the revoked grant');
  // Revoking an unknown or already revoked token is not an error (RFC 7009 2.2).
  await client.tokenRevocation(config, current.refresh_token);
  await client.tokenRevocation(config, 'not-a-token-at-all');

  step('a fresh code flow with prompt=none reuses the session without any page');
  const v2 = client.randomPKCECodeVerifier();
  const n2 = client.randomNonce();
  const s2 = client.randomState();
  const url2 = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid email', prompt: 'none',
    code_challenge: await client.calculatePKCECodeChallenge(v2), code_challenge_method: 'S256', nonce: n2, state: s2,
  });
  const silent = await request(jar, url2.toString());
  check(silent.status >= 300 && silent.status < 400, 'prompt=none with a session redirects at once', silent.status);
  const location = new URL(silent.headers.get('location'));
  check(location.toString().startsWith(REDIRECT_URI), 'prompt=none redirects to the client', location.toString());
  const silent_tokens = await client.authorizationCodeGrant(config, location, { pkceCodeVerifier: v2, expectedNonce: n2, expectedState: s2 });
  equal(silent_tokens.claims().sub, USER_ID, 'prompt=none ID token sub');

  step('prompt=none without a session -> login_required');
  const s3 = client.randomState();
  const url3 = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid', prompt: 'none', state: s3,
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
  });
  const anon = await request(new CookieJar(), url3.toString());
  const anon_location = new URL(anon.headers.get('location') ?? 'http://invalid/');
  equal(anon_location.searchParams.get('error'), 'login_required', 'prompt=none without a session');
  equal(anon_location.searchParams.get('state'), s3, 'error redirect keeps state');

  step('RP-initiated logout through the library (id_token_hint, post_logout_redirect_uri, state)');
  const logout_state = client.randomState();
  const end_session = client.buildEndSessionUrl(config, {
    id_token_hint: silent_tokens.id_token, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: logout_state,
  });
  let answer = await request(jar, end_session.toString());
  if (answer.status === 200) {
    // A confirmation page: press "Sign out".
    const form = parseForms(answer.text, answer.url).find((f) => f.controls.some((c) => c.name === 'decision' && c.value === 'logout'));
    check(form, 'the logout page offers decision=logout', answer.text.slice(0, 800));
    const button = form.controls.find((c) => c.name === 'decision' && c.value === 'logout');
    answer = await submitForm(jar, form, formFields(form, {}, button));
  }
  check(answer.status >= 300 && answer.status < 400, `logout redirects (HTTP ${answer.status}: ${answer.text.slice(0, 300)})`);
  const after_logout = new URL(answer.headers.get('location'), answer.url);
  equal(`${after_logout.origin}${after_logout.pathname}`, POST_LOGOUT_REDIRECT_URI, 'back at the post-logout redirect URI');
  equal(after_logout.searchParams.get('state'), logout_state, 'logout keeps state');
  const s5 = client.randomState();
  const url5 = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid', prompt: 'none', state: s5,
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
  });
  const after = await request(jar, url5.toString());
  equal(new URL(after.headers.get('location') ?? 'http://invalid/').searchParams.get('error'), 'login_required', 'the session ended: prompt=none needs a login again');

  if (PUBLIC) {
    step('a public client must use PKCE: an authorization request without it is refused');
    const s4 = client.randomState();
    const url4 = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: s4 });
    const { callback: refused } = await signIn(jar, url4.toString(), { email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: REDIRECT_URI });
    equal(refused.searchParams.get('error'), 'invalid_request', 'public client without PKCE');
    equal(refused.searchParams.get('state'), s4, 'state kept');
  } else {
    step('client_credentials through the library: a token for the client itself');
    const cc = await client.clientCredentialsGrant(config).catch((e) => {
      throw new CheckFailure(`client_credentials failed: ${e.error ?? ''} ${e.error_description ?? e.message}`);
    });
    check(!cc.refresh_token, 'no refresh token for client_credentials (RFC 6749 4.4.3)', Object.keys(cc));
    check(!cc.id_token, 'no ID token for client_credentials', Object.keys(cc));
    const cc_intro = await client.tokenIntrospection(config, cc.access_token);
    equal(cc_intro.active, true, 'client_credentials token active');
    equal(cc_intro.client_id, CLIENT_ID, 'client_credentials token client_id');
  }
});
