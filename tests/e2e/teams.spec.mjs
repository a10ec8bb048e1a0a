// The tab inside a Teams host: the real Teams library in the tab talks to the host
// simulator at /dev/teams, which answers the way Teams does and records what it was asked.
import { test, expect } from '@playwright/test';
import { SCREENSHOTS, blockExternal } from './helpers.mjs';
import { startTlsProxy } from './tls-proxy.mjs';
import {
  bestPhone,
  colleague,
  expectAccessible,
  expectNoCspViolations,
  externalContact,
  hostRecord,
  luminance,
  openInHost,
  search,
  tabFrame,
  shown,
} from './host.mjs';

test.beforeEach(async ({ page }) => {
  await blockExternal(page);
});

const THEMES = ['default', 'dark', 'contrast'];
const LANGUAGES = [
  { locale: 'en-us', lang: 'en', placeholder: 'Name, company or number', count: /\d+ (of \d+ )?contacts?/, none: 'No contacts match', down: 'not available', back: 'Back to results' },
  { locale: 'de-de', lang: 'de', placeholder: 'Name, Firma oder Nummer', count: /\d+ (von \d+ )?Kontakte?/, none: 'Keine Kontakte', down: 'nicht erreichbar', back: 'Zurück zu den Ergebnissen' },
];

for (const theme of THEMES) {
  for (const language of LANGUAGES) {
    test(`${theme} theme in ${language.lang}: every state looks right and passes axe-core`, async ({ page, request }) => {
      const person = await colleague(request);
      const tab = await openInHost(page, { theme, locale: language.locale });
      const frame = tabFrame(page);
      const shot = (state) => page.screenshot({ path: `${SCREENSHOTS}/host-${theme}-${language.lang}-${state}.png` });

      // Theme and language come from the Teams context.
      expect(await frame.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      expect(await frame.evaluate(() => document.documentElement.lang)).toBe(language.lang);
      await expect(tab.locator('#search')).toHaveAttribute('placeholder', language.placeholder);
      const background = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
      if (theme === 'default') expect(luminance(background)).toBeGreaterThan(0.8);
      else expect(luminance(background)).toBeLessThan(0.05);
      if (theme === 'contrast') expect(luminance(background)).toBe(0);

      await expectAccessible(page, 'home');
      await shot('home');

      await search(tab, `${person.given_name} ${person.surname}`);
      const row = tab.locator(`.result[data-contact-id="${person.id}"]`);
      await expect(row).toBeVisible();
      await expect(tab.locator('.status')).toHaveText(language.count);
      await tab.locator('#search').press('ArrowDown');
      await expect(tab.locator('#search')).toHaveAttribute('aria-activedescendant', 'result-0-name');
      await expectAccessible(page, 'results with an active row');
      await shot('results');

      await search(tab, 'qqxqzz');
      await expect(tab.locator('.empty-state')).toContainText(language.none);
      await expectAccessible(page, 'no results');
      await shot('no-results');

      await search(tab, `${person.given_name} ${person.surname}`);
      await row.click();
      await expect(tab.locator('#details-name')).toHaveText(person.display_name);
      await expect(tab.locator('.back-button')).toContainText(language.back);
      await expectAccessible(page, 'contact details');
      await shot('details');

      // The service goes down: the error is in the user's language and offers a retry.
      await tab.locator('.back-button').click();
      await page.route('**/api/v1/tenants/*/sealed', (route) =>
        route.fulfill({ status: 503, contentType: 'application/problem+json', body: '{"title":"Unavailable","status":503,"code":"unavailable"}' }),
      );
      await search(tab, 'Ma');
      await expect(tab.locator('.error-state')).toContainText(language.down);
      await expectAccessible(page, 'service down');
      await shot('error');
      await page.unroute('**/api/v1/tenants/*/sealed');
      await tab.locator('.error-state button').click();
      await expect(tab.locator('.result').first()).toBeVisible();

      await expectNoCspViolations(page);
      expect((await hostRecord(page)).unhandled).toEqual([]);
    });
  }
}

test('the theme follows Teams live, without reloading the tab', async ({ page }) => {
  const tab = await openInHost(page, { theme: 'default' });
  const frame = tabFrame(page);
  await search(tab, 'Schmidt');
  await expect(tab.locator('.result').first()).toBeVisible();
  const light = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);

  await page.evaluate(() => window.hostSim.setTheme('dark'));
  await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  const dark = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(luminance(dark)).toBeLessThan(luminance(light));
  await page.evaluate(() => window.hostSim.setTheme('contrast'));
  await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.theme)).toBe('contrast');
  // Same page, same query, same results: nothing was reloaded.
  await expect(tab.locator('#search')).toHaveValue('Schmidt');
  await expect(tab.locator('.result').first()).toBeVisible();
  expect(tabFrame(page)).toBe(frame);
  await expectAccessible(page, 'contrast theme after a live switch');
});

