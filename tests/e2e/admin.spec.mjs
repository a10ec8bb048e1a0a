// An organisation's first day, end to end: `kontakt cloud` with an empty registry (demo
// sign-in), a Teams administrator of the demo organisation registers at /admin in Chromium,
// creates a one-time enrollment code, a `kontakt directory` enrolls with it and links, a
// user of that organisation searches in the tab inside the Teams host simulator; a user
// without an administrator role is refused; revoking disconnects the directory.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, SCREENSHOTS, blockExternal, healthy, startKontakt as start, stopAllKontakt } from './helpers.mjs';
import { expectAccessible, openInHost, search } from './host.mjs';

const PORT = 18190;
const CLOUD = `http://127.0.0.1:${PORT}`;
const TENANT = '6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34';

test.describe.configure({ mode: 'serial' });

const work = mkdtempSync(join(tmpdir(), 'kontakt-admin-e2e-'));

let cloud;
let directory;
const directoryConfig = join(work, 'directory.toml');

test.beforeAll(async () => {
  const cloudConfig = join(work, 'cloud.toml');
  writeFileSync(
    cloudConfig,
    `[server]
mode = "development"
listen = "127.0.0.1:${PORT}"
data_dir = "${join(work, 'cloud-data')}"

[demo]
enabled = true
`,
  );
  writeFileSync(
    directoryConfig,
    `[server]
mode = "development"
data_dir = "${join(work, 'directory-data')}"

[demo]
enabled = true

[link]
cloud = "${CLOUD}"
ping = "2s"

[[tenants]]
id = "${TENANT}"
name = "Adlermöbel KG"
dialing = { country = "DE", area_code = "89" }

[[tenants.sources]]
type = "demo"
id = "demo"
name = "Demo CRM"
size = 2000
`,
  );
  cloud = start(['cloud', '--config', cloudConfig]);
  await healthy(CLOUD, cloud);
});

test.afterAll(async () => {
  await stopAllKontakt();
});

test.beforeEach(async ({ page }) => {
  await blockExternal(page);
});

/** Signs in at /admin through the demo identity provider as the person named. */
async function signIn(page, name) {
  await page.goto(`${CLOUD}/admin`);
  await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
  await page.getByRole('button', { name: new RegExp(name) }).click();
}

test('a user without an administrator role is refused, with the roles named', async ({ page }) => {
  await signIn(page, 'Demo User');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not an administrator');
  await expect(page.getByRole('alert')).toContainText('Global Administrator, Teams Administrator, Privileged Role Administrator');
  await page.goto(`${CLOUD}/admin`);
  await expect(page.getByRole('link', { name: 'Sign in with Microsoft' })).toBeVisible();
});

test('an administrator registers, enrolls a directory, a user searches, revoke disconnects', async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signIn(page, 'Ada Admin');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Register your organisation');
  await expect(page.getByLabel('Tenant ID')).toHaveValue(TENANT);
  await expectAccessible(page, 'the registration form');
  await page.getByLabel('Organisation name').fill('Adlermöbel KG');
  const email = page.getByLabel('Your e-mail address');
  await expect(email).toHaveValue('ada.admin@kontakt-demo.de');

  // An address Chromium's own check lets through, the service does not: the form comes
  // back with what was typed, the field marked, focused and described by the reason.
  await email.fill('ada@localhost');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'Nothing was saved. Your e-mail address: This is not an e-mail address: write it as name@example.com.',
  );
  await expect(email).toBeFocused();
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(email).toHaveAccessibleDescription('This is not an e-mail address: write it as name@example.com.');
  await expect(page.getByLabel('Organisation name')).toHaveValue('Adlermöbel KG');
  await expectAccessible(page, 'the registration form with a refused field');
  await page.screenshot({ path: `${SCREENSHOTS}/admin-refused-field.png`, fullPage: true });
  await page.getByRole('alert').getByRole('link', { name: 'Your e-mail address' }).click();
  await expect(email).toBeFocused();
  await email.fill('ada.admin@kontakt-demo.de');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByRole('status').first()).toContainText('Your organisation is registered');
  await expect(page.getByRole('heading', { name: 'Adlermöbel KG' })).toBeVisible();

  // Admin consent: out to the identity provider and back, bound to this session.
  await page.getByRole('link', { name: 'Grant admin consent' }).click();
  await page.getByRole('link', { name: 'Accept' }).click();
  await expect(page.getByRole('status').first()).toContainText('Admin consent is granted');

  await page.getByRole('button', { name: 'Create an enrollment code' }).click();
  const code = (await page.locator('#enrollment-code').textContent()).trim();
  expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
  await expectAccessible(page, 'the dashboard with a new code');
  await page.screenshot({ path: `${SCREENSHOTS}/admin-dashboard.png`, fullPage: true });

  const enrolled = spawnSync(BIN, ['directory', 'enroll', '--config', directoryConfig, '--cloud', CLOUD, '--code', code], { encoding: 'utf8' });
  expect(enrolled.status, enrolled.stderr + enrolled.stdout).toBe(0);
  expect(enrolled.stdout).toContain('Enrolled as directory');
  // Used once.
  const reused = spawnSync(BIN, ['directory', 'enroll', '--config', directoryConfig, '--cloud', CLOUD, '--code', code], { encoding: 'utf8' });
  expect(reused.status).not.toBe(0);
  expect(reused.stderr).toContain('not valid');

  directory = start(['directory', '--config', directoryConfig]);
  await expect
    .poll(async () => {
      await page.goto(`${CLOUD}/admin`);
      return page.locator('.state.online').count();
    }, { timeout: 60_000, message: () => directory.output })
    .toBe(1);

  // A user of the organisation, in Teams.
  const user = await browser.newPage();
  await blockExternal(user);
  const tab = await openInHost(user, {}, { origin: CLOUD });
  await search(tab, 'Müller');
  await expect(tab.locator('.result-name').first()).toBeVisible();

  // Revoked: the directory is disconnected at once and stops.
  await page.getByRole('button', { name: /^Revoke/ }).click();
  await expect(page.getByRole('status').first()).toContainText('revoked');
  await expect.poll(() => directory.exitCode, { timeout: 15_000 }).toBe(3);
  expect(directory.output).toContain('revoked');
  await expect(page.locator('.state.online')).toHaveCount(0);
  await user.close();
});
