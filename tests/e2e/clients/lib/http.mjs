// SPDX-License-Identifier: Apache-2.0
// A cookie-jar HTTP client and a browser-like driver of authd's sign-in pages, written only
// against what SPEC section 6 promises: plain HTML forms, password fields `email` and
// `password`, consent `decision=allow|deny`, hidden fields that are the server's own.
import { CheckFailure, check } from './check.mjs';

/// Cookies for one host (every test server is on 127.0.0.1), with Path and expiry honoured.
export class CookieJar {
  constructor() {
    this.cookies = new Map();  // name -> { value, path, expires, httpOnly, sameSite, secure }
  }

  store(set_cookie_headers) {
    for (const line of set_cookie_headers) {
      const parts = line.split(';').map((p) => p.trim());
      const eq = parts[0].indexOf('=');
      if (eq <= 0) continue;
      const name = parts[0].slice(0, eq);
      const value = parts[0].slice(eq + 1);
      const cookie = { value, path: '/', expires: null, httpOnly: false, sameSite: '', secure: false };
      for (const attribute of parts.slice(1)) {
        const [key, ...rest] = attribute.split('=');
        const k = key.toLowerCase();
        const v = rest.join('=');
        if (k === 'path') cookie.path = v || '/';
        else if (k === 'max-age') cookie.expires = Date.now() + Number(v) * 1000;
        else if (k === 'expires' && cookie.expires === null) cookie.expires = Date.parse(v);
        else if (k === 'httponly') cookie.httpOnly = true;
        else if (k === 'samesite') cookie.sameSite = v;
        else if (k === 'secure') cookie.secure = true;
      }
      if (cookie.expires !== null && cookie.expires <= Date.now()) this.cookies.delete(name);
      else this.cookies.set(name, cookie);
    }
  }

  header(url) {
    const path = new URL(url).pathname;
    const pairs = [];
    for (const [name, c] of this.cookies) {
      if (c.expires !== null && c.expires <= Date.now()) continue;
      if (path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)) {
        pairs.push(`${name}=${c.value}`);
      }
    }
    return pairs.join('; ');
  }

  get(name) {
    return this.cookies.get(name);
  }
}

/// One request without following redirects; cookies go out from and come back into `jar`.
export async function request(jar, url, { method = 'GET', headers = {}, body } = {}) {
  const all = { ...headers };
  const cookie = jar ? jar.header(url) : '';
  if (cookie) all.cookie = cookie;
  const response = await fetch(url, { method, headers: all, body, redirect: 'manual' });
  if (jar) jar.store(response.headers.getSetCookie());
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, url };
}

export function json(response, what) {
  try {
    return JSON.parse(response.text);
  } catch {
    throw new CheckFailure(`${what}: expected a JSON body, got HTTP ${response.status}: ${response.text.slice(0, 400)}`);
  }
}

/// POST with a JSON body (the seeds' token requests).
export function postJson(url, object, headers = {}) {
  return request(null, url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(object),
  });
}

