// SPDX-License-Identifier: Apache-2.0
// A person in a real browser: headless Chromium (Debian's) driven by playwright-core clicks
// through authd's login and consent pages at phone size (360x640), lands on the client's
// redirect URI (served here), and the code is exchanged. Also checks: no CSP violation in the
// console, no horizontal scroll, every visible field has a label, a wrong password shows an
// error on the same page, and the whole flow works again with JavaScript disabled. Then the
// error page (an unknown client never redirects) and the sign-out pages (confirm, signed out,
// and the next authorization asks for the password again).
// Screenshots of the login, consent, error and sign-out pages go to SCREENSHOT_DIR.
//
// Env: ISSUER CLIENT_ID CLIENT_SECRET SIGNING_KEY REDIRECT_URI USER_EMAIL USER_PASSWORD USER_ID
//      [SCREENSHOT_DIR] [CHROMIUM=/usr/bin/chromium]
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { check, equal, optionalEnv, requireEnv, run, step } from '../clients/lib/check.mjs';
import { json, postJson } from '../clients/lib/http.mjs';

// The npm packages live in tests/e2e/clients (one package.json, one lock file).
const require = createRequire(new URL('../clients/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const { jwtVerify } = await import(require.resolve('jose'));

const ISSUER = requireEnv('ISSUER');
const CLIENT_ID = requireEnv('CLIENT_ID');
const CLIENT_SECRET = requireEnv('CLIENT_SECRET');
const SIGNING_KEY = requireEnv('SIGNING_KEY');
const REDIRECT_URI = requireEnv('REDIRECT_URI');
const USER_EMAIL = requireEnv('USER_EMAIL');
const USER_PASSWORD = requireEnv('USER_PASSWORD');
const USER_ID = requireEnv('USER_ID');
const SCREENSHOT_DIR = optionalEnv('SCREENSHOT_DIR', '');
const CHROMIUM = optionalEnv('CHROMIUM', '/usr/bin/chromium');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// The client app's callback: a tiny page so the browser lands somewhere real.
function startCallbackServer() {
  const target = new URL(REDIRECT_URI);
  const hits = [];
  const server = http.createServer((req, res) => {
    if (new URL(req.url, REDIRECT_URI).pathname === target.pathname) hits.push(req.url);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Client app</title><h1>Back at the client</h1>');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(target.port), target.hostname, () => resolve({ server, hits }));
  });
}

async function launch(js_enabled) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'authd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS,
    viewport: { width: 360, height: 640 }, javaScriptEnabled: js_enabled,
  });
  return { context, profile };
}

function authorizeUrl(challenge, state) {
  const url = new URL(`${ISSUER}/oauth/authorize`);
  url.searchParams.set('client_id', CLIENT_ID);
  url.searchParams.set('redirect_uri', REDIRECT_URI);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid profile email');
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  return url.toString();
}

// Layout and accessibility checks that hold on every authd page.
async function checkPage(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `${what}: no horizontal scroll at 360px (content is ${overflow}px wider)`);
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && el.type !== 'submit')
    .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.outerHTML));
  check(unlabeled.length === 0, `${what}: every field has a label`, unlabeled);
  const lang = await page.evaluate(() => document.documentElement.lang);
  check(lang, `${what}: <html lang> is set`);
  check((await page.title()).length > 0, `${what}: the page has a title`);
}

async function choosePasswordIfOffered(page) {
  const link = page.locator('a[href*="/login/password"]');
  if (await page.locator('input[name="password"]').count() === 0 && await link.count() > 0) {
    await Promise.all([page.waitForLoadState('load'), link.first().click()]);
  }
}