test('a click on the call button starts a Teams call to the E.164 number', async ({ page, request }) => {
  const contact = await externalContact(request);
  const phone = bestPhone(contact);
  const tab = await openInHost(page);
  await search(tab, `${contact.given_name} ${contact.surname}`);
  const row = tab.locator(`.result[data-contact-id="${contact.id}"]`);
  await expect(row.locator('.result-phone')).toHaveText(shown(phone));
  await row.locator('.call-button').click();
  await expect.poll(async () => (await hostRecord(page)).calls).toEqual([[`4:${phone.e164}`]]);
  await expect(tab.locator('.toast')).toBeVisible();
  // The click called; it did not also open the contact.
  await expect(tab.locator('#details-name')).toHaveCount(0);
});

test('Ctrl+Enter calls the best number of the highlighted result', async ({ page, request }) => {
  const contact = await externalContact(request);
  const tab = await openInHost(page);
  await search(tab, `${contact.given_name} ${contact.surname}`);
  await expect(tab.locator(`.result[data-contact-id="${contact.id}"]`)).toBeVisible();
  const ids = await tab.locator('.result').evaluateAll((rows) => rows.map((r) => r.dataset.contactId));
  const box = tab.locator('#search');
  for (let i = 0; i <= ids.indexOf(contact.id); i++) await box.press('ArrowDown');
  await box.press('Control+Enter');
  await expect.poll(async () => (await hostRecord(page)).calls).toEqual([[`4:${bestPhone(contact).e164}`]]);
});

test('a colleague can be called and chatted with in Teams from the details', async ({ page, request }) => {
  const person = await colleague(request);
  const tab = await openInHost(page);
  await search(tab, `${person.given_name} ${person.surname}`);
  await tab.locator(`.result[data-contact-id="${person.id}"]`).click();
  await tab.getByRole('button', { name: 'Teams call' }).click();
  await expect.poll(async () => (await hostRecord(page)).calls).toEqual([[person.upn]]);
  await tab.getByRole('button', { name: 'Chat' }).click();
  await expect.poll(async () => (await hostRecord(page)).chats.map((c) => c.members)).toEqual([[person.upn]]);
  // Every number of the contact, with its kind, and a call button for the dialable ones.
  const numbers = tab.locator('.detail-row .detail-value.number');
  await expect(numbers).toHaveText(person.phones.map(shown));
  await tab.locator('.detail-row').filter({ hasText: bestPhone(person).raw }).locator('.call-button').click();
  await expect.poll(async () => (await hostRecord(page)).calls.length).toBe(2);
  expect((await hostRecord(page)).calls[1]).toEqual([`4:${bestPhone(person).e164}`]);
  const mail = tab.locator(`a[href="mailto:${person.emails[0]}"]`).first();
  await expect(mail).toBeVisible();
});

test('a host without the call capability gets deep links through app.openLink', async ({ page, request }) => {
  const person = await colleague(request);
  const tab = await openInHost(page, { calling: 'links' });
  await search(tab, `${person.given_name} ${person.surname}`);
  const row = tab.locator(`.result[data-contact-id="${person.id}"]`);
  await row.locator('.call-button').click();
  const e164 = encodeURIComponent(`4:${bestPhone(person).e164}`);
  await expect.poll(async () => (await hostRecord(page)).links).toEqual([
    `https://teams.microsoft.com/l/call/0/0?users=${e164}&source=kontakt`,
  ]);
  await row.click();
  await tab.getByRole('button', { name: 'Chat' }).click();
  await expect.poll(async () => (await hostRecord(page)).links.length).toBe(2);
  expect((await hostRecord(page)).links[1]).toBe(
    `https://teams.microsoft.com/l/chat/0/0?users=${encodeURIComponent(person.upn)}`,
  );
  expect((await hostRecord(page)).calls).toEqual([]);
});

