// Shared helpers for the end-to-end tests.
import { expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SCREENSHOTS = 'target/e2e/screenshots';
mkdirSync(SCREENSHOTS, { recursive: true });

/** A demo token from the running server, as the tab would get one. */
export async function demoToken(request, body = {}) {
  const res = await request.post('/api/v1/dev/token', { data: body });
  expect(res.ok()).toBeTruthy();
  return (await res.json()).token;
}

/** A contact of the demo directory, read through the API (no hard-coded test data). */
export async function demoContact(request, id) {
  const token = await demoToken(request);
  const res = await request.get(`/api/v1/contacts/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.ok()).toBeTruthy();
  return res.json();
}

/** The release binary ./test builds. */
export const BIN = process.env.KONTAKT_BIN ?? 'target/release/kontakt';

const started = new Set();

/** Starts the binary with `args` as a process of its own; its output is kept in
 * `child.output` for failure messages. */
export function startKontakt(args) {
  // A temporary folder of its own, removed when it ends: a process the tests kill outright
  // (SIGKILL, as a crash) cannot remove its demo data itself.
  const scratch = mkdtempSync(join(tmpdir(), 'kontakt-e2e-'));
  const child = spawn(BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KONTAKT_LOG: 'info', TMPDIR: scratch },
  });
  child.output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (d) => (child.output += d));
  started.add(child);
  child.on('exit', () => {
    started.delete(child);
    rmSync(scratch, { recursive: true, force: true });
  });
  return child;
}

/** Stops a started process (killed outright by default) and waits until it has ended. */
export function stopKontakt(child, signal = 'SIGKILL') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill(signal);
  });
}

/** Stops every process still running, as a service manager would. */
export function stopAllKontakt() {
  return Promise.all([...started].map((child) => stopKontakt(child, 'SIGTERM')));
}

/** Waits until the service `child` runs answers at `base`. */
export async function healthy(base, child) {
  await expect
    .poll(async () => (await fetch(`${base}/healthz`).catch(() => ({ ok: false }))).ok, { timeout: 60_000, message: () => child.output })
    .toBe(true);
}

/** Keeps TeamsJS from reaching the internet; the tests run without network. */
export async function blockExternal(page) {
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
}