async function signInFlow(context, { screenshots, wrong_password_first, expect_consent }) {
  const page = await context.newPage();
  const console_problems = [];
  page.on('console', (m) => {
    if (/Failed to load resource/.test(m.text())) return;  // reported with its URL below, when authd's
    if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) console_problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => console_problems.push(`pageerror: ${e.message}`));
  // Name the resource behind a "Failed to load resource" console line (stylesheet, icon...).
  // Only authd's own resources count: the client's page is the script's stub.
  page.on('response', (r) => {
    if (r.request().resourceType() === 'document') return;  // a refused sign-in is a 4xx page
    if (r.status() >= 400 && r.url().startsWith(ISSUER)) console_problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  const documents = [];
  page.on('response', (r) => { if (r.request().resourceType() === 'document') documents.push(r); });

  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const state = crypto.randomBytes(16).toString('base64url');
  await page.goto(authorizeUrl(challenge, state));
  await choosePasswordIfOffered(page);

  step('login page: labelled fields, headers, layout');
  const email = page.getByLabel(/e-?mail/i);
  const password = page.getByLabel(/password/i);
  equal(await email.count(), 1, 'one field labelled Email');
  equal(await password.count(), 1, 'one field labelled Password');
  equal(await email.getAttribute('name'), 'email', 'the Email field is named email');
  equal(await password.getAttribute('name'), 'password', 'the Password field is named password');
  equal(await password.getAttribute('type'), 'password', 'the password is masked');
  const login_doc = documents.at(-1);
  const csp = (await login_doc.allHeaders())['content-security-policy'] || '';
  check(csp.includes("default-src") || csp.includes('script-src'), 'login page sends a CSP', csp);
  const frame = (await login_doc.allHeaders())['x-frame-options'] || '';
  check(/deny|sameorigin/i.test(frame) || /frame-ancestors/.test(csp), 'login page refuses framing', { frame, csp });
  await checkPage(page, 'login page');
  const submit = page.locator('form:has(input[name="password"]) [type="submit"]');
  equal(await submit.count(), 1, 'the login form has one submit button');
  if (screenshots) {
    fs.mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, 'login.png'), fullPage: true });
  }

  if (wrong_password_first) {
    step('a wrong password keeps the person on the login page with an error');
    await email.fill(USER_EMAIL);
    await password.fill(`${USER_PASSWORD}-wrong`);
    await Promise.all([page.waitForLoadState('load'), submit.click()]);
    await page.waitForSelector('input[name="password"]');
    const alert = page.locator('[role="alert"]');
    check(await alert.count() > 0, 'an error is announced (role=alert)', await page.content());
    await checkPage(page, 'login page with an error');
  }

  await page.getByLabel(/e-?mail/i).fill(USER_EMAIL);
  await page.getByLabel(/password/i).fill(USER_PASSWORD);
  step('submit the login form by clicking');
  await page.locator('form:has(input[name="password"]) [type="submit"]').click();

  if (expect_consent) {
    step('consent page: allow by clicking');
    const allow = page.locator('button[name="decision"][value="allow"]');
    await allow.waitFor({ timeout: 15000 });
    check(await page.locator('button[name="decision"][value="deny"]').count() === 1, 'consent page offers deny');
    const consent_text = await page.locator('body').innerText();
    check(/email/i.test(consent_text), 'consent page says what is asked (email)', consent_text);
    await checkPage(page, 'consent page');
    if (screenshots) await page.screenshot({ path: path.join(screenshots, 'consent.png'), fullPage: true });
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(REDIRECT_URI), { timeout: 15000 }), allow.click()]);
  } else {
    // Consent given in the first browser is remembered for this user and client.
    await page.waitForURL((u) => u.toString().startsWith(REDIRECT_URI), { timeout: 15000 });
  }

  step('landed on the redirect URI with a code');
  const landed = new URL(page.url());
  equal(landed.searchParams.get('state'), state, 'state');
  const code = landed.searchParams.get('code');
  check(code, 'code in the callback', landed.toString());
  check(/Back at the client/.test(await page.locator('h1').innerText()), 'the client page rendered');
  check(console_problems.length === 0, 'no console errors or CSP violations', console_problems);
  await page.close();
  return { code, verifier };
}