test('without PSTN calling the call buttons are hidden and the reason is explained', async ({ page, request }) => {
  const contact = await externalContact(request);
  const tab = await openInHost(page, { pstn: '0' });
  await search(tab, `${contact.given_name} ${contact.surname}`);
  const row = tab.locator(`.result[data-contact-id="${contact.id}"]`);
  await expect(row.locator('.result-phone')).toBeVisible();
  await expect(tab.locator('.call-button')).toHaveCount(0);
  // Ctrl+Enter says why instead of doing nothing.
  const ids = await tab.locator('.result').evaluateAll((rows) => rows.map((r) => r.dataset.contactId));
  for (let i = 0; i <= ids.indexOf(contact.id); i++) await tab.locator('#search').press('ArrowDown');
  await tab.locator('#search').press('Control+Enter');
  await expect(tab.locator('.toast')).toContainText('not enabled');
  await row.click();
  await expect(tab.locator('.details .note')).toContainText('not enabled');
  await expect(tab.locator('.details .call-button')).toHaveCount(0);
  expect((await hostRecord(page)).calls).toEqual([]);
  await expectAccessible(page, 'details without PSTN');
});

test('consent asked on first use: Teams prompts, the user accepts, the tab signs in', async ({ page }) => {
  await openInHost(page, { consent: 'prompt' }, { ready: false });
  await expect(page.locator('#consent-dialog')).toBeVisible();
  await page.locator('#consent-accept').click();
  const tab = page.frameLocator('#tab');
  await expect(tab.locator('#search')).toBeVisible();
  const asked = (await hostRecord(page)).messages.filter((m) => m.func === 'authentication.getAuthToken');
  // First silently, then once more allowing the prompt.
  expect(asked.length).toBe(2);
});

test.describe('behind HTTPS, as in production', () => {
  // The Teams library opens sign-in windows only for https URLs.
  test.use({ ignoreHTTPSErrors: true });
  let proxy;
  test.beforeAll(async ({ baseURL }) => {
    proxy = await startTlsProxy(baseURL);
  });
  test.afterAll(async () => {
    await proxy?.close();
  });

  test('consent refused: the tab explains, offers sign-in, and signs in through the window', async ({ page }) => {
    await openInHost(page, { consent: 'prompt' }, { ready: false, origin: proxy.origin });
    await page.locator('#consent-cancel').click();
    const tab = page.frameLocator('#tab');
    await expect(tab.getByRole('alert')).toContainText('permission');
    await expect.poll(async () => (await hostRecord(page)).notified).toContain('failure');
    await expectAccessible(page, 'consent needed');
    await page.screenshot({ path: `${SCREENSHOTS}/host-consent-needed.png` });
    const window = page.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    // Teams opens the tab's own sign-in page, which reports back through the Teams library.
    expect((await window).url()).toBe(`${proxy.origin}/auth-start`);
    await expect(tab.locator('#search')).toBeVisible();
    const record = await hostRecord(page);
    expect(record.authWindows).toEqual([`${proxy.origin}/auth-start`]);
    expect(record.messages.map((m) => m.func)).toContain('sign-in window: authentication.authenticate.success');
    expect(record.notified).toContain('success');
    expect(record.unhandled).toEqual([]);
  });

  test('consent only through the sign-in window: the sign-in button leads there', async ({ page }) => {
    await openInHost(page, { consent: 'popup', locale: 'de-de' }, { ready: false, origin: proxy.origin });
    const tab = page.frameLocator('#tab');
    await expect(tab.getByRole('alert')).toContainText('Zustimmung');
    await tab.getByRole('button', { name: 'Anmelden' }).click();
    await expect(tab.locator('#search')).toBeVisible();
    expect((await hostRecord(page)).authWindows).toHaveLength(1);
  });

  test('a sign-in window closed by the user leaves the sign-in button and says why', async ({ page }) => {
    await openInHost(page, { consent: 'popup' }, { ready: false, origin: proxy.origin });
    const tab = page.frameLocator('#tab');
    // The window's page never loads, so it cannot sign in before the user closes it (a
    // page's routes do not reach the window it opens: the context's do; the sign-in once
    // finished first on a busy machine).
    await page.context().route('**/auth-start', (route) => route.abort());
    const opened = page.context().waitForEvent('page');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await (await opened).close();
    await expect(tab.getByRole('alert')).toContainText('CancelledByUser');
    await expect(tab.getByRole('button', { name: 'Sign in' })).toBeVisible();
  });
});

test('over plain http the sign-in button reports what the Teams library refused', async ({ page }) => {
  await openInHost(page, { consent: 'popup' }, { ready: false });
  const tab = page.frameLocator('#tab');
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await expect(tab.getByRole('alert')).toContainText('https');
});

