// SPDX-License-Identifier: Apache-2.0
// An administrator in a real browser: headless Chromium (Debian's) driven by playwright-core,
// with JavaScript disabled (the dashboard needs none). Signs in to /admin through the
// provider's login page, creates a project, adds a redirect URI, edits its access policy (and
// checks that a user the policy refuses now gets access_denied at sign-in), rotates its secret,
// edits its access-token lifetime (and checks expires_in at the token endpoint), opens the
// users and audit pages, creates and withdraws an invite code, registers an app under My Apps,
// and opens /register. Checks that no page logs a CSP violation or fails to load a resource,
// that every field has a label, that the project page's focus order follows its fields and
// that it fits a phone screen.
// Screenshots of each page go to SCREENSHOT_DIR (docs/screenshots).
//
// Env: ISSUER ADMIN_EMAIL ADMIN_PASSWORD USER_EMAIL USER_PASSWORD [SCREENSHOT_DIR]
//      [CHROMIUM=/usr/bin/chromium]
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { check, deepEqual, equal, optionalEnv, requireEnv, run, step } from '../clients/lib/check.mjs';

const require = createRequire(new URL('../clients/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const ISSUER = requireEnv('ISSUER');
const ADMIN_EMAIL = requireEnv('ADMIN_EMAIL');
const ADMIN_PASSWORD = requireEnv('ADMIN_PASSWORD');
const USER_EMAIL = requireEnv('USER_EMAIL');
const USER_PASSWORD = requireEnv('USER_PASSWORD');
// The project's redirect URI: a tiny page on a free loopback port, so the browser lands
// somewhere real (set in main).
let CALLBACK = '';
const SCREENSHOT_DIR = optionalEnv('SCREENSHOT_DIR', '');
const CHROMIUM = optionalEnv('CHROMIUM', '/usr/bin/chromium');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function shot(page, name) {
  if (!SCREENSHOT_DIR) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, name), fullPage: true });
}

async function labelled(page, what) {
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && el.type !== 'submit')
    .filter((el) => !(el.labels && el.labels.length > 0))
    .map((el) => el.outerHTML));
  check(unlabeled.length === 0, `${what}: every field has a label`, unlabeled);
}

async function submit(page, form_selector) {
  await Promise.all([page.waitForLoadState('load'),
    page.locator(`${form_selector} [type="submit"]`).first().click()]);
}

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'authd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS,
    viewport: { width: 1200, height: 800 }, javaScriptEnabled: false,
  });
  return { context, profile };
}

