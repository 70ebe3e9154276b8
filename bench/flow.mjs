#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Browser-style authorization-code + PKCE (S256) client for bench/run.sh (Node >= 20, no
// dependencies). Each flow has its own cookie jar, so every flow signs in and consents:
//   GET authorize -> login page -> POST login -> consent page -> POST consent
//   -> redirect with ?code -> POST token (code + code_verifier, client_secret_basic)
//
// Modes:
//   node bench/flow.mjs tokens [--count N]   N flows; one token response (JSON) per line
//   node bench/flow.mjs flows                closed loop of complete flows for --duration s with
//                                            --concurrency flows in flight; prints one JSON line
// Options (or the environment variable in brackets):
//   --issuer URL [ISSUER]  --client-id [CLIENT_ID]  --client-secret [CLIENT_SECRET]
//   --redirect-uri [REDIRECT_URI]  --user [FLOW_USER]  --password [FLOW_PASSWORD]
//   --scope [FLOW_SCOPE] (default "openid email profile offline_access")
//   --driver authd|oidc-provider-dev|glewlwyd|html-form [FLOW_DRIVER]
//   --duration S [FLOW_DURATION] (10)  --concurrency C [FLOW_CONCURRENCY] (4)  --count N (1)
// prompt=consent is always sent, so that consent is asked on every flow by every provider.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

const argv = process.argv.slice(2);
const mode = argv[0] && !argv[0].startsWith('--') ? argv.shift() : 'tokens';
const opt = {};
for (let i = 0; i < argv.length; i += 2) {
  if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
    console.error(`bad option ${argv[i]}`);
    process.exit(2);
  }
  opt[argv[i].slice(2)] = argv[i + 1];
}
const env = process.env;
const cfg = {
  issuer: opt.issuer || env.ISSUER,
  clientId: opt['client-id'] || env.CLIENT_ID,
  clientSecret: opt['client-secret'] || env.CLIENT_SECRET,
  redirectUri: opt['redirect-uri'] || env.REDIRECT_URI,
  user: opt.user || env.FLOW_USER || 'alice',
  password: opt.password || env.FLOW_PASSWORD || 'password',
  scope: opt.scope || env.FLOW_SCOPE || 'openid email profile offline_access',
  driver: opt.driver || env.FLOW_DRIVER || 'authd',
  duration: Number(opt.duration || env.FLOW_DURATION || 10),
  concurrency: Number(opt.concurrency || env.FLOW_CONCURRENCY || 4),
  count: Number(opt.count || 1),
  verbose: !!env.FLOW_VERBOSE,
};
for (const k of ['issuer', 'clientId', 'clientSecret', 'redirectUri']) {
  if (!cfg[k]) { console.error(`missing --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`); process.exit(2); }
}
if (!(cfg.duration > 0 && cfg.concurrency >= 1 && cfg.count >= 1)) {
  console.error('--duration, --concurrency and --count must be positive');
  process.exit(2);
}
const log = (...a) => { if (cfg.verbose) console.error(...a); };
const b64url = (buf) => Buffer.from(buf).toString('base64url');
const basic = `Basic ${Buffer.from(`${encodeURIComponent(cfg.clientId)}:${encodeURIComponent(cfg.clientSecret)}`).toString('base64')}`;

// node:http with keep-alive rather than fetch: fetch costs the client about twice the CPU per
// request, and on 2 cores the client's CPU is taken from the server being measured.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
function send(url, { method = 'GET', headers = {}, body } = {}) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const h = { ...headers };
  if (body !== undefined) h['content-length'] = Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const r = mod.request({
      protocol: u.protocol, hostname: u.hostname, port: u.port, path: u.pathname + u.search,
      method, headers: h, agent: agents[u.protocol],
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode,
        location: res.headers.location ?? null,
        setCookie: res.headers['set-cookie'] ?? [],
        text: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(body);
  });
}

class Jar {
  constructor() { this.c = new Map(); }
  store(res) {
    for (const sc of res.setCookie) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.c.delete(name); else this.c.set(name, value);
    }
  }
  header() { return [...this.c].map(([k, v]) => `${k}=${v}`).join('; '); }
}

