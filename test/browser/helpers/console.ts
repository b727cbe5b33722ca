import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { gqlOk } from '../../helpers/client.js';

/** Signs up a firm over the API and returns the session the console keeps in localStorage. */
export async function apiSession(url: string, firmName: string) {
  const email = `${firmName.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.in`;
  const data = await gqlOk<{ signUp: { token: string; user: { id: string; email: string; name: string; firm: { id: string; name: string } } } }>(
    url,
    `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email name firm { id name } } } }`,
    { input: { firmName, name: 'Asha Rao', email, password: 'correct horse battery' } },
  );
  return data.signUp;
}

/** Every page of `context` starts signed in as `session` (what the sign-in screen stores). */
export async function signInContext(context: BrowserContext, session: { token: string }): Promise<void> {
  await context.addInitScript((value) => {
    if (!localStorage.getItem('cma-console.session')) localStorage.setItem('cma-console.session', value);
  }, JSON.stringify(session));
}

/** The sequences in the page's activity log, in the order shown. */
export async function shownSequences(page: Page): Promise<number[]> {
  const values = await page.locator('[aria-label="Activity"] li').evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-sequence'))));
  return values;
}

/** Asserts each sequence appears once and in increasing order. */
export function expectOnceInOrder(sequences: number[]): void {
  expect(sequences.length).toBeGreaterThan(0);
  expect(new Set(sequences).size).toBe(sequences.length);
  expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
}

/** The status badge of the project page's heading. */
export function projectStatus(page: Page) {
  return page.locator('#project-title .badge');
}

/** Drops a file on the drop zone the way a browser does: a DataTransfer carrying a File. */
export async function dropFile(page: Page, name: string, content: string, type = 'text/csv'): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, content, type }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([content], name, { type }));
      return dt;
    },
    { name, content, type },
  );
  const zone = page.getByTestId('dropzone');
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
}
