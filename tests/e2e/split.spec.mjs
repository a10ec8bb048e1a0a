// The tab in two wasm modules (scripts/split-tab.mjs): the first paints and signs in, the
// second — everything after signing in — is fetched meanwhile. Checked in the release tab
// as built and served, in Chromium.
import { test, expect } from '@playwright/test';
import { SCREENSHOTS, blockExternal, demoContact } from './helpers.mjs';
import { expectNoCspViolations, hostRecord, openInHost } from './host.mjs';

const SECOND = /\/signed-in-tab-[0-9a-f]{16}\.wasm$/;

test.beforeEach(async ({ page }) => {
  await blockExternal(page);
});

test('the first load is the first module; the second is fetched once, while signing in, and the tab works', async ({ page, request }) => {
  const index = await (await request.get('/')).text();
  expect(index, 'index.html does not load the second module').not.toMatch(/signed-in-tab/);
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(new URL(r.url()).pathname));
  const wanted = await demoContact(request, 'demo:000042');
  await page.goto('/');
  const box = page.locator('#search');
  await expect(box).toBeFocused();
  expect(wasm).toHaveLength(2);
  expect(wasm[0]).toMatch(/^\/kontakt-tab-[0-9a-f]{16}_bg\.wasm$/);
  expect(wasm[1]).toMatch(SECOND);
  // Both served as wasm, cached for good (their names change with what they contain).
  for (const path of wasm) {
    const res = await request.get(path, { headers: { 'accept-encoding': 'br' } });
    expect(res.headers()['content-type']).toBe('application/wasm');
    expect(res.headers()['cache-control']).toContain('immutable');
  }
  // Code from the second module: results, details, favourites.
  await box.pressSequentially(wanted.surname, { delay: 20 });
  const row = page.locator(`.result[data-contact-id="${wanted.id}"]`);
  await row.locator('.pin-button').click();
  await row.click();
  await expect(page.locator('#details-name')).toHaveText(wanted.display_name);
  expect(wasm).toHaveLength(2);
});

for (const { locale, says, retry } of [
  { locale: 'en-us', says: 'could not be loaded completely', retry: 'Try again' },
  { locale: 'de-de', says: 'nicht vollständig geladen', retry: 'Erneut versuchen' },
]) {
  test(`when the second module cannot be fetched the tab says so (${locale}) and Retry brings it`, async ({ page }) => {
    let refused = 0;
    await page.route(SECOND, (route) => {
      refused++;
      return route.abort('connectionreset');
    });
    const tab = await openInHost(page, { locale }, { ready: false });
    const failed = tab.locator('.start-failed');
    await expect(failed).toContainText(says);
    expect(refused).toBeGreaterThan(0);
    await page.screenshot({ path: `${SCREENSHOTS}/split-failed-${locale}.png` });
    // Teams is told the start failed, so it does not show a broken tab as loaded.
    await expect.poll(async () => (await hostRecord(page)).notified).toContain('failure');
    expect((await hostRecord(page)).unhandled).toEqual([]);

    await page.unroute(SECOND);
    await failed.getByRole('button', { name: retry }).click();
    await expect(tab.locator('#search')).toBeVisible();
    await expect.poll(async () => (await hostRecord(page)).notified).toContain('success');
    await tab.locator('#search').pressSequentially('Mei', { delay: 20 });
    await expect(tab.locator('.result').first()).toBeVisible();
    // The second module is fetched and compiled under the tab's Content-Security-Policy.
    await expectNoCspViolations(page);
  });
}
