import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The GraphQL documents the bench sends. Selections are what a client of that figure needs:
 * the start mutation asks for the claimed state, not the run's stage list (which is a second
 * query and not part of the claim path).
 */
export const START = `mutation Start($projectId: ID!) {
  startProcessing(projectId: $projectId) { message project { id status isProcessing } run { id status } }
}`;
export const ME = `query Me { me { id email name firm { id name } } }`;
export const STATUS = `subscription Status($projectId: ID!) {
  projectStatus(projectId: $projectId) { projectId runId sequence status stage progress message errorMessage at }
}`;

export interface GqlResult<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A setup call (not measured): fails loudly on any error. */
export async function gqlOk<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlResult<T>;
  if (body.errors?.length || !body.data) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

export interface Account {
  token: string;
  userId: string;
  firmId: string;
}

export async function signUp(url: string, firmName: string): Promise<Account> {
  const email = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.in`;
  const data = await gqlOk<{ signUp: { token: string; user: { id: string; firm: { id: string } } } }>(
    url,
    `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id firm { id } } } }`,
    { input: { firmName, name: 'Bench User', email, password: 'correct horse battery staple' } },
  );
  return { token: data.signUp.token, userId: data.signUp.user.id, firmId: data.signUp.user.firm.id };
}

/** Uploads a CSV through the API's multipart mutation, as a user would. */
export async function uploadCsv(url: string, token: string, projectId: string, file: string): Promise<string> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: 'mutation($projectId: ID!, $file: File!) { uploadDocument(projectId: $projectId, file: $file) { id } }',
      variables: { projectId, file: null },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([await readFile(file)], { type: 'text/csv' }), path.basename(file));
  const res = await fetch(url, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as GqlResult<{ uploadDocument: { id: string } }>;
  if (body.errors?.length || !body.data) throw new Error(`upload failed (${res.status}): ${JSON.stringify(body.errors)}`);
  return body.data.uploadDocument.id;
}
