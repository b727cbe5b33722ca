import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';
import { createProject, example, upload } from '../helpers/client.js';
import { createTestDatabase } from '../helpers/database.js';
import { holdStages, type HeldStages } from '../helpers/held-stages.js';
import { startTestServer, stopAll, testConfig, type TestServer } from '../helpers/server.js';
import { collectPageErrors, launchChromium, offlineContext, screenshot } from './helpers/chromium.js';
import { apiSession, dropFile, expectOnceInOrder, projectStatus, shownSequences, signInContext } from './helpers/console.js';

/**
 * The console as an accountant uses it, in real Chromium with the network cut off, on the real
 * service and the real CMA stages with the files from examples/.
 */
let server: TestServer;
let held: HeldStages;
let browser: Browser;
const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-browser-'));
const STAGES = ['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE'];

beforeAll(async () => {
  const database = await createTestDatabase();
  held = holdStages(createCmaStages({ reviewThreshold: testConfig().reviewThreshold, databaseUrl: database.url }));
  server = await startTestServer({ database, config: { dataDir }, deps: { stages: held.stages } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

async function newPage(session?: { token: string }, viewport?: { width: number; height: number }) {
  const { context, outside } = await offlineContext(browser, server.base, { viewport });
  if (session) await signInContext(context, session);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  return { context, page, outside, errors };
}

/** Creates a project from the projects screen and lands on its page. */
async function createProjectInUi(page: Page, name: string): Promise<string> {
  await page.getByLabel('Project name').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL(/\/projects\/[^/]+$/);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
}

async function uploadWithPicker(page: Page, file: string): Promise<void> {
  await page.getByLabel(/Statements \(CSV or Excel/).setInputFiles({ name: file, mimeType: 'text/csv', buffer: Buffer.from(example(file)) });
  await expect.poll(() => page.getByRole('list', { name: 'Uploaded documents' }).textContent()).toContain(file);
}

describe('the web console in Chromium', () => {
  it('sign up (by keyboard) → upload (drag and drop) → process → COMPLETED, every stage shown live, then the report', async () => {
    const { context, page, outside, errors } = await newPage();
    await page.goto(`${server.base}/`);
    await page.waitForURL(/\/sign-in$/);
    await screenshot(page, '01-sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Firm name').focus();
    // Keyboard only: type, Tab to the next field, Enter to submit.
    await page.keyboard.type('Mehta & Co');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Asha Rao');
    await page.keyboard.press('Tab');
    await page.keyboard.type(`asha-${Date.now()}@mehta.example`);
    await page.keyboard.press('Tab');
    await page.keyboard.type('a long passphrase');
    await screenshot(page, '02-sign-up');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New project' }).waitFor();

    const projectId = await createProjectInUi(page, 'Sharma Textiles FY24');
    await dropFile(page, 'clean-two-years.csv', example('clean-two-years.csv'));
    await expect.poll(() => page.getByRole('list', { name: 'Uploaded documents' }).textContent()).toContain('clean-two-years.csv');
    await screenshot(page, '04-project-uploaded');

    // Hold GENERATE so the page can be seen mid-run: earlier stages done, the bars live.
    held.hold(projectId, 'GENERATE');
    await page.getByRole('button', { name: 'Process' }).click();
    await held.entered(projectId, 'GENERATE');
    await expect.poll(() => page.locator('[data-stage="GENERATE"]').getAttribute('data-status')).toBe('RUNNING');
    await expect.poll(() => page.locator('[data-stage="EXTRACT"]').getAttribute('data-status')).toBe('DONE');
    await expect(page.getByRole('button', { name: 'Cancel' }).isVisible()).resolves.toBe(true);
    await screenshot(page, '05-run-in-progress');
    held.release(projectId, 'GENERATE');

    await expect.poll(() => projectStatus(page).getAttribute('data-status'), { timeout: 60_000 }).toBe('COMPLETED');
    for (const stage of STAGES) {
      const item = page.locator(`[data-stage="${stage}"]`);
      await expect.poll(() => item.getAttribute('data-status')).toMatch(/DONE|SKIPPED/);
      expect(await page.getByLabel(new RegExp(`^${stage}`)).first().isVisible()).toBe(true);
    }
    // Each stage's own messages, as they came.
    expect(await page.getByRole('list', { name: 'EXTRACT messages' }).textContent()).toContain('EXTRACT finished');
    const report = page.getByRole('table', { name: 'Key figures by year' });
    await report.waitFor();
    expect(await report.textContent()).toMatch(/FY2023.*FY2024|FY2024.*FY2023/);
    expect(await report.textContent()).toContain('MPBF');
    // Form II with its net sales row, years as `FY 2023-24`, amounts in ₹ lakh.
    const formII = page.getByRole('table', { name: /^Form II\b/ });
    await formII.waitFor();
    const netSales = formII.locator('tr[data-code="NET_SALES"]');
    expect(await netSales.getByRole('rowheader').textContent()).toContain('Net sales');
    expect(await formII.textContent()).toContain('FY 2023-24');
    // The ratios with formula, benchmark and a met / not met mark in words.
    const ratios = page.getByRole('table', { name: 'Ratios' });
    const currentRatio = ratios.getByRole('row', { name: /Current ratio/ });
    expect(await currentRatio.textContent()).toContain('≥ 1.33');
    expect(await currentRatio.textContent()).toMatch(/✓ Met|✗ Not met/);
    await page.locator('.activity summary').click();
    expectOnceInOrder(await shownSequences(page));
    await screenshot(page, '06-report');
    // Download: a signed link from reportDownloadUrl, fetched by the browser as an .xlsx file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download workbook (.xlsx)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    expect(await download.failure()).toBeNull();
    // At phone width nothing makes the page scroll sideways, and a form row reads as its label
    // on a line of its own with the years under it: no sideways scrolling for a few years, no
    // label wrapped to a few words a line.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    const netSalesRow = await netSales.boundingBox();
    const netSalesLabel = await netSales.locator('th').boundingBox();
    expect(netSalesLabel!.width).toBeGreaterThan(netSalesRow!.width * 0.9);
    expect(await page.evaluate(() => [...document.querySelectorAll('.report-form .scroll')].every((el) => el.scrollWidth <= el.clientWidth + 1))).toBe(true);
    await expect.poll(() => page.getByRole('table', { name: /^Form II\b/ }).count()).toBe(1);
    await screenshot(page, '06-report-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Back to the list: the project with its status.
    await page.getByRole('link', { name: 'Projects' }).click();
    const row = page.getByRole('row', { name: /Sharma Textiles FY24/ });
    await expect.poll(() => row.textContent()).toContain('Completed');
    await screenshot(page, '03-projects');

    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('needs review → pick heads → continue → COMPLETED', async () => {
    const session = await apiSession(server.url, 'Review Firm');
    const { context, page, errors } = await newPage(session);
    await page.goto(`${server.base}/`);
    await createProjectInUi(page, 'Gupta Traders');
    await uploadWithPicker(page, 'needs-review.csv');
    await page.getByRole('button', { name: 'Process' }).click();
    await expect.poll(() => projectStatus(page).getAttribute('data-status'), { timeout: 60_000 }).toBe('REVIEWING');
    const selects = page.getByRole('combobox', { name: /^Head for / });
    await expect.poll(() => selects.count()).toBeGreaterThan(0);
    await screenshot(page, '07-review');
    for (const select of await selects.all()) {
      const name = (await select.getAttribute('id'))!;
      const label = await page.locator(`label[for="${name}"]`).textContent();
      await select.selectOption(label!.includes('Kotak OD') ? 'BANK_BORROWINGS' : 'UNSECURED_LOANS');
    }
    await page.getByRole('button', { name: 'Save and continue processing' }).click();
    await expect.poll(() => projectStatus(page).getAttribute('data-status'), { timeout: 60_000 }).toBe('COMPLETED');
    await page.getByRole('table', { name: 'Key figures by year' }).waitFor();
    // The continued run did not redo the stages before REVIEW.
    await expect.poll(() => page.locator('[data-stage="EXTRACT"]').getAttribute('data-status')).toBe('SKIPPED');
    await screenshot(page, '08-review-completed');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a bad file ends in an error that names its stage and row', async () => {
    const session = await apiSession(server.url, 'Error Firm');
    const { context, page, errors } = await newPage(session, { width: 390, height: 844 });
    await page.goto(`${server.base}/`);
    await createProjectInUi(page, 'Bad amounts');
    await uploadWithPicker(page, 'bad-amount.csv');
    await page.getByRole('button', { name: 'Process' }).click();
    const failure = page.getByTestId('run-error');
    await failure.waitFor({ timeout: 60_000 });
    const text = (await failure.textContent())!;
    expect(text).toContain('at EXTRACT');
    expect(text).toMatch(/row 6\b/);
    await expect.poll(() => page.locator('[data-stage="EXTRACT"]').getAttribute('data-status')).toBe('FAILED');
    // Phone width: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, '09-error-phone');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a token the server no longer accepts sends the person back to sign in, with a plain message', async () => {
    const session = await apiSession(server.url, 'Expired Firm');
    // Same claims, one more day of life, a signature that no longer matches: the server refuses it.
    const [head, payload] = session.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { exp: number };
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString('base64url')}.AAAA`;
    const { context, page, errors } = await newPage({ ...session, token: forged });
    await page.goto(`${server.base}/`);
    await page.waitForURL(/\/sign-in$/);
    expect(await page.getByRole('alert').first().textContent()).toBe('Your session has ended. Please sign in again.');
    await page.getByLabel('Email').fill(session.user.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('.error').textContent()).toBe('That email and password do not match an account.');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New project' }).waitFor();
    // Chromium logs the refused requests (401) as console errors; nothing else may fail.
    expect(errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
    await context.close();
  });

  it('a second tab on the same project follows the same run live; Cancel stops it', async () => {
    const session = await apiSession(server.url, 'Two Tabs');
    const { context, page, errors } = await newPage(session);
    await page.goto(`${server.base}/`);
    const projectId = await createProjectInUi(page, 'Two tabs');
    await uploadWithPicker(page, 'clean-two-years.csv');
    const second = await context.newPage();
    const secondErrors: string[] = [];
    second.on('pageerror', (e) => secondErrors.push(e.message));
    await second.goto(page.url());
    await projectStatus(second).waitFor();

    held.hold(projectId, 'CLASSIFY');
    await page.getByRole('button', { name: 'Process' }).click();
    await held.entered(projectId, 'CLASSIFY');
    for (const p of [page, second]) await expect.poll(() => p.locator('[data-stage="CLASSIFY"]').getAttribute('data-status')).toBe('RUNNING');
    await screenshot(second, '10-second-tab');
    held.release(projectId, 'CLASSIFY');
    for (const p of [page, second]) await expect.poll(() => projectStatus(p).getAttribute('data-status'), { timeout: 60_000 }).toBe('COMPLETED');
    for (const p of [page, second]) await p.locator('.activity summary').click();
    const first = await shownSequences(page);
    expectOnceInOrder(first);
    expect(await shownSequences(second)).toEqual(first);

    // On a project whose documents are unprocessed: a run started in one tab and cancelled
    // from the other; both see CANCELLED.
    const other = await createProject(server.url, session.token, 'Cancelled in the other tab');
    expect((await upload(server.url, session.token, other, { name: 'clean-two-years.csv', content: example('clean-two-years.csv') })).errors).toBeUndefined();
    held.hold(other, 'EXTRACT');
    for (const p of [page, second]) {
      await p.goto(`${server.base}/projects/${other}`);
      await projectStatus(p).waitFor();
    }
    await second.bringToFront();
    await second.getByRole('button', { name: 'Process' }).click();
    await held.entered(other, 'EXTRACT');
    await page.bringToFront(); // a background tab gets no animation frames: clicks wait for one
    await page.getByRole('button', { name: 'Cancel' }).click();
    for (const p of [page, second]) await expect.poll(() => projectStatus(p).getAttribute('data-status'), { timeout: 30_000 }).toBe('CANCELLED');
    await screenshot(page, '11-cancelled');
    expect([...errors, ...secondErrors]).toEqual([]);
    await context.close();
  });
});
