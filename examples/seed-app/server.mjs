// SPDX-License-Identifier: Apache-2.0
// A minimal app that signs its users in with authd exactly as the quick start shows:
// PKCE S256 + encrypted state -> /oauth/authorize; /api/auth/callback exchanges the code with a
// JSON body; tokens live in httpOnly cookies; every request verifies the access token locally
// with jwtVerify and the project's signing_key (JWT_SECRET); an expired access token is
// refreshed with the refresh token. Plain node:http, one dependency (jose).
//
// Env: AUTH_URL (authd base URL), AUTH_CLIENT_ID, AUTH_CLIENT_SECRET, JWT_SECRET, APP_URL,
//      STATE_KEY (64 hex chars: the AES-256-GCM key that seals the OAuth state), PORT,
//      HOST (listen address, default 127.0.0.1).
import crypto from 'node:crypto';
import http from 'node:http';
import { errors as joseErrors, jwtVerify } from 'jose';

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`seed-app: environment variable ${name} is required (see README.md)`);
    process.exit(2);
  }
  return value;
}

const AUTH_URL = env('AUTH_URL').replace(/\/+$/, '');
const CLIENT_ID = env('AUTH_CLIENT_ID');
const CLIENT_SECRET = env('AUTH_CLIENT_SECRET');
const APP_URL = env('APP_URL').replace(/\/+$/, '');
const STATE_KEY = Buffer.from(env('STATE_KEY'), 'hex');
const PORT = Number(process.env.PORT || new URL(APP_URL).port || 3000);
const secret = new TextEncoder().encode(env('JWT_SECRET'));
const REDIRECT_URI = `${APP_URL}/api/auth/callback`;
const SECURE_COOKIES = APP_URL.startsWith('https://');
const STATE_MAX_AGE_MS = 10 * 60 * 1000;

if (STATE_KEY.length !== 32) {
  console.error('seed-app: STATE_KEY must be 64 hex characters (32 bytes)');
  process.exit(2);
}

// --- state: { v: code verifier, r: return URL, t: issued at } sealed with AES-256-GCM -------