async function req(jar, url, { method = 'GET', form, json } = {}) {
  const headers = {};
  const cookie = jar.header();
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) { body = new URLSearchParams(form).toString(); headers['content-type'] = 'application/x-www-form-urlencoded'; }
  if (json) { body = JSON.stringify(json); headers['content-type'] = 'application/json'; }
  const res = await send(url, { method, headers, body });
  jar.store(res);
  log(method, url, '->', res.status, res.location || '');
  return { status: res.status, location: res.location, text: res.text, url };
}

const decodeEntities = (v) => v.replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&#x2F;|&#47;/g, '/').replace(/&#x3D;|&#61;/g, '=').replace(/&amp;/g, '&');
const attrsOf = (tag) => Object.fromEntries([...tag.matchAll(/([\w-]+)\s*=\s*"([^"]*)"/g)]
  .map((a) => [a[1].toLowerCase(), decodeEntities(a[2])]));

// The first <form> of a page: its action and its fields, with the user name and password filled
// in and, for a submit button carrying a value (authd's consent form: decision=allow|deny), the
// button whose value means yes.
function firstForm(r) {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(r.text);
  if (!m) throw new Error(`no form on page ${r.status} at ${r.url}: ${r.text.slice(0, 300)}`);
  const action = attrsOf(`<form ${m[1]}>`).action;
  const fields = {};
  for (const t of m[2].matchAll(/<input\b[^>]*>/gi)) {
    const a = attrsOf(t[0]);
    if (!a.name) continue;
    const type = (a.type || 'text').toLowerCase();
    if ((type === 'checkbox' || type === 'radio') && !/\bchecked\b/i.test(t[0])) continue;
    if (type === 'password') fields[a.name] = cfg.password;
    else if (/^(user|login|username|email)$/i.test(a.name) && (type === 'text' || type === 'email')) fields[a.name] = cfg.user;
    else fields[a.name] = a.value ?? '';
  }
  for (const t of m[2].matchAll(/<button\b[^>]*>/gi)) {
    const a = attrsOf(t[0]);
    if (a.name && /^(allow|accept|yes|confirm|approve)$/i.test(a.value || '')) fields[a.name] = a.value;
  }
  return { target: !action || action === '#' ? r.url : new URL(action, r.url).toString(), fields };
}

// How each provider's login and consent are submitted: step() receives the first non-redirect
// response of the flow so far and returns the next response.
const drivers = {
  // authd: the password form (email, password, csrf_token, req) and the consent form
  // (csrf_token, req, decision=allow), both plain HTML.
  authd: {
    async step(jar, r, ctx) {
      ctx.forms = (ctx.forms || 0) + 1;
      if (ctx.forms > 3 || r.status !== 200) throw new Error(`authd: unexpected page ${r.status} at ${r.url}: ${r.text.slice(0, 300)}`);
      const { target, fields } = firstForm(r);
      return req(jar, target, { method: 'POST', form: fields });
    },
  },
  'html-form': {
    async step(jar, r, ctx) {
      ctx.forms = (ctx.forms || 0) + 1;
      if (ctx.forms > 4) throw new Error(`html-form: too many forms, last at ${r.url}`);
      const { target, fields } = firstForm(r);
      return req(jar, target, { method: 'POST', form: fields });
    },
  },
  // oidc-provider's devInteractions: forms with a hidden `prompt` (login accepts any password).
  'oidc-provider-dev': {
    async step(jar, r) {
      const action = /<form[^>]*action="([^"]+)"/.exec(r.text)?.[1]?.replace(/&amp;/g, '&');
      const prompt = /name="prompt" value="(\w+)"/.exec(r.text)?.[1];
      if (!action || !prompt) throw new Error(`unexpected page ${r.status} at ${r.url}: ${r.text.slice(0, 300)}`);
      const target = new URL(action, r.url).toString();
      if (prompt === 'login') return req(jar, target, { method: 'POST', form: { prompt, login: cfg.user, password: cfg.password } });
      return req(jar, target, { method: 'POST', form: { prompt } });
    },
  },
  // Glewlwyd: /auth redirects to its JavaScript login app; the app logs in with
  // POST /api/auth/, stores consent with PUT /api/auth/grant/{client_id} (scopes
  // space-separated), then goes to the callback_url with `g_continue`.
  glewlwyd: {
    async step(jar, r, ctx) {
      if (ctx.glewlwydDone) throw new Error(`glewlwyd: still not authorized after login at ${r.url}: ${r.status} ${r.text.slice(0, 300)}`);
      const callback = new URL(r.url).searchParams.get('callback_url');
      if (!callback) throw new Error(`glewlwyd: unexpected page ${r.status} at ${r.url}`);
      const api = new URL('/api', cfg.issuer).toString();
      const a = await req(jar, `${api}/auth/`, { method: 'POST', json: { username: cfg.user, password: cfg.password } });
      if (a.status !== 200) throw new Error(`glewlwyd login ${a.status} ${a.text}`);
      const g = await req(jar, `${api}/auth/grant/${encodeURIComponent(cfg.clientId)}`, { method: 'PUT', json: { scope: cfg.scope } });
      if (g.status !== 200) throw new Error(`glewlwyd grant ${g.status} ${g.text}`);
      ctx.glewlwydDone = true;
      return req(jar, callback + (callback.includes('?') ? '&g_continue' : '?g_continue'));
    },
  },
};
const driver = drivers[cfg.driver];
if (!driver) { console.error(`unknown driver ${cfg.driver}`); process.exit(2); }

