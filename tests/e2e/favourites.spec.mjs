// Favourites and recents: kept in the browser's IndexedDB, encrypted, shown before any
// search, consistent across open copies of the tab, refreshed against the directory.
import { test, expect } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { SCREENSHOTS, blockExternal } from './helpers.mjs';
import { apiSearch, bestPhone, colleague, expectAccessible, externalContact, hostRecord, openInHost, search, shown } from './host.mjs';

test.beforeEach(async ({ page }) => {
  await blockExternal(page);
});

const favouriteRows = (page) => page.locator('section[aria-labelledby="favourites-title"] .saved-row');
const recentRows = (page) => page.locator('section[aria-labelledby="recents-title"] .saved-row');
const ids = (rows) => rows.evaluateAll((list) => list.map((r) => r.dataset.contactId));

async function openTab(page) {
  await page.goto('/');
  await expect(page.locator('#search')).toBeVisible();
}

/** Finds `contact` by name and pins it with the star in its result row. */
async function pin(page, contact) {
  await search(page, `${contact.given_name} ${contact.surname}`);
  const row = page.locator(`.result[data-contact-id="${contact.id}"]`);
  await row.locator('.pin-button').click();
  await expect(row.locator('.pin-button')).toHaveAttribute('aria-pressed', 'true');
  await page.locator('#search').fill('');
}

/** Some distinct demo contacts with a dialable number, found through the API. */
async function someContacts(request, n) {
  const found = (await apiSearch(request, 'GmbH')).filter((c) => c.surname && bestPhone(c)?.e164);
  const unique = [...new Map(found.map((c) => [`${c.given_name} ${c.surname}`, c])).values()];
  expect(unique.length).toBeGreaterThanOrEqual(n);
  return unique.slice(0, n);
}

/** Every value in every IndexedDB database of the page, bytes read as text. */
async function dumpIndexedDb(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const store of db.objectStoreNames) {
        const values = await new Promise((resolve) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => resolve(r.result);
        });
        for (const v of values) {
          out.push({ db: name, store, text: JSON.stringify(v, (k, x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : x)) });
        }
      }
      db.close();
    }
    return out;
  });
}

