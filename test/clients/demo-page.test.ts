import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { buildDemo } from '../../scripts/build-demo.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { browserTest } from './helpers/browser.ts';
import { unreachableEngineUrl } from './helpers/engine-down.ts';

/** The GraphQL request a request sends, in its body (POST) or its URL (urql's GET). */
function sent(request: Request): { query: string; variables: Record<string, unknown> } {
  const body = request.postData();
  if (body) {
    const { query = '', variables = {} } = JSON.parse(body) as { query?: string; variables?: Record<string, unknown> };
    return { query, variables };
  }
  const params = new URL(request.url()).searchParams;
  return { query: params.get('query') ?? '', variables: JSON.parse(params.get('variables') ?? '{}') };
}

const sentQuery = (request: Request) => sent(request).query;

const isGraphQL = (request: Request, operation: string) => request.url().includes('/graphql') && sentQuery(request).includes(operation);

async function openPage(page: Page, url: string) {
  await page.goto(`${url}/`);
  // The table's first answer: the page has made its first requests.
  await page.locator('#fields tbody tr').first().waitFor();
}

describe('the dashboard page in headless Chromium', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A fresh clone has no build: the page the server serves is the one built here.
    await buildDemo();
    server = await startServer();
  });
  afterAll(() => server?.close());

  browserTest('draws the 33 boroughs over the tube network, sized by the figure chosen', async ({ page, problems }) => {
    await openPage(page, server.url);
    const boroughs = page.locator('#map circle.area');
    await expect.poll(() => boroughs.count()).toBe(33);
    expect(await page.locator('#map circle.station').count()).toBeGreaterThan(250);
    // Every line in its own colour, as the data gives it.
    const colours = await page.locator('#map g.tube > g').evaluateAll((groups) => groups.map((g) => g.getAttribute('stroke')));
    expect(new Set(colours).size).toBeGreaterThan(8);
    expect(await page.locator('#map g.tube line').count()).toBeGreaterThan(250);

    const radius = () => page.locator('#map circle.area[data-code="E09000001"]').getAttribute('r');
    const before = await radius();
    await page.locator('#map select').selectOption('population');
    expect(await radius()).not.toBe(before); // the City has the fewest residents and high rents
    expect(problems).toEqual([]);
  });

  browserTest('a field ticked goes into the query, which is priced and fetched; the table sorts and pages', async ({ page, problems }) => {
    await openPage(page, server.url);
    const cost = page.locator('#fields .cost');
    await expect.poll(() => cost.textContent()).toMatch(/^Costs \d+ points/);
    const costBefore = await cost.textContent();

    // The document priced is the one the ticks make, sent as a variable of rateLimit(query:).
    const priced = page.waitForRequest((r) => isGraphQL(r, 'rateLimit') && String(sent(r).variables.query).includes('cyclingPct'), {
      timeout: 10_000,
    });
    // A field the map has not fetched: graphcache answers the others from what it holds, without a request.
    await page.locator('#fields input[name="environment.cyclingPct"]').check();
    await priced;
    await expect.poll(() => cost.textContent()).not.toBe(costBefore);

    const fetched = page.waitForRequest((r) => isGraphQL(r, 'query PickedFields'));
    await page.getByRole('button', { name: 'Fetch' }).click();
    const query = sentQuery(await fetched);
    // Of the environment group, the one field ticked (urql adds __typename to every selection).
    expect(query).toMatch(/environment \{\s*cyclingPct\s+__typename\s*\}/);
    expect(query).toContain('medianRentAll');
    // Only what is ticked: no other group, no other field of the group.
    expect(query).not.toContain('schools');
    expect(query).not.toContain('greenspacePct');

    const header = page.locator('#fields th', { hasText: 'Cycling' });
    await header.waitFor();
    await header.getByRole('button').click();
    await header.getByRole('button').click(); // descending: the most cycling first
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    const column = (await page.locator('#fields thead th').allTextContents()).findIndex((text) => text.startsWith('Cycling'));
    const shown = await page.locator(`#fields tbody td:nth-child(${column + 1})`).allTextContents();
    const values = shown.map(Number);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(shown).toHaveLength(10);

    const firstRow = await page.locator('#fields tbody tr').first().textContent();
    await page.getByRole('button', { name: 'Next' }).click();
    const pager = page.locator('#fields .pager');
    expect(await pager.textContent()).toContain('Page 2 of 4 (33 boroughs)');
    expect(await page.locator('#fields tbody tr').first().textContent()).not.toBe(firstRow);
    // A new order starts at its first page.
    await header.getByRole('button').click();
    expect(await pager.textContent()).toContain('Page 1 of 4');
    expect(await page.locator('#fields tbody tr').first().textContent()).not.toBe(firstRow); // ascending: the least cycling

    // What is left of the minute budget, from the answers' extensions.cost.throttleStatus.
    expect(await page.locator('#fields .left').textContent()).toMatch(/^\d+ of \d+ points left this minute$/);
    // Back to fields the page holds (the map's and the fetch's): nothing to price, no request.
    await page.locator('#fields input[name="environment.cyclingPct"]').uncheck();
    await expect.poll(() => cost.textContent()).toBe('No request needed: the page already holds these fields.');
    expect(problems).toEqual([]);
  });

  browserTest("a recommendation's factors show as bars and its explanations stream in through @defer", async ({ page, problems }) => {
    await openPage(page, server.url);
    const form = page.locator('#recommend form');
    await form.locator('select[name="persona"]').selectOption('STUDENT');
    await form.locator('input[name="budget"]').fill('900');
    // Ignoring case and punctuation; nothing found is said.
    await form.getByRole('searchbox').fill('zzqx');
    await form.locator('.suggestions', { hasText: 'No station found.' }).waitFor();
    await form.getByRole('searchbox').fill('kings cross');
    await form.locator('.suggestions button', { hasText: "King's Cross St. Pancras" }).first().click();

    const deferred = page.waitForRequest((r) => r.method() === 'POST' && isGraphQL(r, '@defer'));
    await form.getByRole('button', { name: 'Recommend' }).click();
    const request = await deferred;
    expect(JSON.parse(request.postData()!).variables.input).toMatchObject({
      persona: 'STUDENT',
      budget: 900,
      commuteTo: expect.any(String),
    });

    const results = page.locator('#recommend ol.results > li');
    await expect.poll(() => results.count()).toBe(5);
    expect(await results.first().locator('.bar span[data-factor="COMMUTE"]').count()).toBe(1);
    await expect.poll(() => page.locator('#recommend .explanation[data-status="READY"]').count(), { timeout: 15_000 }).toBe(5);
    expect((await results.first().locator('.explanation').textContent())!.length).toBeGreaterThan(40);
    expect(problems).toEqual([]);
  });

  browserTest('says why each explanation is refused when the explanations budget cannot afford them', async ({ page }) => {
    // One new job an hour: the five of a ranking are more than it ever holds, so all five are refused.
    const stingy = await startServer({ EXPLANATIONS_PER_HOUR: '1' });
    try {
      // A phone's width: nothing may make the page scroll sideways.
      await page.setViewportSize({ width: 390, height: 800 });
      await page.goto(`${stingy.url}/`);
      const form = page.locator('#recommend form');
      await form.locator('select[name="persona"]').selectOption('DEVELOPER');
      await form.locator('select[name="locationType"]').selectOption('BUY');
      await form.locator('input[name="budget"]').fill('2000000');
      await form.locator('select[name="size"]').selectOption('FOUR_PLUS_BED');
      // Typed and not picked: taken when it matches one station, refused when none.
      await form.getByRole('searchbox').fill('Nowhere Junction');
      await form.getByRole('button', { name: 'Recommend' }).click();
      await page.locator('#recommend .notice', { hasText: 'The commute destination "Nowhere Junction" was not recognised' }).waitFor();
      await form.getByRole('searchbox').fill('');
      await form.getByRole('button', { name: 'Recommend' }).click();
      const refused = page.locator('#recommend .explanation[data-status="NONE"]');
      await expect.poll(() => refused.count(), { timeout: 10_000 }).toBe(5);
      expect(await refused.first().textContent()).toMatch(/^No explanation: 5 new explanation jobs .* explanations budget holds \(1\)/);
      expect(await page.locator('#recommend .explanation[data-status="PENDING"]').count()).toBe(0);
      await page.locator('#fields tbody tr').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    } finally {
      await stingy.close();
    }
  });

  browserTest('says when to retry once a budget is spent, and that the engine is down when it is', async ({ page }) => {
    // The map's stations cost 2,170 points and the rest of the page over 300: more than the 2,200 a minute allowed here.
    const limited = await startServer({ RATE_LIMIT_POINTS_PER_MINUTE: '2200' });
    try {
      await page.goto(`${limited.url}/`);
      await page
        .getByText(/^Too many requests: this query costs \d+ points and the minute budget has \d+ left\. Try again in \d+ s\.$/)
        .first()
        .waitFor();
    } finally {
      await limited.close();
    }
    const down = await startServer({ LOCAL_ENGINE_URL: await unreachableEngineUrl() });
    try {
      await page.goto(`${down.url}/`);
      await page.locator('#map .notice', { hasText: 'The data engine is not answering' }).first().waitFor();
      expect(await page.locator('#map circle.area').count()).toBe(0);
    } finally {
      await down.close();
    }
  });
});