function authorizeUrl(client_id) {
  const url = new URL(`${ISSUER}/oauth/authorize`);
  url.searchParams.set('client_id', client_id);
  url.searchParams.set('redirect_uri', CALLBACK);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid email');
  url.searchParams.set('state', 'st-admin-mjs');
  const verifier = crypto.randomBytes(32).toString('base64url');
  url.searchParams.set('code_challenge', crypto.createHash('sha256').update(verifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

// expires_in of a client_credentials access token.
async function accessTokenLifetime(client_id, client_secret) {
  const response = await fetch(`${ISSUER}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id, client_secret }),
  });
  const body = await response.json();
  equal(response.status, 200, `client_credentials answered ${JSON.stringify(body)}`);
  return body.expires_in;
}

function startCallbackServer() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Client</title><h1>Back at the client</h1>');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function main() {
  const callback_server = await startCallbackServer();
  CALLBACK = `http://127.0.0.1:${callback_server.address().port}/callback`;
  const { context, profile } = await launch();
  const second = await launch();
  const problems = [];
  try {
    const page = await context.newPage();
    // Chromium logs each 400 page it loads; the pages that refuse a bad value on purpose are
    // counted here and not reported.
    let refusals_expected = 0;
    page.on('console', (m) => {
      if (refusals_expected > 0 && /status of 400/.test(m.text())) {
        refusals_expected -= 1;
        return;
      }
      if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.request().resourceType() !== 'document' && r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });

    step('/admin without a session goes to the provider login page');
    await page.goto(`${ISSUER}/admin`);
    check(new URL(page.url()).pathname.startsWith('/login'), 'landed on the login page', page.url());
    await page.getByLabel(/e-?mail/i).fill(ADMIN_EMAIL);
    await page.getByLabel(/password/i).fill(ADMIN_PASSWORD);
    await submit(page, 'form:has(input[name="password"])');
    equal(new URL(page.url()).pathname, '/admin/projects', 'back on the dashboard after sign-in');
    await labelled(page, 'projects page');

    step('create a project through the form');
    await page.getByLabel('Name').fill('Browser Made');
    await page.getByLabel('Description').fill('created by Chromium');
    await page.getByLabel(/Redirect URIs/).fill(CALLBACK);
    await shot(page, 'admin-projects.png');
    await submit(page, 'form[action="/admin/projects"]');
    const client_id = (await page.locator('tr:has(th:text-is("client_id")) code').textContent()).trim();
    const secret = (await page.locator('tr:has(th:text-is("client_secret")) code').textContent()).trim();
    check(client_id.startsWith('proj_browser_made'), 'a client_id is shown', client_id);
    equal(secret.length, 64, 'the secret is shown once');
    await shot(page, 'admin-project-created.png');

    step('add a redirect URI');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: 'Continue' }).click()]);
    equal(new URL(page.url()).pathname, `/admin/projects/${client_id}`, 'on the project page');
    check(!(await page.content()).includes(secret), 'the secret is not shown again');
    await page.getByLabel('One per line').fill(`${CALLBACK}\nhttps://app.example.com/cb`);
    await submit(page, `form[action="/admin/projects/${client_id}/redirect-uris"]`);
    check((await page.content()).includes('Redirect URIs saved.'), 'the URIs were saved');
    await labelled(page, 'project page');

    step('the project page: focus order and a phone screen');
    const positive = await page.evaluate(() => [...document.querySelectorAll('[tabindex]')]
      .filter((el) => el.tabIndex > 0).map((el) => el.outerHTML));
    check(positive.length === 0, 'no tabindex reorders the fields', positive);
    await page.focus('#f-roles');
    const order = ['f-roles'];
    for (let i = 0; i < 3; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.name));
    }
    deepEqual(order, ['f-roles', 'f-email_domains', 'f-statuses', 'require_verified_email'],
      'Tab walks the access policy fields in order');
    await page.setViewportSize({ width: 375, height: 812 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, 'the project page fits a 375px-wide screen', overflow);
    await shot(page, 'admin-project-phone.png');
    await page.setViewportSize({ width: 1200, height: 800 });

    step('edit the access policy: only admins');
    await page.getByLabel('Allowed roles').fill('admin');
    await submit(page, `form[action="/admin/projects/${client_id}/access-policy"]`);
    check((await page.content()).includes('Access policy saved.'), 'the policy was saved');
    equal(await page.getByLabel('Allowed roles').inputValue(), 'admin', 'the page shows the new policy');
    await shot(page, 'admin-project.png');

    step('a bad policy value shows an error and changes nothing');
    await page.getByLabel('Allowed email domains').fill('localhost');
    refusals_expected += 1;
    await submit(page, `form[action="/admin/projects/${client_id}/access-policy"]`);
    const alert = await page.locator('[role="alert"]').innerText();
    check(alert.includes('access_policy.email_domains'), 'the error names the field', alert);
    equal(await page.getByLabel('Allowed email domains').inputValue(), 'localhost', 'the input is kept');

    step('a user the policy refuses gets access_denied at sign-in');
    const refused = await second.context.newPage();
    await refused.goto(authorizeUrl(client_id));
    check(new URL(refused.url()).pathname.startsWith('/login'), 'the user reaches the login page', refused.url());
    await refused.getByLabel(/e-?mail/i).fill(USER_EMAIL);
    await refused.getByLabel(/password/i).fill(USER_PASSWORD);
    await Promise.all([refused.waitForURL((u) => u.toString().startsWith(CALLBACK), { timeout: 15000 }),
      refused.locator('form:has(input[name="password"]) [type="submit"]').click()]);
    const denied = new URL(refused.url());
    equal(denied.searchParams.get('error'), 'access_denied', 'the client hears access_denied');
    equal(denied.searchParams.get('code'), null, 'and gets no code');
    await refused.close();
    step('the admin, whom the policy admits, is not refused');
    const admitted = await context.newPage();
    await admitted.goto(authorizeUrl(client_id));
    check(!admitted.url().includes('error=access_denied'), 'the admin is admitted', admitted.url());
    check(await admitted.locator('button[name="decision"][value="allow"]').count() === 1,
      'the admin is asked for consent', admitted.url());
    await admitted.close();

    step('rotate the secret');
    await submit(page, `form[action="/admin/projects/${client_id}/rotate-secret"]`);
    const rotated = (await page.locator('tr:has(th:text-is("client_secret")) code').textContent()).trim();
    equal(rotated.length, 64, 'a new secret is shown');
    check(rotated !== secret, 'the secret changed');
    await shot(page, 'admin-secret-rotated.png');

    step('edit the access-token lifetime and see it at the token endpoint');
    equal(await accessTokenLifetime(client_id, rotated), 300, 'the default lifetime first');
    await page.goto(`${ISSUER}/admin/projects/${client_id}`);
    await page.getByLabel('Access token lifetime').fill('15m');
    await submit(page, `form[action="/admin/projects/${client_id}/tokens"]`);
    check((await page.content()).includes('Token settings saved.'), 'the lifetime was saved');
    equal(await accessTokenLifetime(client_id, rotated), 900, 'tokens now live 15 minutes');
    await page.getByLabel('Access token lifetime').fill('soon');
    refusals_expected += 1;
    await submit(page, `form[action="/admin/projects/${client_id}/tokens"]`);
    const ttl_alert = await page.locator('[role="alert"]').innerText();
    check(ttl_alert.includes('access_ttl'), 'a bad lifetime is refused, naming the field', ttl_alert);
    equal(await accessTokenLifetime(client_id, rotated), 900, 'and changes nothing');

    step('users and audit pages');
    await page.goto(`${ISSUER}/admin/users`);
    check((await page.content()).includes(ADMIN_EMAIL), 'the admin is listed');
    await labelled(page, 'users page');
    await shot(page, 'admin-users.png');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: ADMIN_EMAIL }).click()]);
    check(/^\/admin\/users\/[^/]+$/.test(new URL(page.url()).pathname), 'the admin opens from the list', page.url());
    check(await page.locator('form[action$="/revoke-all"]').count() === 1, 'the user page lists the admin\'s sessions');
    await labelled(page, 'user page');
    await shot(page, 'admin-user.png');
    await page.goto(`${ISSUER}/admin/audit?client_id=${client_id}`);
    check((await page.content()).includes('project.secret_rotated'), 'the rotation is in the audit log');
    await shot(page, 'admin-audit.png');

    step('invites: create one, see it listed by id, withdraw it');
    await page.goto(`${ISSUER}/admin/invites`);
    await submit(page, 'form[action="/admin/invites"]');
    const invite_code = (await page.locator('tr:has(th:text-is("invite_code")) code').textContent()).trim();
    check(invite_code.length >= 20, 'the code is shown once', invite_code);
    const invite_id = crypto.createHash('sha256').update(invite_code).digest('hex').slice(0, 16);
    const withdraw = `form[action="/admin/invites/${invite_id}/withdraw"]`;
    check(await page.locator(withdraw).count() === 1, 'the invite is listed with a withdraw button', invite_id);
    await labelled(page, 'invites page');
    await shot(page, 'admin-invites.png');
    await submit(page, withdraw);
    check((await page.content()).includes(`Invite ${invite_id} withdrawn.`), 'the invite was withdrawn');
    check(await page.locator(withdraw).count() === 0, 'and is no longer listed');

    step('register an app under My Apps');
    await page.goto(`${ISSUER}/apps`);
    equal(new URL(page.url()).pathname, '/apps', 'My Apps opens (single sign-on)');
    await page.getByLabel('Name').fill('My Browser App');
    await page.getByLabel(/Redirect URIs/).fill('http://127.0.0.1:3000/callback');
    await submit(page, 'form[action="/apps"]');
    const app_id = (await page.locator('tr:has(th:text-is("client_id")) code').textContent()).trim();
    check(app_id.startsWith('proj_my_browser_app'), 'the app is registered', app_id);
    check(await page.locator('tr:has(th:text-is("client_secret")) code').count() === 1, 'its secret is shown once');
    await shot(page, 'apps-created.png');
    await page.goto(`${ISSUER}/apps`);
    check((await page.content()).includes(app_id), 'the app is listed');
    await labelled(page, 'My Apps');
    await shot(page, 'apps.png');

    step('the registration page');
    const fresh = await context.browser()?.newContext?.() ?? null;
    const register = fresh ? await fresh.newPage() : await context.newPage();
    await register.goto(`${ISSUER}/register`);
    equal(new URL(register.url()).pathname, '/register', 'the form is shown');
    await labelled(register, 'register page');
    await shot(register, 'register.png');

    equal(refusals_expected, 0, 'each refused form answered 400');
    check(problems.length === 0, 'no console error, CSP violation or failed resource', problems);
  } finally {
    await context.close();
    await second.context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(second.profile, { recursive: true, force: true });
    callback_server.close();
  }
}

run('admin.mjs', main);
