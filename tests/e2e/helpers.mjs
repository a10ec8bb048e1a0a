// Shared helpers for the end-to-end tests.
import { expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';

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

/** Keeps TeamsJS from reaching the internet; the tests run without network. */
export async function blockExternal(page) {
  await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
}
