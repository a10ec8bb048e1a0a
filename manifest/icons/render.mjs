// Renders the icon sources to the PNGs the app package carries, in Debian's Chromium:
//   node manifest/icons/render.mjs
// color.png 192×192 (opaque), outline.png 32×32 (white on transparent).
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--force-device-scale-factor=1'],
});
for (const [name, size] of [['color', 192], ['outline', 32]]) {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  const svg = readFileSync(join(here, `${name}.svg`), 'utf8');
  await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: join(here, '..', `${name}.png`), omitBackground: true });
  console.log(`manifest/${name}.png (${size}×${size})`);
}
await browser.close();