test('loaded by Teams (the manifest\'s ?inTeams=1) but Teams never answers: the tab says so instead of acting as a browser', async ({ page }) => {
  test.setTimeout(45_000);
  await openInHost(page, { answers: 'no' }, { ready: false });
  const tab = page.frameLocator('#tab');
  // The demo service would hand a plain browser a demo token; a silent Teams must not get one.
  await expect(tab.getByRole('alert')).toContainText('Microsoft Teams did not answer', { timeout: 25_000 });
  await expect(tab.getByRole('button', { name: 'Try again' })).toBeVisible();
  await expect(tab.locator('#search')).toHaveCount(0);
  expect((await hostRecord(page)).unhandled).toContain('initialize');
});

test('keyboard first: / and Ctrl+K focus search, arrows move, Enter opens, Esc goes back and clears', async ({ page, request }) => {
  const person = await colleague(request);
  const tab = await openInHost(page);
  const box = tab.locator('#search');
  await tab.locator('.app-name').click();
  await expect(box).not.toBeFocused();
  await tab.locator('body').press('/');
  await expect(box).toBeFocused();
  await expect(box).toHaveValue('');
  await tab.locator('.app-name').click();
  await tab.locator('body').press('Control+k');
  await expect(box).toBeFocused();

  await search(tab, person.surname);
  await expect(tab.locator('.result').first()).toBeVisible();
  await box.press('ArrowDown');
  await box.press('ArrowDown');
  await box.press('ArrowUp');
  await box.press('ArrowDown');
  await expect(box).toHaveAttribute('aria-activedescendant', 'result-1-name');
  await expect(tab.locator('#result-1')).toHaveAttribute('aria-selected', 'true');
  const secondName = await tab.locator('#result-1 .result-name').textContent();
  await box.press('Enter');
  await expect(tab.locator('#details-name')).toBeFocused();
  await expect(tab.locator('#details-name')).toHaveText(secondName);

  await tab.locator('body').press('Escape');
  await expect(box).toBeFocused();
  await expect(box).toHaveValue(person.surname);
  await box.press('Escape');
  await expect(box).toHaveValue('');
  await expect(tab.locator('.home')).toBeVisible();
});

test('at 320 px (Teams mobile) nothing needs sideways scrolling', async ({ page, request }) => {
  const person = await colleague(request);
  const tab = await openInHost(page, { width: '320', client: 'android' });
  const frame = tabFrame(page);
  expect(await frame.evaluate(() => window.innerWidth)).toBe(320);
  const overflow = () => frame.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await search(tab, `${person.given_name} ${person.surname}`);
  await expect(tab.locator(`.result[data-contact-id="${person.id}"]`)).toBeVisible();
  expect(await overflow()).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SCREENSHOTS}/host-320-results.png` });
  await tab.locator(`.result[data-contact-id="${person.id}"]`).click();
  await expect(tab.locator('#details-name')).toBeVisible();
  expect(await overflow()).toBeLessThanOrEqual(0);
  await expectAccessible(page, 'details at 320 px');
  await page.screenshot({ path: `${SCREENSHOTS}/host-320-details.png` });
});

test('HTML and script in contact fields are shown as text, never run', async ({ page }) => {
  const tab = await openInHost(page);
  const frame = tabFrame(page);
  await search(tab, 'Xylander');
  const row = tab.locator('.result').filter({ hasText: 'Xylander' });
  await expect(row).toHaveCount(1);
  await expect(row.locator('.result-name')).toHaveText('<img src=x onerror="window.__injected=1">Zacharias Xylander');
  await expect(row.locator('.result-role')).toHaveText(
    '<a href="javascript:window.__injected=3">Boss</a> · <script>window.__injected=2</script>Evil & Co',
  );
  await expect(row.locator('.result-department')).toHaveText('<b>Sales</b>');
  await row.click();
  await expect(tab.locator('#details-name')).toContainText('<img src=x');
  await expect(tab.locator('.details address')).toContainText('<style>body{display:none}</style>Hauptstraße 1');
  await expect(tab.locator('.details address')).toContainText('<iframe src="/">Munich');
  await expect(tab.locator('.details .source')).toHaveText('From <b>Imported</b> contacts');
  const injected = await frame.evaluate(() => ({
    flag: window.__injected ?? null,
    elements: document.querySelectorAll('main img, main script, main iframe, main style, main b, main a[href^="javascript"]').length,
  }));
  expect(injected).toEqual({ flag: null, elements: 0 });
  await page.screenshot({ path: `${SCREENSHOTS}/host-html-as-text.png` });
  await expectNoCspViolations(page);
});
