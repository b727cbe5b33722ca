import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, gqlOk, signUp, upload } from '../helpers/client.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';
import { collectPageErrors, launchChromium, offlineContext, screenshot } from './helpers/chromium.js';

/**
 * The README's playground steps in real Chromium with the network cut off: sign in, put the
 * Authorization header in GraphiQL's Headers tab, run the subscription, and see the run's
 * events arrive (not UNAUTHENTICATED), with the header key in either case.
 */
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stopAll();
});

/** GraphiQL's Monaco editors, by the model each one edits. */
const QUERY = '.monaco-editor[data-uri$="operation.graphql"]';
const HEADERS = '.monaco-editor[data-uri$="headers.json"]';
const RESPONSE = '.monaco-editor[data-uri$="response.json"]';

/**
 * Replaces a Monaco editor's text by typing it key by key, as a person would, or with `paste`
 * as one insertion, the way a person pastes a token (typing 200 characters of token key by key
 * costs half a minute on a loaded machine and tests nothing more).
 */
async function typeInto(page: Page, editor: string, text: string, how: 'type' | 'paste' = 'type'): Promise<void> {
  const area = page.locator(editor);
  await area.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  if (how === 'paste') await page.keyboard.insertText(text);
  else await page.keyboard.type(text);
  // Monaco closes brackets and quotes as it goes; what the editor holds must be what was typed.
  await expect.poll(() => editorText(page, editor)).toBe(text);
}

/** The text Monaco shows (its rendered lines; non-breaking spaces as spaces). */
async function editorText(page: Page, editor: string): Promise<string> {
  const lines = await page.locator(`${editor} .view-lines .view-line`).allTextContents();
  return lines.join('\n').replace(/\u00a0/g, ' ');
}

async function runSubscription(headerKey: string, label: string) {
  const { token } = await signUp(server.url);
  const projectId = await createProject(server.url, token);
  const csv = readFileSync('examples/clean-two-years.csv');
  const uploaded = await upload(server.url, token, projectId, { name: 'clean-two-years.csv', content: csv });
  expect(uploaded.errors).toBeUndefined();

  const { context, outside } = await offlineContext(browser, server.base);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${server.base}/graphql`);
  await page.locator(QUERY).waitFor();

  await page.getByRole('button', { name: 'Headers' }).click();
  await typeInto(page, HEADERS, `{"${headerKey}": "Bearer ${token}"}`, 'paste');
  await typeInto(
    page,
    QUERY,
    `subscription { projectStatus(projectId: "${projectId}") { sequence status stage progress message } }`,
  );
  await page.locator('.graphiql-execute-button').click();

  // The current state arrives first: the project is still a draft.
  const response = RESPONSE;
  await expect.poll(() => editorText(page, response), { timeout: 20_000 }).toContain('"status": "DRAFT"');
  expect(await editorText(page, response)).not.toContain('UNAUTHENTICATED');
  await screenshot(page, `playground-subscription-${label}`);

  // Then the run, live, to its end.
  await gqlOk(server.url, `mutation($id: ID!) { startProcessing(projectId: $id) { message } }`, { id: projectId }, token);
  await expect.poll(() => editorText(page, response), { timeout: 60_000 }).toContain('"status": "COMPLETED"');
  await screenshot(page, `playground-completed-${label}`);

  expect(outside).toEqual([]);
  expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  await context.close();
}

describe('the playground (GraphiQL) in Chromium', () => {
  it('runs a subscription with "Authorization" in the Headers tab', async () => {
    await runSubscription('Authorization', 'capitalised');
  });

  it('runs it with "authorization" in lower case too', async () => {
    await runSubscription('authorization', 'lowercase');
  });
});
