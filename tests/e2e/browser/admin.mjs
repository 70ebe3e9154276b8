// SPDX-License-Identifier: Apache-2.0
// An administrator in a real browser: headless Chromium (Debian's) driven by playwright-core,
// with JavaScript disabled (the dashboard needs none). Signs in to /admin through the
// provider's login page, creates a project, adds a redirect URI, rotates its secret, opens
// the users and audit pages, registers an app under My Apps, and opens /register. Checks that
// no page logs a CSP violation or fails to load a resource, and that every field has a label.
// Screenshots of each page go to SCREENSHOT_DIR (docs/screenshots).
//
// Env: ISSUER ADMIN_EMAIL ADMIN_PASSWORD [SCREENSHOT_DIR] [CHROMIUM=/usr/bin/chromium]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { check, equal, optionalEnv, requireEnv, run, step } from '../clients/lib/check.mjs';

const require = createRequire(new URL('../clients/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const ISSUER = requireEnv('ISSUER');
const ADMIN_EMAIL = requireEnv('ADMIN_EMAIL');
const ADMIN_PASSWORD = requireEnv('ADMIN_PASSWORD');
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

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'authd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS,
    viewport: { width: 1200, height: 800 }, javaScriptEnabled: false,
  });
  const problems = [];
  try {
    const page = await context.newPage();
    page.on('console', (m) => {
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
    await page.getByLabel(/Redirect URIs/).fill('http://127.0.0.1:3000/callback');
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
    await page.getByLabel('One per line').fill('http://127.0.0.1:3000/callback\nhttps://app.example.com/cb');
    await submit(page, `form[action="/admin/projects/${client_id}/redirect-uris"]`);
    check((await page.content()).includes('Redirect URIs saved.'), 'the URIs were saved');
    await labelled(page, 'project page');
    await shot(page, 'admin-project.png');

    step('rotate the secret');
    await submit(page, `form[action="/admin/projects/${client_id}/rotate-secret"]`);
    const rotated = (await page.locator('tr:has(th:text-is("client_secret")) code').textContent()).trim();
    equal(rotated.length, 64, 'a new secret is shown');
    check(rotated !== secret, 'the secret changed');
    await shot(page, 'admin-secret-rotated.png');

    step('users and audit pages');
    await page.goto(`${ISSUER}/admin/users`);
    check((await page.content()).includes(ADMIN_EMAIL), 'the admin is listed');
    await labelled(page, 'users page');
    await shot(page, 'admin-users.png');
    await page.goto(`${ISSUER}/admin/audit?client_id=${client_id}`);
    check((await page.content()).includes('project.secret_rotated'), 'the rotation is in the audit log');
    await shot(page, 'admin-audit.png');

    step('register an app under My Apps');
    await page.goto(`${ISSUER}/apps`);
    equal(new URL(page.url()).pathname, '/apps', 'My Apps opens (single sign-on)');
    await page.getByLabel('Name').fill('My Browser App');
    await page.getByLabel(/Redirect URIs/).fill('http://127.0.0.1:3000/callback');
    await submit(page, 'form[action="/apps"]');
    const app_id = (await page.locator('tr:has(th:text-is("client_id")) code').textContent()).trim();
    check(app_id.startsWith('proj_my_browser_app'), 'the app is registered', app_id);
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

    check(problems.length === 0, 'no console error, CSP violation or failed resource', problems);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

run('admin.mjs', main);