/// POST with an application/x-www-form-urlencoded body (RFC 6749).
export function postForm(url, fields, headers = {}) {
  return request(null, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

// --- HTML forms --------------------------------------------------------------------------

function decodeEntities(text) {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function parseAttributes(tag) {
  const attributes = {};
  const pattern = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
  const inner = tag.replace(/^<\s*[a-z0-9]+/i, '').replace(/\/?>$/, '');
  let m;
  while ((m = pattern.exec(inner)) !== null) {
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    attributes[m[1].toLowerCase()] = decodeEntities(value);
  }
  return attributes;
}

/// Every <form> of a page: action resolved against the page URL, method, and its controls
/// (inputs, buttons, selects, textareas) in document order.
export function parseForms(html, page_url) {
  const forms = [];
  const form_pattern = /<form\b[^>]*>([\s\S]*?)<\/form>/gi;
  let m;
  while ((m = form_pattern.exec(html)) !== null) {
    const open_tag = m[0].match(/^<form\b[^>]*>/i)[0];
    const attributes = parseAttributes(open_tag);
    const controls = [];
    const control_pattern = /<(input|button|select|textarea)\b[^>]*>/gi;
    let c;
    while ((c = control_pattern.exec(m[1])) !== null) {
      const a = parseAttributes(c[0]);
      controls.push({ tag: c[1].toLowerCase(), type: (a.type || (c[1].toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase(), name: a.name, value: a.value ?? '', id: a.id, attributes: a });
    }
    forms.push({
      action: new URL(attributes.action ?? page_url, page_url).toString(),
      method: (attributes.method || 'GET').toUpperCase(),
      enctype: attributes.enctype || 'application/x-www-form-urlencoded',
      controls,
      html: m[0],
    });
  }
  return forms;
}

/// The fields a browser would submit for `form` when `submitter` (a button, optional) is
/// clicked, with `overrides` typed into the named fields.
export function formFields(form, overrides = {}, submitter) {
  const fields = new URLSearchParams();
  for (const control of form.controls) {
    if (!control.name) continue;
    if (control.tag === 'button' || control.type === 'submit' || control.type === 'image') continue;
    if ((control.type === 'checkbox' || control.type === 'radio') && !('checked' in control.attributes)) continue;
    if (control.name in overrides) continue;
    fields.append(control.name, control.value);
  }
  for (const [name, value] of Object.entries(overrides)) fields.append(name, value);
  if (submitter && submitter.name && !(submitter.name in overrides)) fields.append(submitter.name, submitter.value);
  return fields;
}

export async function submitForm(jar, form, fields) {
  if (form.method === 'POST') {
    return request(jar, form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
  }
  const target = new URL(form.action);
  for (const [k, v] of fields) target.searchParams.append(k, v);
  return request(jar, target.toString());
}

function hasControl(form, name) {
  return form.controls.some((c) => c.name === name);
}

function excerpt(text) {
  return text.replace(/\s+/g, ' ').slice(0, 1500);
}

/// Drives the sign-in as a person with a plain (no JavaScript) browser would: follows
/// redirects, fills the password form, answers the consent form with `decision`, and stops at
/// the first redirect to `redirect_uri`. Returns { callback: URL, pages: [...] } where pages
/// lists what was seen ('login', 'consent', ...), for the caller's own checks.
/// A page with neither form nor a sign-in link fails with its text.
export async function signIn(jar, authorize_url, { email, password, redirect_uri, decision = 'allow', consent_action, max_steps = 20 }) {
  let response = await request(jar, authorize_url);
  const pages = [];
  for (let i = 0; i < max_steps; i += 1) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      check(location, `HTTP ${response.status} from ${response.url} without a Location header`);
      const next = new URL(location, response.url).toString();
      if (next.startsWith(redirect_uri)) return { callback: new URL(next), pages, response };
      response = await request(jar, next);
      continue;
    }
    check(response.status === 200, `sign-in page ${response.url} answered HTTP ${response.status}: ${excerpt(response.text)}`);
    const content_type = response.headers.get('content-type') || '';
    check(content_type.startsWith('text/html'), `sign-in page ${response.url} is not HTML (${content_type})`);
    const forms = parseForms(response.text, response.url);
    const login = forms.find((f) => hasControl(f, 'password') && hasControl(f, 'email'));
    const consent = forms.find((f) => hasControl(f, 'decision'));
    if (login) {
      check(!pages.some((p) => p.kind === 'login'), `the password form came back after signing in as ${email}: ${pageText(response.text)}`);
      pages.push({ kind: 'login', url: response.url, html: response.text, form: login });
      check(login.method === 'POST', `the password form must POST (got ${login.method})`);
      response = await submitForm(jar, login, formFields(login, { email, password }));
      continue;
    }
    if (consent) {
      check(!pages.some((p) => p.kind === 'consent'), `the consent form came back after answering it: ${pageText(response.text)}`);
      pages.push({ kind: 'consent', url: response.url, html: response.text, form: consent });
      check(consent.method === 'POST', `the consent form must POST (got ${consent.method})`);
      const button = consent.controls.find((c) => c.name === 'decision' && c.value === decision);
      check(button, `the consent form has no control decision=${decision}`, consent.html);
      // `consent_action` posts the same fields to another URL (the second seed's
      // POST /api/oauth/consent), as an app-built consent form would.
      const target = consent_action ? { ...consent, action: consent_action } : consent;
      response = await submitForm(jar, target, formFields(consent, {}, button));
      continue;
    }
    // A chooser listing the sign-in methods: take the password one.
    const link = response.text.match(/<a\b[^>]*href\s*=\s*"([^"]*\/login\/password[^"]*)"/i);
    if (link) {
      pages.push({ kind: 'chooser', url: response.url, html: response.text });
      response = await request(jar, new URL(decodeEntities(link[1]), response.url).toString());
      continue;
    }
    throw new CheckFailure(`page ${response.url} has neither a password form, a consent form nor a password sign-in link: ${excerpt(response.text)}`);
  }
  throw new CheckFailure(`sign-in did not reach ${redirect_uri} within ${max_steps} steps`);
}

/// The error page text of an HTML error response (for messages).
export function pageText(html) {
  return excerpt(html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' '));
}
