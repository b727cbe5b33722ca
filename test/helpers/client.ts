import { readFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown }; path?: unknown[] }[];
}

/** A plain GraphQL-over-HTTP call, the way curl or a browser would make it. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: res.status, ...body };
}

/** Like gql, but fails the test on any error; returns data. */
export async function gqlOk<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await gql<T>(url, query, variables, token);
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

let counter = 0;
/** Signs up a fresh firm and user; returns the token and ids. */
export async function signUp(url: string, firmName = `Firm ${++counter}`) {
  const email = `user${Date.now()}-${++counter}-${Math.random().toString(36).slice(2)}@example.in`;
  const data = await gqlOk<{ signUp: { token: string; user: { id: string; firm: { id: string } } } }>(
    url,
    `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id firm { id } } } }`,
    { input: { firmName, name: 'Asha Rao', email, password: 'correct horse battery' } },
  );
  return { token: data.signUp.token, userId: data.signUp.user.id, firmId: data.signUp.user.firm.id, email };
}

export async function createProject(url: string, token: string, name = 'Sharma Textiles FY24'): Promise<string> {
  const data = await gqlOk<{ createProject: { id: string } }>(
    url,
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    { input: { name } },
    token,
  );
  return data.createProject.id;
}

/** A GraphQL multipart upload (the spec's operations/map/file parts). */
export async function upload(
  url: string,
  token: string,
  projectId: string,
  file: { name: string; type?: string; content: string | Buffer },
): Promise<GraphQLResponse<{ uploadDocument: { id: string; filename: string; sizeBytes: number; sha256: string } }>> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query: 'mutation($projectId: ID!, $file: File!) { uploadDocument(projectId: $projectId, file: $file) { id filename sizeBytes sha256 } }',
      variables: { projectId, file: null },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], { type: file.type ?? 'text/csv' }), file.name);
  const res = await fetch(url, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, ...((await res.json()) as object) };
}

export function example(name: string): string {
  return readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');
}

/** A graphql-ws client over a real WebSocket; closed by the caller (or `closeClients`). */
export function wsClient(wsUrl: string, token?: string, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    ...extra,
  });
  clients.add(client);
  return client;
}
const clients = new Set<Client>();
export async function closeClients(): Promise<void> {
  await Promise.all([...clients].map((c) => c.dispose()));
  clients.clear();
}

/** Collects a subscription's events; `next(predicate)` waits for the first matching one. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown>) {
  const events: T[] = [];
  const errors: unknown[] = [];
  let waiters: { predicate: (e: T) => boolean; resolve: (e: T) => void }[] = [];
  let completed = false;
  let onEnd: (() => void) | null = null;
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (!result.data) return;
        const event = result.data as T;
        events.push(event);
        waiters = waiters.filter((w) => (w.predicate(event) ? (w.resolve(event), false) : true));
      },
      error: (err) => {
        errors.push(err);
        completed = true;
        onEnd?.();
      },
      complete: () => {
        completed = true;
        onEnd?.();
      },
    },
  );
  return {
    events,
    errors,
    unsubscribe,
    get completed() {
      return completed;
    },
    /** Resolves with the first event (already seen or future) matching `predicate`. */
    next(predicate: (e: T) => boolean, timeoutMs = 20_000): Promise<T> {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events.slice(-5))}`)), timeoutMs);
        waiters.push({ predicate, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    ended(): Promise<void> {
      if (completed) return Promise.resolve();
      return new Promise((resolve) => (onEnd = resolve));
    },
  };
}
