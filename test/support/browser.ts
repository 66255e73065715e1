import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, ConsoleMessage, Page } from 'playwright-core';

// A real browser for the dashboard's end-to-end tests: Debian's Chromium driven by
// playwright-core, headless, with a fresh profile per launch and nothing from the network.

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '../../test-artifacts/dashboard');
const DASHBOARD_INDEX = join(__dirname, '../../apps/dashboard/dist/index.html');

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserOptions {
  /** IANA time zone the page runs in (the viewer's). */
  timezoneId?: string;
  locale?: string;
}

export interface BrowserHandle {
  context: BrowserContext;
  /** A new tab that records console errors and uncaught exceptions (see {@link takeConsoleErrors}). */
  newPage(): Promise<Page>;
  /** The console errors and page errors any tab logged since the last call, as text. */
  takeConsoleErrors(): string[];
  close(): Promise<void>;
}

/** Fails with the way out when the dashboard has not been built (npm test builds it first). */
export function requireDashboardBuild(): void {
  if (!existsSync(DASHBOARD_INDEX)) {
    throw new Error(`${DASHBOARD_INDEX} is missing: run \`npm run build\` first (npm test does)`);
  }
}

/** Launches Chromium with a throwaway profile, a laptop-sized window and clipboard access. */
export async function launchBrowser(opts: BrowserOptions = {}): Promise<BrowserHandle> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const profile = await mkdtemp(join(tmpdir(), 'fleetcert-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 900 },
    timezoneId: opts.timezoneId,
    locale: opts.locale,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const errors: string[] = [];
  const record = (page: Page) => {
    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() === 'error') errors.push(`${page.url()}: console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`${page.url()}: uncaught: ${err.message}`));
  };
  context.pages().forEach(record);
  context.on('page', record);
  return {
    context,
    newPage: () => context.newPage(),
    takeConsoleErrors: () => errors.splice(0, errors.length),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as a test artifact: `test-artifacts/dashboard/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
