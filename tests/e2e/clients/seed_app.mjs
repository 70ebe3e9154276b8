// SPDX-License-Identifier: Apache-2.0
// Runs examples/seed-app against a running authd and signs a user in through it with a
// cookie-jar client: app /login -> authd pages -> app callback -> httpOnly cookies -> the app
// shows the user; then the app refreshes on its own when the access token is gone.
//
// Env: ISSUER CLIENT_ID CLIENT_SECRET SIGNING_KEY USER_EMAIL USER_PASSWORD USER_ID USER_ROLE
//      APP_URL APP_PORT APP_DIR (examples/seed-app); REDIRECT_URI = APP_URL/api/auth/callback
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { check, equal, requireEnv, run, step } from './lib/check.mjs';
import { CookieJar, json, request, signIn } from './lib/http.mjs';

const ISSUER = requireEnv('ISSUER');
const CLIENT_ID = requireEnv('CLIENT_ID');
const CLIENT_SECRET = requireEnv('CLIENT_SECRET');
const SIGNING_KEY = requireEnv('SIGNING_KEY');
const USER_EMAIL = requireEnv('USER_EMAIL');
const USER_PASSWORD = requireEnv('USER_PASSWORD');
const USER_ID = requireEnv('USER_ID');
const USER_ROLE = requireEnv('USER_ROLE');
const APP_URL = requireEnv('APP_URL');
const APP_PORT = requireEnv('APP_PORT');
const APP_DIR = requireEnv('APP_DIR');
const CALLBACK = `${APP_URL}/api/auth/callback`;

function startApp() {
  const child = spawn(process.execPath, [path.join(APP_DIR, 'server.mjs')], {
    cwd: APP_DIR,
    env: {
      ...process.env,
      AUTH_URL: ISSUER, AUTH_CLIENT_ID: CLIENT_ID, AUTH_CLIENT_SECRET: CLIENT_SECRET,
      JWT_SECRET: SIGNING_KEY, APP_URL, PORT: APP_PORT, STATE_KEY: crypto.randomBytes(32).toString('hex'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`seed-app did not start: ${output}`)), 20000);
    child.stdout.on('data', () => { if (output.includes('listening')) { clearTimeout(timer); resolve(); } });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`seed-app exited ${code}: ${output}`)); });
  });
  return { child, ready, output: () => output };
}

run('seed_app', async () => {
  const app = startApp();
  try {
    await app.ready;
    const jar = new CookieJar();

    step('not signed in: the app offers a sign-in link');
    const anon = await request(jar, `${APP_URL}/`);
    equal(anon.status, 200, 'home page status');
    check(/not signed in/i.test(anon.text), 'home page says not signed in', anon.text);

    step('sign in through the app: /login -> authd -> /api/auth/callback');
    const { callback } = await signIn(jar, `${APP_URL}/login?returnTo=/`, { email: USER_EMAIL, password: USER_PASSWORD, redirect_uri: CALLBACK });
    check(callback.searchParams.get('code'), 'authd sent a code to the app', callback.toString());
    const landed = await request(jar, callback.toString());
    equal(landed.status, 302, `the callback redirects back into the app (${landed.text.slice(0, 300)}; app log: ${app.output()})`);
    equal(landed.headers.get('location'), '/', 'back to the return URL');
    for (const name of ['access_token', 'refresh_token']) {
      const c = jar.get(name);
      check(c && c.httpOnly && c.sameSite.toLowerCase() === 'lax', `${name} cookie is httpOnly, SameSite=Lax`, c);
    }

    step('the app shows the signed-in user (jwtVerify with JWT_SECRET)');
    const home = await request(jar, `${APP_URL}/`);
    check(home.text.includes(USER_EMAIL), 'home page shows the email', home.text);
    check(home.text.includes(`role ${USER_ROLE}`), 'home page shows the role', home.text);
    const me = json(await request(jar, `${APP_URL}/api/me`), '/api/me');
    equal(me.user.userId, USER_ID, 'the app sees the user id');
    equal(me.user.status, 'active', 'the app sees the status');

    step('access token gone (expired cookie): the app refreshes with the refresh token');
    const old_refresh = jar.get('refresh_token').value;
    jar.cookies.delete('access_token');
    const refreshed = await request(jar, `${APP_URL}/api/me`);
    equal(refreshed.status, 200, `refresh through the app (${refreshed.text}; app log: ${app.output()})`);
    equal(json(refreshed, '/api/me').user.email, USER_EMAIL, 'user after refresh');
    check(jar.get('access_token'), 'a new access token cookie was set');
    check(jar.get('refresh_token').value !== old_refresh, 'the refresh token cookie was rotated');

    step('sign out clears the cookies');
    await request(jar, `${APP_URL}/logout`);
    check(!jar.get('access_token') && !jar.get('refresh_token'), 'cookies cleared', [...jar.cookies.keys()]);
    const after = json(await request(jar, `${APP_URL}/api/me`), '/api/me after sign-out');
    equal(after.error, 'not signed in', 'signed out');

    step('a forged state at the callback is refused by the app');
    const forged = await request(new CookieJar(), `${CALLBACK}?code=x&state=${'A'.repeat(60)}`);
    equal(forged.status, 400, 'forged state');
  } finally {
    app.child.kill('SIGTERM');
  }
});