const discovery = await (async () => {
  const r = await send(new URL('.well-known/openid-configuration', cfg.issuer.replace(/\/?$/, '/')).toString());
  if (r.status !== 200) throw new Error(`discovery ${r.status}`);
  return JSON.parse(r.text);
})();

async function tokenRequest(form) {
  const res = await send(discovery.token_endpoint, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  let j;
  try { j = JSON.parse(res.text); } catch { j = { body: res.text.slice(0, 300) }; }
  if (res.status !== 200) throw new Error(`token endpoint ${res.status}: ${JSON.stringify(j)}`);
  return j;
}

async function oneFlow() {
  const jar = new Jar();
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(12));
  const q = new URLSearchParams({
    response_type: 'code', client_id: cfg.clientId, redirect_uri: cfg.redirectUri, scope: cfg.scope,
    state, nonce: b64url(randomBytes(12)), code_challenge: challenge, code_challenge_method: 'S256', prompt: 'consent',
  });
  const ctx = {};
  let r = await req(jar, `${discovery.authorization_endpoint}?${q}`);
  for (let hops = 0; hops < 20; hops += 1) {
    if (r.status >= 300 && r.status < 400 && r.location) {
      const loc = new URL(r.location, r.url);
      if (loc.toString().startsWith(cfg.redirectUri)) {
        const p = loc.searchParams;
        if (p.get('error')) throw new Error(`authorize error: ${p.get('error')} ${p.get('error_description')}`);
        if (p.get('state') !== state) throw new Error('state mismatch');
        const tokens = await tokenRequest({
          grant_type: 'authorization_code', code: p.get('code'), redirect_uri: cfg.redirectUri, code_verifier: verifier,
        });
        if (!tokens.access_token) throw new Error(`no access_token: ${JSON.stringify(tokens)}`);
        return tokens;
      }
      r = await req(jar, loc.toString());
    } else {
      r = await driver.step(jar, r, ctx);
    }
  }
  throw new Error('too many hops');
}

if (mode === 'tokens') {
  let next = 0;
  const worker = async () => {
    while (next < cfg.count) {
      next += 1;
      console.log(JSON.stringify(await oneFlow()));
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.concurrency, cfg.count) }, worker));
} else if (mode === 'flows') {
  const lat = [];
  let errors = 0;
  let lastError;
  const t0 = performance.now();
  const end = t0 + cfg.duration * 1000;
  const worker = async () => {
    while (performance.now() < end && errors <= 20) {
      const s = performance.now();
      try { await oneFlow(); lat.push(performance.now() - s); } catch (e) { errors += 1; lastError = e; }
    }
  };
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? +lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(2) : null);
  const out = {
    flows: lat.length, errors, seconds: +seconds.toFixed(3), concurrency: cfg.concurrency,
    per_second: +(lat.length / seconds).toFixed(2), p50_ms: pct(50), p99_ms: pct(99),
  };
  if (lastError) out.last_error = String(lastError.message || lastError).slice(0, 300);
  console.log(JSON.stringify(out));
  if (errors > 0) process.exitCode = 1;
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