// The pages a person sees outside the sign-in itself: an error and signing out.
async function errorAndLogoutPages(context, screenshots) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 400/.test(m.text())) problems.push(`${m.type()}: ${m.text()}`);
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));

  step('error page: an unknown client gets a page, never a redirect');
  const bad = new URL(authorizeUrl('x'.repeat(43), 'st'));
  bad.searchParams.set('client_id', 'proj_no_such_app');
  const shown = await page.goto(bad.toString());
  equal(shown.status(), 400, 'the error page answers 400');
  equal(new URL(page.url()).origin, new URL(ISSUER).origin, 'the browser stayed on the provider');
  const headers = await shown.allHeaders();
  check((headers['content-security-policy'] || '').includes('frame-ancestors') ||
    /deny|sameorigin/i.test(headers['x-frame-options'] || ''), 'the error page refuses framing', headers);
  const error_text = await page.locator('body').innerText();
  check(/client/i.test(error_text), 'the page says what is wrong (the client)', error_text);
  await checkPage(page, 'error page');
  if (screenshots) await page.screenshot({ path: path.join(screenshots, 'error.png'), fullPage: true });

  step('sign-out page: confirm, then signed out');
  await page.goto(`${ISSUER}/oauth/logout`);
  const sign_out = page.locator('button[name="decision"][value="logout"]');
  equal(await sign_out.count(), 1, 'the page asks before signing out');
  check((await page.locator('body').innerText()).includes(USER_EMAIL), 'it names who is signed in');
  await checkPage(page, 'sign-out page');
  if (screenshots) await page.screenshot({ path: path.join(screenshots, 'logout.png'), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), sign_out.click()]);
  const done = await page.locator('h1').innerText();
  check(/signed out/i.test(done), 'the signed-out page says so', done);
  await checkPage(page, 'signed-out page');
  if (screenshots) await page.screenshot({ path: path.join(screenshots, 'signed-out.png'), fullPage: true });

  step('after signing out, the next authorization asks for the password again');
  await page.goto(authorizeUrl('y'.repeat(43), 'again'));
  await choosePasswordIfOffered(page);
  equal(await page.locator('input[name="password"]').count(), 1, 'the login form is shown');
  check(problems.length === 0, 'no console errors or CSP violations', problems);
  await page.close();
}

async function exchange({ code, verifier }) {
  const res = await postJson(`${ISSUER}/oauth/token`, {
    grant_type: 'authorization_code', code, code_verifier: verifier,
    client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uri: REDIRECT_URI,
  });
  equal(res.status, 200, `code exchange (${res.text.slice(0, 300)})`);
  const { access_token } = json(res, 'token response');
  const { payload } = await jwtVerify(access_token, new TextEncoder().encode(SIGNING_KEY));
  equal(payload.sub, USER_ID, 'access token sub');
  equal(payload.email, USER_EMAIL, 'access token email');
}

run('browser_signin', async () => {
  const { server, hits } = await startCallbackServer();
  const profiles = [];
  const contexts = [];
  try {
    step('Chromium with JavaScript: sign in by clicking');
    const first = await launch(true);
    profiles.push(first.profile);
    contexts.push(first.context);
    const result = await signInFlow(first.context, { screenshots: SCREENSHOT_DIR, wrong_password_first: true, expect_consent: true });
    await exchange(result);
    await errorAndLogoutPages(first.context, SCREENSHOT_DIR);
    await first.context.close();

    step('Chromium without JavaScript: the same flow works (plain HTML forms)');
    const second = await launch(false);
    profiles.push(second.profile);
    contexts.push(second.context);
    const again = await signInFlow(second.context, { screenshots: '', wrong_password_first: false, expect_consent: false });
    await second.context.close();
    await exchange(again);
    equal(hits.length, 2, 'the client callback was hit once per sign-in');
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
    server.closeAllConnections();
    server.close();
    for (const dir of profiles) fs.rmSync(dir, { recursive: true, force: true });
  }
});
