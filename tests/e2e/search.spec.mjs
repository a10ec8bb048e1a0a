// The thin slice: open the tab outside Teams, see demo mode, type, find the contact.
import { test, expect } from '@playwright/test';
import { SCREENSHOTS, blockExternal, demoContact } from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  await blockExternal(page);
});

test('typing a name shows the matching contact from the demo directory', async ({ page, request }) => {
  const wanted = await demoContact(request, 'demo:000042');
  const started = Date.now();
  await page.goto('/');
  await expect(page.locator('.demo-badge')).toBeVisible();
  // Outside Teams the tab must not wait for the SDK's 60 s initialize timeout.
  expect(Date.now() - started).toBeLessThan(10_000);

  const box = page.locator('#search');
  await expect(box).toBeFocused();
  await box.pressSequentially(`${wanted.given_name} ${wanted.surname}`, { delay: 30 });
  const row = page.locator(`.result[data-contact-id="${wanted.id}"]`);
  await expect(row).toBeVisible();
  await expect(row.locator('.result-name')).toHaveText(wanted.display_name);
  // Initials come as written ("van Dijk" → v); the style sheet shows them in capitals.
  await expect(row.locator('.avatar')).toHaveCSS('text-transform', 'uppercase');
  if (wanted.job_title) await expect(row.locator('.result-role')).toContainText(wanted.job_title);
  const best = wanted.phones.find((p) => p.kind === 'business') ?? wanted.phones[0];
  await expect(row.locator('.result-phone')).toHaveText(best.display ?? best.raw);
  await page.screenshot({ path: `${SCREENSHOTS}/search.png`, fullPage: true });
});

test('a slow answer to an older query never replaces the newer one', async ({ page, request }) => {
  const wanted = await demoContact(request, 'demo:000042');
  const surname = wanted.surname;
  // Hold back the answer for the one-letter query until the full query has been answered.
  // Requests are sealed, so the route cannot read the query: it holds the first sealed
  // request made after the tab is ready, which is the one the first keystroke sends.
  let releaseFirst;
  const firstHeld = new Promise((resolve) => (releaseFirst = resolve));
  await page.goto('/');
  await expect(page.locator('#search')).toBeEnabled();
  await page.waitForLoadState('networkidle');
  let held = false;
  await page.route('**/api/v1/tenants/*/sealed', async (route) => {
    if (!held) {
      held = true;
      await firstHeld;
    }
    await route.continue().catch(() => {}); // the tab may have aborted it meanwhile
  });
  const box = page.locator('#search');
  await box.pressSequentially(surname.slice(0, 1));
  await box.fill(surname);
  await expect(page.locator(`.result[data-contact-id="${wanted.id}"]`)).toBeVisible();
  releaseFirst();
  await page.waitForTimeout(500);
  // Every row still matches the full surname.
  const names = await page.locator('.result-name').allTextContents();
  expect(names.length).toBeGreaterThan(0);
  await expect(page.locator('.status')).not.toContainText('Searching');
  for (const rowText of await page.locator('.result').allTextContents()) {
    expect(rowText.toLowerCase()).toContain(surname.toLowerCase().slice(0, 3));
  }
});

test('outside Teams and without demo mode the tab says to open it in Teams', async ({ page }) => {
  await page.route('**/api/v1/dev/token', (route) =>
    route.fulfill({ status: 404, contentType: 'application/problem+json', body: '{"title":"Not found","status":404,"code":"not_found"}' }),
  );
  await page.goto('/');
  await expect(page.getByRole('alert')).toContainText(/Teams/);
});
