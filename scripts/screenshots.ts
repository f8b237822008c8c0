// `npm run screenshots`: builds the dashboard page, serves it from this process (with its own engine) and writes
// one picture of each of its views to docs/screenshots/ for the README, through headless Chromium (Debian's
// `chromium`, or CHROMIUM_PATH).
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config/config.ts';
import { projectPath } from '../src/lib/project-root.ts';
import { createApp } from '../src/yoga.ts';
import { buildDemo } from './build-demo.ts';

const out = projectPath('docs', 'screenshots');
await mkdir(out, { recursive: true });
await buildDemo();

const app = createApp(loadConfig({ NODE_ENV: 'development', CACHE_PREFIX: 'veo-screenshots' }), { log: () => {} });
const server = createServer(app.handler);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.locator('#map circle.area').nth(32).waitFor();
  await page.locator('#map').screenshot({ path: `${out}/map.png` });

  // A field more, fetched, the table sorted by it.
  await page.locator('#fields input[name="environment.cyclingPct"]').check();
  await page.locator('#fields .cost', { hasText: 'Costs' }).waitFor();
  await page.getByRole('button', { name: 'Fetch' }).click();
  const header = page.locator('#fields th', { hasText: 'Cycling' });
  await header.getByRole('button').click();
  await header.getByRole('button').click();
  await page.locator('#fields').screenshot({ path: `${out}/fields.png` });

  const form = page.locator('#recommend form');
  await form.locator('select[name="persona"]').selectOption('STUDENT');
  await form.locator('input[name="budget"]').fill('900');
  await form.getByRole('searchbox').fill('King');
  await form.locator('.suggestions button', { hasText: "King's Cross" }).first().click();
  await form.getByRole('button', { name: 'Recommend' }).click();
  await page.locator('#recommend .explanation[data-status="READY"]').nth(4).waitFor({ timeout: 30_000 });
  await page.locator('#recommend').screenshot({ path: `${out}/recommendations.png` });
  console.log(`wrote map.png, fields.png and recommendations.png to ${out}`);
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
  await app.close();
}
