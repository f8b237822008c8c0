import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.ts';
import { browserTest } from './helpers/browser.ts';

const RUN = '.graphiql-execute-button';
const QUERY_EDITOR = '.graphiql-query-editor .monaco-editor';
// The lines Monaco draws in the result pane (only those in view), without its overlays.
const RESULT = '.graphiql-response .view-lines';

/** GraphiQL once its editors are up (the page is one 9 MB script). */
async function openGraphiQL(page: Page, url: string) {
  await page.goto(`${url}/graphql`);
  await page.locator(QUERY_EDITOR).waitFor();
  await page.locator(RUN).waitFor();
}

/** The result pane's text as drawn (Monaco draws spaces as no-break spaces). */
async function resultText(page: Page): Promise<string> {
  return ((await page.locator(RESULT).textContent()) ?? '').replaceAll('\u00a0', ' ');
}

async function waitForResult(page: Page, text: string) {
  await page
    .waitForFunction(
      ([selector, wanted]) => (document.querySelector(selector!)?.textContent ?? '').replaceAll('\u00a0', ' ').includes(wanted!),
      [RESULT, text],
      { timeout: 15_000 },
    )
    .catch(async () => {
      throw new Error(`the result pane never showed ${text}; it shows:\n${await resultText(page)}`);
    });
}

describe('GraphiQL in headless Chromium', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  browserTest('runs the default dashboard query and shows the boroughs', async ({ page, problems }) => {
    await openGraphiQL(page, server.url);
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('Dashboard'));
    await page.locator(RUN).click();
    const body = await (await answer).json();
    expect(body.errors).toBeUndefined();
    expect(body.data.areas.totalCount).toBe(33);
    const first = body.data.areas.nodes[0];
    expect(first.name).toMatch(/^[A-Z][a-z]/);

    await waitForResult(page, `"name": "${first.name}"`);
    const shown = await resultText(page);
    expect(shown).toContain('"totalCount": 33');
    expect(shown).toContain(`"code": "${first.code}"`);
    expect(shown).not.toContain('"errors"');
    expect(problems).toEqual([]);
  });

  browserTest("follows an explanation job to READY over GraphiQL's own subscription transport", async ({ page, problems }) => {
    const started = await server.gql<{ requestExplanation: { id: string } }>(
      'mutation { requestExplanation(areaCode: "E09000007", persona: STUDENT, context: { budget: 700, locationType: RENT, size: ROOM }) { id } }',
    );
    expect(started.body.errors).toBeUndefined();
    const id = started.body.data!.requestExplanation.id;

    await openGraphiQL(page, server.url);
    await page.locator(QUERY_EDITOR).click();
    await page.keyboard.press('ControlOrMeta+KeyA');
    await page.keyboard.press('Delete');
    // Typed as one input, so the editor's bracket completion does not add closing braces of its own.
    await page.keyboard.insertText(`subscription Follow { explanationUpdated(id: ${JSON.stringify(id)}) { status text } }`);
    // GraphiQL reads the document a moment after the edit; until the tab is named for it, it would run the old one.
    await page.locator('.graphiql-tab-button[title="Follow"]').waitFor();

    const stream = page.waitForResponse((r) => r.request().method() === 'GET' && r.request().headers().accept === 'text/event-stream');
    await page.keyboard.press('ControlOrMeta+Enter');
    const response = await stream;
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toContain('text/event-stream');
    expect(new URL(response.url()).searchParams.get('query')).toContain('explanationUpdated');

    await waitForResult(page, '"status": "READY"');
    const shown = await resultText(page);
    expect(shown).toContain('Camden');
    expect(shown).not.toContain('"errors"');
    expect(problems).toEqual([]);
  });
});
