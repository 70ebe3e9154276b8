// SPDX-License-Identifier: Apache-2.0
// Client-side OAuth helpers: PKCE and random values as the first seed generates them, the
// bootstrap admin API (SPEC section 8), and JWT pieces for forging bad tokens.
import crypto from 'node:crypto';
import { check, equal } from './check.mjs';
import { json, postJson, request } from './http.mjs';

export function pkce() {
  // Exactly the first seed's code.
  const code_verifier = crypto.randomBytes(32).toString('base64url');
  const code_challenge = crypto.createHash('sha256').update(code_verifier).digest('base64url');
  return { code_verifier, code_challenge };
}

export const randomValue = () => crypto.randomBytes(16).toString('base64url');

/// The token endpoint's answer parsed, with the RFC 6749 5.1 headers checked on success.
export async function tokenResponse(response, what) {
  const body = json(response, what);
  if (response.status === 200) {
    const cache = response.headers.get('cache-control') || '';
    check(cache.includes('no-store'), `${what}: token response needs Cache-Control: no-store`, cache);
  }
  return body;
}

/// Asserts a token-endpoint error: status, `error` code, JSON body, and for invalid_client
/// the WWW-Authenticate header (RFC 6749 5.2, SPEC section 6).
export function expectTokenError(response, status, error, what) {
  const body = json(response, what);
  equal(response.status, status, `${what}: HTTP status (body ${response.text.slice(0, 200)})`);
  equal(body.error, error, `${what}: error code (body ${JSON.stringify(body)})`);
  check(typeof body.error_description === 'string' && body.error_description.length > 0,
    `${what}: error_description should explain the error`, body);
  const type = response.headers.get('content-type') || '';
  check(type.startsWith('application/json'), `${what}: error content-type should be JSON`, type);
  if (error === 'invalid_client') {
    check(response.headers.get('www-authenticate'), `${what}: 401 invalid_client needs WWW-Authenticate`);
  }
  return body;
}

// --- bootstrap admin API -----------------------------------------------------------------

export async function adminPost(issuer, admin_token, path, body) {
  const response = await postJson(`${issuer}/admin/api/v1${path}`, body, { authorization: `Bearer ${admin_token}` });
  const parsed = json(response, `POST ${path}`);
  equal(response.status, 201, `POST /admin/api/v1${path} ${JSON.stringify(body)} -> ${response.text.slice(0, 300)}`);
  return parsed;
}

export async function createProject(issuer, admin_token, fields) {
  const project = await adminPost(issuer, admin_token, '/projects', { client_type: 'confidential', ...fields });
  check(/^proj_/.test(project.client_id), 'client_id is proj_<slug>', project.client_id);
  if ((fields.client_type ?? 'confidential') === 'confidential') {
    check(/^[0-9a-f]{64}$/.test(project.client_secret), 'client_secret is 64 hex', project.client_secret);
  }
  check(/^[0-9a-f]{64}$/.test(project.signing_key), 'signing_key is 64 hex', project.signing_key);
  return project;
}

export function createUser(issuer, admin_token, fields) {
  return adminPost(issuer, admin_token, '/users', fields);
}

// --- JWT pieces --------------------------------------------------------------------------

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

/// An HS256 JWS over arbitrary header and claims, signed with `key` (a string's bytes).
export function signHs256(header, payload, key) {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = crypto.createHmac('sha256', Buffer.from(key, 'utf8')).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${signature}`;
}

export async function userinfo(issuer, token, path = '/oauth/userinfo') {
  return request(null, `${issuer}${path}`, { headers: { authorization: `Bearer ${token}` } });
}
