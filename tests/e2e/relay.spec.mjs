// The product's three parts as separate processes: `kontakt cloud` and `kontakt directory`
// in demo mode (relay-*.toml: the same generated contacts as the suite's `kontakt serve`),
// the real tab inside the Teams host simulator served by the cloud. Directories are killed
// and started again under the tab's feet; the tab must carry on.
import { test, expect } from '@playwright/test';
import { SCREENSHOTS, blockExternal, healthy, startKontakt as start, stopAllKontakt, stopKontakt as kill } from './helpers.mjs';
import { bestPhone, colleague, externalContact, hostRecord, openInHost, search, shown } from './host.mjs';

const CLOUD = 'http://127.0.0.1:18180';

test.describe.configure({ mode: 'serial' });

/** Directory instances the cloud has linked right now, from its metrics. */
async function linkedInstances() {
  const text = await (await fetch(`${CLOUD}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('kontakt_directory_links{'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function startDirectory(expected) {
  const directory = start(['directory', '--config', 'tests/e2e/relay-directory.toml']);
  await expect.poll(linkedInstances, { timeout: 60_000, message: () => directory.output }).toBe(expected);
  return directory;
}

let cloud;
let directory;

test.beforeAll(async () => {
  cloud = start(['cloud', '--config', 'tests/e2e/relay-cloud.toml']);
  await healthy(CLOUD, cloud);
  directory = await startDirectory(1);
});

test.afterAll(async () => {
  await stopAllKontakt();
});

test.beforeEach(async ({ page }) => {
  await blockExternal(page);
});

const favouriteRows = (tab) => tab.locator('section[aria-labelledby="favourites-title"] .saved-row');

/** Counts every error state the tab shows, however briefly. */
async function countErrorStates(page) {
  const frame = page.frames().find((f) => f.url().includes('inTeams=1'));
  await frame.evaluate(() => {
    window.__errors = [];
    new MutationObserver(() => {
      const shown = document.querySelector('.error-state');
      if (shown && window.__errors.at(-1) !== shown) window.__errors.push(shown);
    }).observe(document.body, { subtree: true, childList: true });
  });
  return () => frame.evaluate(() => window.__errors.map((e) => e.textContent));
}

test('through the cloud to the directory: search, details, call and favourites in Teams', async ({ page, request }) => {
  const person = await colleague(request);
  const external = await externalContact(request);
  const sent = [];
  page.on('request', (r) => {
    if (r.url().startsWith(CLOUD) && r.url().includes('/api/')) sent.push({ url: r.url(), headers: r.headers(), body: r.postData() ?? '' });
  });
  const tab = await openInHost(page, {}, { origin: CLOUD });

  await search(tab, `${person.given_name} ${person.surname}`);
  const row = tab.locator(`.result[data-contact-id="${person.id}"]`);
  await expect(row.locator('.result-phone')).toHaveText(shown(bestPhone(person)));
  await row.click();
  await expect(tab.locator('#details-name')).toHaveText(person.display_name);
  await tab.getByRole('button', { name: 'Teams call' }).click();
  await expect.poll(async () => (await hostRecord(page)).calls).toEqual([[person.upn]]);
  await tab.locator('.back-button').click();

  await search(tab, `${external.given_name} ${external.surname}`);
  const externalRow = tab.locator(`.result[data-contact-id="${external.id}"]`);
  await externalRow.locator('.call-button').click();
  await expect.poll(async () => (await hostRecord(page)).calls.at(-1)).toEqual([`4:${bestPhone(external).e164}`]);
  await externalRow.locator('.pin-button').click();
  await tab.locator('#search').fill('');
  await expect(favouriteRows(tab)).toHaveCount(1);
  await page.screenshot({ path: `${SCREENSHOTS}/relay-favourites.png` });

  // An hour later the favourites are checked against the directory, through the cloud.
  await page.clock.setFixedTime(new Date(Date.now() + 3_600_000));
  const before = sent.length;
  await page.reload();
  const again = page.frameLocator('#tab');
  await expect(favouriteRows(again).first()).toHaveAttribute('data-contact-id', external.id);
  await expect.poll(() => sent.slice(before).filter((r) => r.url.endsWith('/sealed')).length).toBeGreaterThanOrEqual(2);

  // Nothing the cloud received names anyone or carries the user's token in the clear.
  expect(sent.some((r) => r.url.endsWith('/sealed'))).toBe(true);
  for (const r of sent.filter((r) => r.url.includes('/tenants/'))) {
    expect(r.headers.authorization, r.url).toBeUndefined();
    for (const secret of [person.surname, person.given_name, external.surname, bestPhone(external).raw, person.upn]) {
      expect(`${r.url} ${r.body}`.toLowerCase()).not.toContain(secret.toLowerCase());
    }
  }
  expect((await hostRecord(page)).unhandled).toEqual([]);
});

test('the directory goes away: the tab says so, favourites stay; it comes back: search works without a reload', async ({ page, request }) => {
  const [person] = [await externalContact(request)];
  const tab = await openInHost(page, {}, { origin: CLOUD });
  await search(tab, `${person.given_name} ${person.surname}`);
  await tab.locator(`.result[data-contact-id="${person.id}"] .pin-button`).click();
  await tab.locator('#search').fill('');
  await expect(favouriteRows(tab)).toHaveCount(1);
  const frame = page.frames().find((f) => f.url().includes('inTeams=1'));
  await frame.evaluate(() => (window.__sameDocument = true));

  await kill(directory);
  await expect.poll(linkedInstances).toBe(0);
  await search(tab, person.surname);
  await expect(tab.locator('.error-state')).toContainText("directory cannot be reached");
  await page.screenshot({ path: `${SCREENSHOTS}/relay-directory-offline.png` });
  await tab.locator('#search').fill('');
  await expect(favouriteRows(tab).first()).toHaveAttribute('data-contact-id', person.id);
  // Calling a favourite needs no directory.
  await favouriteRows(tab).first().locator('.call-button').click();
  await expect.poll(async () => (await hostRecord(page)).calls.at(-1)).toEqual([`4:${bestPhone(person).e164}`]);

  await search(tab, person.surname);
  await expect(tab.locator('.error-state')).toBeVisible();
  directory = await startDirectory(1);
  await expect(tab.locator(`.result[data-contact-id="${person.id}"]`)).toBeVisible({ timeout: 15_000 });
  expect(await frame.evaluate(() => window.__sameDocument)).toBe(true);
});

test('two directory instances: one is killed under a stream of searches and no search fails', async ({ page, request }) => {
  const second = await startDirectory(2);
  const people = [await colleague(request), await externalContact(request)];
  const tab = await openInHost(page, {}, { origin: CLOUD });
  const errors = await countErrorStates(page);
  let answered = 0;
  let killed;
  for (let i = 0; i < 24; i++) {
    // Killed while the next searches are being typed and answered.
    if (i === 8) killed = kill(directory);
    const person = people[i % 2];
    const query = i % 3 === 0 ? person.surname : `${person.given_name} ${person.surname.slice(0, 3 + (i % 4))}`;
    await search(tab, query);
    await expect(tab.locator(`.result[data-contact-id="${person.id}"]`)).toBeVisible();
    answered++;
  }
  await killed;
  expect(answered).toBe(24);
  expect(await errors()).toEqual([]);
  expect(await linkedInstances()).toBe(1);
  directory = second;
});