async function encryptState(object) {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', STATE_KEY, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify({ ...object, t: Date.now() }), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

async function decryptState(state) {
  const raw = Buffer.from(String(state || ''), 'base64url');
  if (raw.length < 29) throw new Error('state is missing or too short');
  const decipher = crypto.createDecipheriv('aes-256-gcm', STATE_KEY, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  const object = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
  if (typeof object.t !== 'number' || Date.now() - object.t > STATE_MAX_AGE_MS) throw new Error('state expired');
  return object;
}

// Only same-site paths may be returned to (no open redirect).
const safeReturn = (value) => (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/');

// --- cookies -----------------------------------------------------------------------------

function getCookie(req, name) {
  for (const part of (req.headers.cookie || '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

function cookie(name, value, max_age) {
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${max_age}${SECURE_COOKIES ? '; Secure' : ''}`;
}

function authCookies(access_token, refresh_token) {
  // Lifetimes as the quick start's table: access 5 minutes, refresh 7 days.
  return [cookie('access_token', access_token, 5 * 60), cookie('refresh_token', refresh_token, 7 * 24 * 3600)];
}

const clearCookies = () => [cookie('access_token', '', 0), cookie('refresh_token', '', 0)];

// --- talking to authd --------------------------------------------------------------------

async function tokenRequest(body) {
  const res = await fetch(`${AUTH_URL}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`token endpoint: ${res.status} ${json.error || ''} ${json.error_description || ''}`.trim());
  return json;
}

async function getUser(token) {
  if (!token) return null;
  const { payload } = await jwtVerify(token, secret);
  return { userId: payload.sub, email: payload.email, role: payload.role, status: payload.status };
}

// The signed-in user, refreshing the tokens when the access token is missing or expired.
// Returns { user, set_cookies }.
async function currentUser(req) {
  try {
    const user = await getUser(getCookie(req, 'access_token'));
    if (user) return { user, set_cookies: [] };
  } catch (error) {
    if (!(error instanceof joseErrors.JWTExpired)) return { user: null, set_cookies: clearCookies() };
  }
  const refresh_token = getCookie(req, 'refresh_token');
  if (!refresh_token) return { user: null, set_cookies: [] };
  try {
    const { access_token, refresh_token: rotated } = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    return { user: await getUser(access_token), set_cookies: authCookies(access_token, rotated) };
  } catch (error) {
    console.error(`seed-app: refresh failed: ${error.message}`);
    return { user: null, set_cookies: clearCookies() };
  }
}

// --- pages -------------------------------------------------------------------------------

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function page(res, status, body, set_cookies = []) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    'Cache-Control': 'no-store',
    ...(set_cookies.length ? { 'Set-Cookie': set_cookies } : {}),
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Seed app</title></head><body>${body}</body></html>`);
}

function redirect(res, location, set_cookies = []) {
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store', ...(set_cookies.length ? { 'Set-Cookie': set_cookies } : {}) });
  res.end();
}

async function handle(req, res) {
  const url = new URL(req.url, APP_URL);

  if (req.method === 'GET' && url.pathname === '/login') {
    // Quick start step 1, verbatim apart from reading the return URL from the query.
    const returnTo = safeReturn(url.searchParams.get('returnTo'));
    const codeVerifier = crypto.randomBytes(32).toString('base64url');
    const codeChallenge = crypto.createHash('sha256').update(codeVerifier).digest('base64url');
    const state = await encryptState({ v: codeVerifier, r: returnTo });
    const authUrl = new URL(`${AUTH_URL}/oauth/authorize`);
    authUrl.searchParams.set('client_id', CLIENT_ID);
    authUrl.searchParams.set('redirect_uri', REDIRECT_URI);
    authUrl.searchParams.set('response_type', 'code');
    authUrl.searchParams.set('code_challenge', codeChallenge);
    authUrl.searchParams.set('code_challenge_method', 'S256');
    authUrl.searchParams.set('state', state);
    return redirect(res, authUrl.toString());
  }

  if (req.method === 'GET' && url.pathname === '/api/auth/callback') {
    // Quick start step 2.
    if (url.searchParams.get('error')) {
      return page(res, 400, `<h1>Sign-in failed</h1><p>${escapeHtml(url.searchParams.get('error'))}: ${escapeHtml(url.searchParams.get('error_description') || '')}</p><p><a href="/login">Try again</a></p>`);
    }
    const code = url.searchParams.get('code');
    let state;
    try {
      state = await decryptState(url.searchParams.get('state'));
    } catch (error) {
      return page(res, 400, `<h1>Sign-in failed</h1><p>Bad state: ${escapeHtml(error.message)}</p><p><a href="/login">Try again</a></p>`);
    }
    const { v: codeVerifier, r: returnTo } = state;
    let tokens;
    try {
      tokens = await tokenRequest({
        grant_type: 'authorization_code',
        code,
        code_verifier: codeVerifier,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uri: REDIRECT_URI,
      });
    } catch (error) {
      return page(res, 502, `<h1>Sign-in failed</h1><p>${escapeHtml(error.message)}</p><p><a href="/login">Try again</a></p>`);
    }
    const { access_token, refresh_token } = tokens;
    return redirect(res, safeReturn(returnTo), authCookies(access_token, refresh_token));
  }

  if (req.method === 'GET' && url.pathname === '/logout') {
    return redirect(res, '/', clearCookies());
  }

  if (req.method === 'GET' && url.pathname === '/api/me') {
    const { user, set_cookies } = await currentUser(req);
    res.writeHead(user ? 200 : 401, {
      'Content-Type': 'application/json', 'Cache-Control': 'no-store',
      ...(set_cookies.length ? { 'Set-Cookie': set_cookies } : {}),
    });
    return res.end(JSON.stringify(user ? { user } : { error: 'not signed in' }));
  }

  if (req.method === 'GET' && url.pathname === '/') {
    // Quick start step 3 (and step 4 when the access token has expired).
    const { user, set_cookies } = await currentUser(req);
    if (!user) return page(res, 200, '<h1>Seed app</h1><p>You are not signed in.</p><p><a href="/login">Sign in</a></p>', set_cookies);
    return page(res, 200, `<h1>Seed app</h1><p id="user">Signed in as <strong>${escapeHtml(user.email)}</strong> (role ${escapeHtml(user.role)}, ${escapeHtml(user.status)}).</p><p>User id <code>${escapeHtml(user.userId)}</code></p><p><a href="/logout">Sign out</a></p>`, set_cookies);
  }

  return page(res, 404, '<h1>Not found</h1>');
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error(`seed-app: ${error.stack || error}`);
    if (!res.headersSent) page(res, 500, '<h1>Something went wrong</h1>');
    else res.end();
  });
});

server.listen(PORT, process.env.HOST || '127.0.0.1', () => {
  console.log(`seed-app listening on ${APP_URL} (authd at ${AUTH_URL})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
