import { Writable } from 'node:stream';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GRAPHQL_LIMITS } from '../../src/plugins/graphql-limits.js';
import { closeClients, collect, createProject, gql, gqlOk, signUp, wsClient } from '../helpers/client.js';
import { holdStages, stubStages } from '../helpers/held-stages.js';
import { PROJECT, START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll } from '../helpers/server.js';

afterEach(closeClients);
afterAll(stopAll);

describe('GraphQL limits', () => {
  it('refuses too deep, too many aliases, too many tokens, too costly, with BAD_USER_INPUT and no execution', async () => {
    const server = await startTestServer();
    const { token } = await signUp(server.url);
    // The shapes the UI and GraphiQL really send pass.
    const ui = `{ me { firm { id } } projects { latestRun { stages { stage } } runs { stages { stage } } documents { id } } }`;
    expect((await gql(server.url, ui, {}, token)).errors).toBeUndefined();
    expect((await gql(server.url, getIntrospectionQuery())).errors).toBeUndefined();

    let ofType = 'name';
    for (let i = 0; i < GRAPHQL_LIMITS.maxDepth; i++) ofType = `ofType { ${ofType} }`;
    const depth = await gql(server.url, `{ __type(name: "Project") { fields { type { ${ofType} } } } }`, {}, token);
    const aliases = await gql(server.url, `{ ${Array.from({ length: GRAPHQL_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: me { id }`).join(' ')} }`, {}, token);
    const tokens = await gql(server.url, `{ me { ${'id '.repeat(GRAPHQL_LIMITS.maxTokens)} } }`, {}, token);
    const page = '{ projects(first: 200) { id name latestRun { status stages { stage status progress } } } }';
    expect((await gql(server.url, page, {}, token)).errors).toBeUndefined();
    const cost = await gql(server.url, '{ projects(first: 200) { lineItems(first: 1000) { id label amount } } }', {}, token);
    for (const [name, res] of Object.entries({ depth, aliases, tokens, cost })) {
      expect(res.errors?.[0]?.extensions?.code, name).toBe('BAD_USER_INPUT');
      expect(res.data ?? null, name).toBeNull();
      expect(res.status, name).toBe(400);
    }
    // Deep nesting is refused by the depth limit or, first, by the cost that grows with depth.
    expect(depth.errors?.[0]?.message).toMatch(/depth|cost/i);
    expect(aliases.errors?.[0]?.message).toMatch(/alias/i);
    expect(tokens.errors?.[0]?.message).toMatch(/token/i);
    expect(cost.errors?.[0]?.message).toMatch(/cost/i);
  });

  it('refuses a JSON body over 1 MB before reading it', async () => {
    const server = await startTestServer();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('turns introspection and field suggestions off when configured', async () => {
    const server = await startTestServer({ config: { introspection: false } });
    const res = await gql(server.url, '{ __schema { types { name } } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await gql(server.url, '{ projectz { id } }');
    expect(typo.errors?.[0]?.message).not.toMatch(/did you mean/i);
  });
});

describe('rate limits', () => {
  it('limits login attempts per email, then per address, with RATE_LIMITED (429)', async () => {
    const server = await startTestServer({ config: { rateLimits: { loginPerEmail: 3, loginPerIp: 5, startsPerFirm: 100 } } });
    const account = await signUp(server.url);
    const login = (email: string, password: string) =>
      gql(server.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: email, p: password });
    for (let i = 0; i < 3; i++) expect((await login(account.email, 'wrong password!')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const limited = await login(account.email, 'correct horse battery');
    expect(limited.status).toBe(429);
    expect(limited.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(limited.errors?.[0]?.message).toMatch(/too many login attempts for this email; try again in \d+ s/);
    // Other emails from the same address: the address limit (5) trips next.
    expect((await login('a@example.in', 'whatever password')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const byAddress = await login('b@example.in', 'whatever password');
    expect(byAddress.errors?.[0]?.message).toMatch(/from this address/);
  });

  it('limits processing starts per firm', async () => {
    const server = await startTestServer({ config: { rateLimits: { loginPerEmail: 100, loginPerIp: 100, startsPerFirm: 2 } } });
    const { token } = await signUp(server.url);
    const ids = [await createProject(server.url, token), await createProject(server.url, token), await createProject(server.url, token)];
    const results = [];
    for (const id of ids) results.push(await gql(server.url, START, { id }, token));
    expect(results.slice(0, 2).every((r) => r.data?.startProcessing)).toBe(true);
    expect(results[2]!.status).toBe(429);
    expect(results[2]!.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Another firm is not affected.
    const other = await signUp(server.url);
    expect((await gql(server.url, START, { id: await createProject(server.url, other.token) }, other.token)).data?.startProcessing).toBeTruthy();
  });
});

describe('HTTP hardening', () => {
  it('sets security headers and answers CORS only for configured origins', async () => {
    const server = await startTestServer({ config: { corsOrigins: ['https://app.example.in'] } });
    const allowed = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://app.example.in', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.in');
    const denied = await fetch(server.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(denied.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    const res = await fetch(`${server.base}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('WebSocket limits', () => {
  it('closes connections over the per-address limit and refuses subscriptions over the per-connection limit', async () => {
    const server = await startTestServer({ config: { ws: { maxConnectionsPerIp: 2, maxSubscriptionsPerConnection: 2, maxBufferedBytes: 8 * 1024 * 1024 } } });
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const first = wsClient(server.wsUrl, token);
    const subs = [0, 1, 2].map(() => collect<StatusEvent>(first, STATUS, { id: projectId }));
    await subs[0]!.next(() => true);
    await subs[1]!.next(() => true);
    await subs[2]!.ended();
    expect(JSON.stringify(subs[2]!.errors)).toContain('too many subscriptions on this connection (max 2)');

    wsClient(server.wsUrl, token);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      const third = wsClient(server.wsUrl, token, { on: { closed: (e) => resolve(e as { code: number; reason: string }) } });
      third.subscribe({ query: '{ __typename }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('Too many connections from this address (max 2)');
  });
});

describe('a subscriber that stops reading', () => {
  it('is closed with 1013 once more than WS_MAX_BUFFERED_BYTES wait for it, and other subscribers go on', async () => {
    const server = await startTestServer({
      config: { ws: { maxConnectionsPerIp: 100, maxSubscriptionsPerConnection: 10, maxBufferedBytes: 64 * 1024 } },
    });
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const NARROW = 'subscription($id: ID!) { projectStatus(projectId: $id) { sequence } }';
    const reader = collect<{ projectStatus: { sequence: number } }>(wsClient(server.wsUrl, token), NARROW, { id: projectId });
    await reader.next(() => true);

    // A raw graphql-transport-ws client, so the test can stop reading its TCP socket.
    const slow = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    let nexts = 0;
    const acked = new Promise((resolve) => slow.on('message', (data) => (JSON.parse(String(data)).type === 'connection_ack' ? resolve(undefined) : undefined)));
    const first = new Promise((resolve) => slow.on('message', (data) => (JSON.parse(String(data)).type === 'next' && ++nexts === 1 ? resolve(undefined) : undefined)));
    const closed = new Promise<number>((resolve) => slow.on('close', (code) => resolve(code)));
    await new Promise((resolve) => slow.once('open', resolve));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await acked;
    slow.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: STATUS, variables: { id: projectId } } }));
    await first;
    const tcp = (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();

    // 42 MB for the paused client, more than loopback's socket buffers can hold (at most 4 MB
    // to send and 32 MB to receive here), published as the runner publishes.
    const [row] = await server.app.services.sql.query<{ last: number }>('select last_sequence as last from cma_projects where id = $1', [projectId]);
    const events = 2_600;
    for (let i = 1; i <= events; i++) {
      server.app.services.pubsub.publish('project:status', projectId, {
        projectId, runId: null, sequence: row!.last + i, status: 'PROCESSING', stage: 'EXTRACT', progress: 0.5,
        message: 'x'.repeat(16_000), errorMessage: null, at: new Date(),
      });
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // The reader, with a small selection, keeps up and gets every event.
    await reader.next((e) => e.projectStatus.sequence === row!.last + events);
    expect(reader.completed).toBe(false);

    tcp.resume();
    expect(await closed).toBe(1013);
    expect(nexts).toBeLessThan(events);
  });
});

describe('stage timeout', () => {
  it('ends a run whose stage hangs past STAGE_TIMEOUT_SECONDS in ERROR naming the stage', async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'CLASSIFY');
    const server = await startTestServer({ config: { stageTimeoutSeconds: 1 }, deps: { stages: gates.stages } });
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await gqlOk(server.url, START, { id: projectId }, token);
    const final = await sub.next((e) => e.projectStatus.status === 'ERROR');
    expect(final.projectStatus.errorMessage).toBe('CLASSIFY failed: timed out after 1 s (STAGE_TIMEOUT_SECONDS)');
    const polled = await gqlOk(server.url, PROJECT, { id: projectId }, token);
    expect(polled.project).toMatchObject({ status: 'ERROR', isProcessing: false });
  });
});

describe('secrets', () => {
  it('never logs or returns a password, its hash or a token', async () => {
    const lines: string[] = [];
    const logTo = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const server = await startTestServer({ config: { logLevel: 'trace' }, logTo });
    const account = await signUp(server.url);
    const wrong = await gql(server.url, 'mutation($e: String!) { login(email: $e, password: "not the password") { token } }', { e: account.email });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const me = await gql(server.url, '{ me { id email name firm { id name } } }', {}, account.token);
    const body = JSON.stringify([me, wrong]);
    expect(body).not.toContain('scrypt$');
    expect(body).not.toContain('correct horse battery');
    const introspected = await gql(server.url, '{ __type(name: "User") { fields { name } } }');
    const fields = (introspected.data as { __type: { fields: { name: string }[] } }).__type.fields.map((f) => f.name);
    expect(fields).not.toContain('passwordHash');
    const rows = await server.app.services.sql.query<{ hash: string }>('select password_hash as hash from users where email = $1', [account.email]);
    expect(rows[0]!.hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of ['correct horse battery', 'not the password', rows[0]!.hash, account.token]) expect(log).not.toContain(secret);
  });
});
