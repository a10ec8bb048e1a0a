// End-to-end tests: the real server (demo mode) and the real tab in Debian's Chromium.
// ./test builds both first and passes the server binary in KONTAKT_BIN.
import { defineConfig } from '@playwright/test';

// The port is the one tests/e2e/kontakt.toml listens on.
const port = 18080;
const bin = process.env.KONTAKT_BIN ?? 'target/release/kontakt';

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'target/e2e/results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `${bin} serve --config tests/e2e/kontakt.toml`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    // Stopped as a service manager stops it, so it removes its temporary demo data (the
    // default, SIGKILL, left ~1 MB in /tmp per run).
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});
