import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/database/embedded.js';
import { createProject, example, upload } from '../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { holdStages, stubStages } from '../helpers/held-stages.js';
import { startTestServer, stopAll } from '../helpers/server.js';
import { storedSequences, waitForProjectStatus } from '../helpers/stored-events.js';
import { collectPageErrors, launchChromium, offlineContext, screenshot } from './helpers/chromium.js';
import { apiSession, expectOnceInOrder, projectStatus, shownSequences, signInContext } from './helpers/console.js';

/**
 * The service restarts (same port, same database) while a person watches a run: the page says
 * it is reconnecting, and once the new server is up it shows the rest of the run, including
 * everything that happened while it was away, each event once.
 */
let database: TestDatabase;
let browser: Browser;

beforeAll(async () => {
  database = await createTestDatabase();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stopAll();
});



describe('a server restart with the console open', () => {
  it('follows the run to the end with every sequence once', async () => {
    const port = await freePort();
    const held = holdStages(stubStages());
    held.hold('*', 'CLASSIFY');
    const first = await startTestServer({ database, config: { port }, deps: { stages: held.stages } });
    const session = await apiSession(first.url, 'Restart Firm');
    const projectId = await createProject(first.url, session.token, 'Through a restart');
    expect((await upload(first.url, session.token, projectId, { name: 'clean-two-years.csv', content: example('clean-two-years.csv') })).errors).toBeUndefined();

    const { context, outside } = await offlineContext(browser, first.base);
    await signInContext(context, session);
    // While `away` is set, the page's WebSocket reconnects are refused: the run goes on without it.
    let away = false;
    await context.routeWebSocket(/\/graphql$/, (ws) => {
      if (away) return ws.close({ code: 1012, reason: 'test: service restarting' });
      ws.connectToServer();
    });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${first.base}/projects/${projectId}`);
    await projectStatus(page).waitFor();
    await page.getByRole('button', { name: 'Process' }).click();
    await held.entered(projectId, 'CLASSIFY');
    await expect.poll(() => page.locator('[data-stage="CLASSIFY"]').getAttribute('data-status')).toBe('RUNNING');

    away = true;
    await first.app.stop();
    await page.getByText('Connection to the service lost').waitFor();
    await screenshot(page, '12-reconnecting');

    // The new server picks the run up and finishes it while the page cannot reach it.
    const second = await startTestServer({ database, config: { port }, deps: { stages: holdStages(stubStages()).stages } });
    await waitForProjectStatus(second.url, session.token, projectId, 'COMPLETED', 'the run to complete on the new server');

    away = false;
    await expect.poll(() => projectStatus(page).getAttribute('data-status'), { timeout: 30_000 }).toBe('COMPLETED');
    await expect.poll(() => page.getByText('Connection to the service lost').count()).toBe(0);
    await page.locator('.activity summary').click();
    const shown = await shownSequences(page);
    expectOnceInOrder(shown);
    const stored = (await storedSequences(database.url, projectId)).filter((s) => s >= shown[0]!);
    expect(stored.filter((s) => !shown.includes(s)), 'stored events not shown').toEqual([]);
    for (const stage of ['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']) {
      await expect.poll(() => page.locator(`[data-stage="${stage}"]`).getAttribute('data-status')).toMatch(/DONE|SKIPPED/);
    }
    await screenshot(page, '13-after-restart');
    expect(outside, 'requests to outside hosts').toEqual([]);
    // While the service is down Chromium logs the refused WebSocket and refetch attempts;
    // nothing else may fail.
    expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e)), 'page errors').toEqual([]);
    await context.close();
  });
});
