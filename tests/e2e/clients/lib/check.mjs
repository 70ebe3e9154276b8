// SPDX-License-Identifier: Apache-2.0
// Assertions and script plumbing shared by the client scripts. Every failure names what was
// expected and what came back, so a red CTest line is enough to find the engine bug.
import { inspect } from 'node:util';

export class CheckFailure extends Error {}

const show = (value) => inspect(value, { depth: 6, breakLength: 120 });

export function check(condition, message, detail) {
  if (!condition) {
    throw new CheckFailure(detail === undefined ? message : `${message}\n  got: ${show(detail)}`);
  }
}

export function equal(actual, expected, message) {
  if (actual !== expected) {
    throw new CheckFailure(`${message}\n  expected: ${show(expected)}\n  got:      ${show(actual)}`);
  }
}

export function deepEqual(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) {
    throw new CheckFailure(`${message}\n  expected: ${e}\n  got:      ${a}`);
  }
}

export function requireEnv(name) {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new CheckFailure(`environment variable ${name} is required`);
  }
  return value;
}

export function optionalEnv(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

let step_count = 0;
export function step(text) {
  step_count += 1;
  console.log(`[${step_count}] ${text}`);
}

/// Runs `main`, prints a one-line verdict and exits: 0 only when every check held. Exiting
/// (rather than setting the exit code) ends the run even when a failed step left a browser,
/// a server or a child process behind.
export function run(name, main) {
  const started = Date.now();
  main()
    .then(() => {
      console.log(`PASS ${name} (${step_count} steps, ${Date.now() - started} ms)`);
      process.exit(0);
    })
    .catch((error) => {
      if (error instanceof CheckFailure) {
        console.error(`FAIL ${name}: ${error.message}`);
      } else {
        console.error(`FAIL ${name}: unexpected error`);
        console.error(error && error.stack ? error.stack : error);
        if (error && error.cause) console.error('cause:', show(error.cause));
      }
      process.exit(1);
    });
}
