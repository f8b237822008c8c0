import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { test } from 'vitest';

const INSTALL = 'sudo apt-get install -y --no-install-recommends chromium';

// No sandbox (CI runs as root) and no GPU; the rest keep Chromium's own traffic (updates, sync, QUIC) out of the
// requests a test watches. Playwright adds --headless itself.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** CHROMIUM_PATH, else /usr/bin/chromium, else `chromium` on the PATH; or why none was found. */
function findChromium(): { path: string } | { missing: string } {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    return executable(fromEnv) ? { path: fromEnv } : { missing: `CHROMIUM_PATH=${fromEnv} is not an executable file` };
  }
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'chromium'));
  const path = ['/usr/bin/chromium', ...onPath].find(executable);
  return path ? { path } : { missing: 'no Chromium found (CHROMIUM_PATH, /usr/bin/chromium, PATH)' };
}

/** Headless Chromium with a profile of its own, deleted when it closes. */
async function launchChromium(executablePath: string): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'veo-bff-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** What went wrong on a page as a user's devtools would show it: console errors, uncaught exceptions, failed requests. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText;
    // A client cancels its own event stream once it reads the `complete` event (GraphiQL's HTTP executor does),
    // which may come before the end of the body: devtools shows it as canceled, not as an error.
    if (error === 'net::ERR_ABORTED' && request.headers().accept === 'text/event-stream') return;
    problems.push(`${request.method()} ${request.url()}: ${error}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
  });
  return problems;
}

let warned = false;

/**
 * A test with a fresh headless Chromium: `page` (its first tab) and `problems` (what went wrong on it so far;
 * assert it is empty before the test ends, since closing the page aborts requests still open). Without a
 * browser the test is skipped, and fails under CI=true, with the command that installs one.
 */
export const browserTest = test.extend<{ browser: BrowserContext; page: Page; problems: string[] }>({
  browser: async ({ skip }, use) => {
    const found = findChromium();
    if ('missing' in found) {
      const message = `${found.missing}: install it with \`${INSTALL}\`, or set CHROMIUM_PATH`;
      if (process.env.CI === 'true') throw new Error(message);
      // Reporters do not print a skip's note: say it once per file where it will be read.
      if (!warned) console.warn(`Skipping the browser tests: ${message}`);
      warned = true;
      return skip(message);
    }
    const chromium = await launchChromium(found.path);
    try {
      await use(chromium.context);
    } finally {
      await chromium.close();
    }
  },
  page: async ({ browser }, use) => {
    await use(browser.pages()[0] ?? (await browser.newPage()));
  },
  problems: async ({ page }, use) => {
    await use(watchProblems(page));
  },
});
