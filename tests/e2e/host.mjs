// Running the tab inside the Teams host simulator (/dev/teams): the real Teams library in
// the tab frame talks to the simulator page, which records what it was asked in
// `window.hostSim`.
import { expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { demoToken } from './helpers.mjs';

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

/** Opens the simulator with the given settings and waits until the tab is signed in. */
export async function openInHost(page, settings = {}, { ready = true, origin = '' } = {}) {
  await collectCspViolations(page);
  const query = new URLSearchParams(settings).toString();
  await page.goto(`${origin}/dev/teams${query ? `?${query}` : ''}`);
  const tab = page.frameLocator('#tab');
  if (ready) await expect(tab.locator('#search')).toBeVisible();
  return tab;
}

/** The tab's frame, for evaluating code in it. */
export function tabFrame(page) {
  const frame = page.frames().find((f) => f.url().includes('inTeams=1'));
  expect(frame, 'the simulator frames the tab').toBeTruthy();
  return frame;
}

/** What the simulator recorded (calls, chats, links, messages, …). */
export async function hostRecord(page) {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.hostSim)));
}

/** Every Content-Security-Policy violation in any frame ends up in `window.__csp`. */
async function collectCspViolations(page) {
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__csp.push(`${e.violatedDirective}: ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
}

export async function expectNoCspViolations(page) {
  expect(await tabFrame(page).evaluate(() => window.__csp)).toEqual([]);
}

/**
 * Runs axe-core in the tab frame and fails on serious or critical violations. `state` names
 * what is on screen, for the failure message.
 */
export async function expectAccessible(page, state) {
  // Inside the simulator: the tab's frame; in a plain browser: the page itself.
  const frame = page.frames().find((f) => f.url().includes('inTeams=1')) ?? page.mainFrame();
  // Evaluated through the DevTools protocol, so the tab's CSP (no inline scripts) stays on.
  if (!(await frame.evaluate(() => typeof window.axe === 'object'))) await frame.evaluate(AXE);
  const violations = await frame.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations, `axe-core in state "${state}"`).toEqual([]);
}

/** Searches the directory through the API, as the given user sees it. */
export async function apiSearch(request, q, limit = 100) {
  const token = await demoToken(request);
  const res = await request.get(`/api/v1/search?q=${encodeURIComponent(q)}&limit=${limit}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.ok()).toBeTruthy();
  return (await res.json()).hits.map((h) => h.contact);
}

/** A contact of the demo company (it has a UPN, so it can be called and chatted in Teams). */
export async function colleague(request) {
  const found = (await apiSearch(request, 'Kontakt Demo GmbH')).find(
    (c) => c.upn && bestPhone(c)?.e164 && c.surname,
  );
  expect(found, 'the demo directory has colleagues with a UPN and a number').toBeTruthy();
  return found;
}

/** An external contact: a dialable number, no UPN. */
export async function externalContact(request) {
  const found = (await apiSearch(request, 'GmbH')).find(
    (c) => !c.upn && bestPhone(c)?.e164 && c.surname && c.company,
  );
  expect(found, 'the demo directory has external contacts with a number').toBeTruthy();
  return found;
}

/** The number a result row shows and Ctrl+Enter calls: business first, then mobile, … */
export function bestPhone(contact) {
  const order = ['business', 'mobile', 'other', 'home', 'fax'];
  return contact.phones
    .filter((p) => p.kind !== 'fax')
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))[0];
}

/** A number as the tab shows it: as people read it where the organisation is, else as written. */
export function shown(phone) {
  return phone.display ?? phone.raw;
}

/** Types a query the way a person does, so every keystroke goes through the tab. */
export async function search(tab, text) {
  const box = tab.locator('#search');
  await box.fill('');
  await box.pressSequentially(text, { delay: 20 });
}

/** Relative luminance of a CSS colour, 0 (black) to 1 (white). */
export function luminance(css) {
  const [r, g, b] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