test('a pinned contact is there after a reload, before any search or directory request', async ({ page, request }) => {
  const [contact] = await someContacts(request, 1);
  await openTab(page);
  await pin(page, contact);
  await expect(favouriteRows(page)).toHaveCount(1);

  // Reload and count what goes to the service: searches and contact lookups are sealed
  // like everything else, so the test counts sealed requests. The only one allowed before the
  // rows show is the sign-in, which says who the user is and brings the device key.
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname.replace(/\/tenants\/[^/]+\//, '/tenants/{tenant}/')));
  await page.reload();
  const row = favouriteRows(page).first();
  await expect(row).toHaveAttribute('data-contact-id', contact.id);
  await expect(row.locator('.saved-name')).toHaveText(contact.display_name);
  await expect(row.locator('.saved-phone')).toHaveText(shown(bestPhone(contact)));
  const api = requests.filter((p) => p.startsWith('/api/'));
  expect(api.filter((p) => p.includes('/search') || p.includes('/contacts/'))).toEqual([]);
  expect(api).toEqual(['/api/v1/dev/token', '/api/v1/tenants/{tenant}/directory-key', '/api/v1/tenants/{tenant}/sealed']);
  expect(await page.evaluate(() => performance.getEntriesByName('kontakt:saved-painted').length)).toBe(1);
});

test('nothing stored holds a name, number or email in clear text', async ({ page, request }) => {
  const person = await colleague(request);
  await openTab(page);
  await pin(page, person);
  await search(page, `${person.given_name} ${person.surname}`);
  await page.locator(`.result[data-contact-id="${person.id}"]`).click();
  await expect(page.locator('#details-name')).toHaveText(person.display_name);
  await page.locator('.back-button').click();
  await page.locator('#search').fill('');
  await expect(recentRows(page)).toHaveCount(1);

  const stored = await dumpIndexedDb(page);
  expect(stored.map((s) => s.store).sort()).toEqual(['favourites', 'meta', 'recents']);
  const secrets = [person.given_name, person.surname, person.emails[0], person.upn, person.id, bestPhone(person).raw, shown(bestPhone(person)), bestPhone(person).e164.slice(3), person.company];
  for (const { db, store, text } of stored) {
    expect(db).toMatch(/^kontakt-[0-9a-f]{32}$/);
    for (const secret of secrets) expect(text.toLowerCase(), `${store} holds ${secret}`).not.toContain(secret.toLowerCase());
  }
  // Settings are the only thing in localStorage, and they are not about anyone.
  const local = await page.evaluate(() => Object.fromEntries(Object.entries(localStorage)));
  for (const value of Object.values(local)) for (const secret of secrets) expect(value).not.toContain(secret);
});

test('favourites are reordered by drag and drop and by keyboard, and stay so', async ({ page, request }) => {
  const contacts = await someContacts(request, 3);
  await openTab(page);
  for (const c of contacts) await pin(page, c);
  const [a, b, c] = contacts.map((x) => x.id);
  await expect.poll(() => ids(favouriteRows(page))).toEqual([a, b, c]);

  await favouriteRows(page).nth(2).dragTo(favouriteRows(page).nth(0));
  await expect.poll(() => ids(favouriteRows(page))).toEqual([c, a, b]);

  const handle = page.locator(`[id="move-${a}"]`);
  await handle.focus();
  await handle.press('ArrowDown');
  await expect.poll(() => ids(favouriteRows(page))).toEqual([c, b, a]);
  await expect(page.locator(`[id="move-${a}"]`)).toBeFocused();
  await expect(page.locator('#announcer')).toHaveText(`${contacts[0].display_name} is now at position 3 of 3`);
  await page.locator(`[id="move-${a}"]`).press('ArrowUp');
  await expect.poll(() => ids(favouriteRows(page))).toEqual([c, a, b]);

  await page.reload();
  await expect.poll(() => ids(favouriteRows(page))).toEqual([c, a, b]);
  await expectAccessible(page, 'favourites and recents');
});

test('recents record opening, calling, chatting and mailing, newest first, and can be cleared', async ({ page, request }) => {
  const person = await colleague(request);
  const other = await externalContact(request);
  const tab = await openInHost(page);
  await search(tab, `${other.given_name} ${other.surname}`);
  await tab.locator(`.result[data-contact-id="${other.id}"] .call-button`).click();
  await expect.poll(async () => (await hostRecord(page)).calls.length).toBe(1);
  await search(tab, `${person.given_name} ${person.surname}`);
  await tab.locator(`.result[data-contact-id="${person.id}"]`).click();
  await tab.getByRole('button', { name: 'Chat' }).click();
  await expect.poll(async () => (await hostRecord(page)).chats.length).toBe(1);
  await tab.locator('.back-button').click();
  await tab.locator('#search').fill('');

  const recents = recentRows(tab);
  await expect(recents).toHaveCount(2);
  await expect(recents.nth(0)).toHaveAttribute('data-contact-id', person.id);
  await expect(recents.nth(0).locator('.saved-detail')).toContainText('Chatted');
  await expect(recents.nth(1).locator('.saved-detail')).toContainText('Called');
  // Writing an email counts too (the mail program opens outside the tab).
  await recents.nth(0).locator('.saved-open').click();
  await tab.locator(`a.detail-value[href="mailto:${person.emails[0]}"]`).click({ modifiers: ['Alt'] });
  await tab.locator('.back-button').click();
  await tab.locator('#search').fill('');
  await expect(recents.nth(0).locator('.saved-detail')).toContainText('Emailed');
  await expect(recents).toHaveCount(2);
  // ↓ from the empty search field walks the list; Enter opens.
  await tab.locator('#search').press('ArrowDown');
  await expect(recents.nth(0).locator('.saved-open')).toBeFocused();
  await tab.locator('.saved-open').first().press('ArrowDown');
  await expect(recents.nth(1).locator('.saved-open')).toBeFocused();
  await tab.locator('.saved-open').nth(1).press('Enter');
  await expect(tab.locator('#details-name')).toHaveText(other.display_name);
  await tab.locator('.back-button').click();
  await tab.locator('#search').fill('');
  await expect(recents.nth(0)).toHaveAttribute('data-contact-id', other.id);
  await expect(recents.nth(0).locator('.saved-detail')).toContainText('Opened');

  await recents.nth(0).locator('.forget-button').click();
  await expect(recents).toHaveCount(1);
  await tab.getByRole('button', { name: 'Clear all' }).click();
  await expect(recents).toHaveCount(0);
  await expect(tab.locator('.home .empty-state')).toBeVisible();
});

test('two open copies of the tab stay in step', async ({ context, request }) => {
  const [x, y] = await someContacts(request, 2);
  const first = await context.newPage();
  const second = await context.newPage();
  for (const p of [first, second]) {
    await blockExternal(p);
    await openTab(p);
  }
  await pin(first, x);
  await expect(favouriteRows(second)).toHaveCount(1);
  await expect(favouriteRows(second).first()).toHaveAttribute('data-contact-id', x.id);
  await pin(second, y);
  await expect.poll(() => ids(favouriteRows(first))).toEqual([x.id, y.id]);
  await favouriteRows(first).nth(1).locator('.pin-button').click();
  await expect.poll(() => ids(favouriteRows(second))).toEqual([x.id]);

  // Removing everything in one copy empties the other.
  await first.locator('#device-button').click();
  await first.locator('#wipe').click();
  await first.locator('#wipe-yes').click();
  await expect(favouriteRows(second)).toHaveCount(0);
  await expect(first.locator('.notice')).toContainText('removed');
});

test('a contact that changed is updated; one gone from its source is marked, not dropped', async ({ page, request }) => {
  mkdirSync('target/e2e', { recursive: true });
  const header = 'First Name,Last Name,Company,Job Title,Business Phone,E-mail Address\n';
  const csv = 'target/e2e/changing.csv';
  writeFileSync(csv, `${header}Quirin,Quenzel,Wandel AG,Einkauf,+49 89 4520005555,quirin@wandel.example\nWanda,Wechsel,Wandel AG,Vertrieb,+49 89 4520006666,wanda@wandel.example\n`);
  const find = async (q) => (await apiSearch(request, q)).filter((c) => c.source.id === 'changing');
  await expect.poll(async () => (await find('Wandel')).length, { timeout: 15_000 }).toBe(2);
  const [quirin] = await find('Quenzel');
  const [wanda] = await find('Wechsel');

  await openTab(page);
  await pin(page, quirin);
  await pin(page, wanda);
  await expect(favouriteRows(page)).toHaveCount(2);

  // The export changes: Quirin is promoted, Wanda left the company.
  writeFileSync(csv, `${header}Quirin,Quenzel,Wandel AG,Leiter Einkauf,+49 89 4520005555,quirin@wandel.example\n`);
  await expect.poll(async () => (await find('Wechsel')).length, { timeout: 15_000 }).toBe(0);

  // An hour later the tab checks its snapshots against the directory.
  await page.clock.setFixedTime(new Date(Date.now() + 3_600_000));
  await page.reload();
  const quirinRow = favouriteRows(page).filter({ hasText: 'Quenzel' });
  const wandaRow = favouriteRows(page).filter({ hasText: 'Wechsel' });
  await expect(quirinRow.locator('.saved-role')).toHaveText('Leiter Einkauf · Wandel AG', { timeout: 10_000 });
  await expect(wandaRow.locator('.gone-badge')).toHaveText('No longer in the directory');
  await expect(wandaRow).toHaveClass(/gone/);
  await expect(wandaRow.locator('.call-button')).toHaveCount(0);
  // The last snapshot is still there to read.
  await wandaRow.locator('.saved-open').click();
  await expect(page.locator('#details-name')).toHaveText('Wanda Wechsel');
  await page.locator('.back-button').click();
  await page.screenshot({ path: `${SCREENSHOTS}/favourites-gone.png`, fullPage: true });
});

test('data sealed under another key is cleared once and the tab says so', async ({ page, request }) => {
  const [contact] = await someContacts(request, 1);
  await openTab(page);
  await pin(page, contact);
  // The directory's cache secret was replaced, so the key the tab gets no longer opens what
  // the device holds. The answer that brings the key is sealed end to end and cannot be
  // rewritten on the way, so the test does the equivalent on the device: it alters the sealed
  // check record, which the old key opened and the current one does not.
  await page.evaluate(async () => {
    const [{ name }] = await indexedDB.databases();
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const store = db.transaction('meta').objectStore('meta');
    const records = await new Promise((resolve) => {
      const r = store.getAll();
      r.onsuccess = () => resolve(r.result);
    });
    const tx = db.transaction('meta', 'readwrite');
    for (const record of records) {
      const data = new Uint8Array(record.data);
      data[data.length - 1] ^= 0x5a;
      tx.objectStore('meta').put({ ...record, data });
    }
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
  });
  await page.reload();
  await expect(page.locator('.notice')).toContainText('new key');
  await expect(favouriteRows(page)).toHaveCount(0);
  await expectAccessible(page, 'key changed notice');
  await page.reload();
  await expect(page.locator('.home .empty-state')).toBeVisible();
  await expect(page.locator('.notice')).toHaveCount(0);
});

test('a full storage quota gives a clear message and loses nothing already stored', async ({ page, request }) => {
  const [x, y] = await someContacts(request, 2);
  // Chromium reports an overridden quota (Storage.overrideQuotaForOrigin) but does not
  // enforce it for IndexedDB, so the browser's own error is raised where the browser
  // raises it: at the write, as a DOMException named QuotaExceededError.
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      if (window.__quotaFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  await openTab(page);
  await pin(page, x);
  await page.evaluate(() => (window.__quotaFull = true));
  await search(page, `${y.given_name} ${y.surname}`);
  await page.locator(`.result[data-contact-id="${y.id}"] .pin-button`).click();
  await page.locator('#search').fill('');
  await expect(page.getByRole('alert')).toContainText('storage for Kontakt is full');
  await expect.poll(() => ids(favouriteRows(page))).toEqual([x.id]);
  await expectAccessible(page, 'quota full');
  await page.screenshot({ path: `${SCREENSHOTS}/favourites-quota-full.png`, fullPage: true });
  // Space again: the next pin works and the message can be dismissed.
  await page.evaluate(() => (window.__quotaFull = false));
  await pin(page, y);
  await expect.poll(() => ids(favouriteRows(page))).toEqual([x.id, y.id]);
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('settings persist; switching recents off clears them; the device panel tells and wipes', async ({ page, request }) => {
  const [x] = await someContacts(request, 1);
  await openTab(page);
  await pin(page, x);
  await search(page, `${x.given_name} ${x.surname}`);
  await page.locator(`.result[data-contact-id="${x.id}"]`).click();
  await page.locator('.back-button').click();
  await page.locator('#search').fill('');
  await expect(recentRows(page)).toHaveCount(1);

  await page.locator('#device-button').click();
  await expect(page.locator('#device-title')).toBeFocused();
  const panel = page.locator('.device-panel');
  await expect(panel).toContainText('Favourites: 1.');
  await expect(panel).toContainText('Recent contacts: 1 (at most 50)');
  await expect(panel).toContainText(/Database in this browser: kontakt-[0-9a-f]{32}/);
  await expectAccessible(page, 'device panel');
  await page.screenshot({ path: `${SCREENSHOTS}/device-panel.png`, fullPage: true });

  await page.locator('#setting-compact').check();
  await expect(page.locator('.shell')).toHaveClass(/compact/);
  await page.locator('#setting-recents').uncheck();
  await expect(panel).toContainText('Recent contacts: 0');
  await page.reload();
  await expect(page.locator('.shell')).toHaveClass(/compact/);
  await expect(favouriteRows(page)).toHaveCount(1);
  await expect(recentRows(page)).toHaveCount(0);
  // With recents off, opening a contact is not remembered.
  await favouriteRows(page).first().locator('.saved-open').click();
  await page.locator('.back-button').click();
  await page.locator('#search').fill('');
  await expect(recentRows(page)).toHaveCount(0);

  await page.locator('#device-button').click();
  await page.locator('#wipe').click();
  await expect(page.locator('#wipe-yes')).toBeFocused();
  await page.locator('#wipe-yes').click();
  await expect(page.locator('.notice')).toContainText('was removed');
  await expect(favouriteRows(page)).toHaveCount(0);
  expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
  await expect(page.locator('.shell')).not.toHaveClass(/compact/);
  // A fresh, empty database is ready for new pins.
  await pin(page, x);
  await expect(favouriteRows(page)).toHaveCount(1);
});

test('another user on the same browser never sees these favourites', async ({ page, request }) => {
  const [x] = await someContacts(request, 1);
  await openTab(page);
  await pin(page, x);
  const names = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  // A second demo user signs in on the same browser profile.
  await page.route('**/api/v1/dev/token', (route) =>
    route.continue({ postData: JSON.stringify({ user_id: '9d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6', display_name: 'Someone Else' }), headers: { ...route.request().headers(), 'content-type': 'application/json' } }),
  );
  await page.reload();
  await expect(page.locator('.home .empty-state')).toBeVisible();
  await expect(favouriteRows(page)).toHaveCount(0);
  const after = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  expect(after.length).toBe(names.length + 1);
});
