import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, gql, gqlOk, signUp } from '../helpers/client.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { jwtExpiresIn: '1h' } });
});
afterAll(stopAll);

describe('sign up, log in, me', () => {
  it('signs up a firm and its first user, then logs in with the same password', async () => {
    const account = await signUp(server.url, 'Mehta & Co');
    const me = await gqlOk(server.url, '{ me { id email name firm { id name } } }', {}, account.token);
    expect(me.me).toMatchObject({ id: account.userId, email: account.email, name: 'Asha Rao', firm: { name: 'Mehta & Co' } });

    const login = await gqlOk(server.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { id } } }', {
      e: account.email.toUpperCase(),
      p: 'correct horse battery',
    });
    expect(login.login.user.id).toBe(account.userId);
  });

  it('refuses a wrong password and an unknown email alike, with 401 UNAUTHENTICATED', async () => {
    const account = await signUp(server.url);
    for (const [email, password] of [
      [account.email, 'wrong password!!'],
      ['nobody@example.in', 'correct horse battery'],
    ]) {
      const res = await gql(server.url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: email, p: password });
      expect(res.status).toBe(401);
      expect(res.errors?.[0]).toMatchObject({ message: 'invalid email or password', extensions: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('rejects a second sign-up with the same email and weak or malformed input, naming the field', async () => {
    const account = await signUp(server.url);
    const cases: [Record<string, string>, string, string][] = [
      [{ email: account.email }, 'email', 'already registered'],
      [{ email: 'not-an-email' }, 'email', 'not a valid address'],
      [{ password: 'short' }, 'password', 'at least 10 characters'],
      [{ firmName: '   ' }, 'firmName', 'must not be empty'],
      [{ name: 'x'.repeat(201) }, 'name', 'at most 200'],
    ];
    for (const [override, field, text] of cases) {
      const input = { firmName: 'F', name: 'N', email: `fresh${Math.random()}@example.in`, password: 'long enough pw', ...override };
      const res = await gql(server.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', { input });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(res.errors?.[0]?.message).toContain(text);
    }
  });

  it('answers UNAUTHENTICATED (401) without a token, with a malformed header and with a forged token', async () => {
    const noToken = await gql(server.url, '{ me { id } }');
    expect(noToken.status).toBe(401);
    expect(noToken.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const forged = await gql(server.url, '{ me { id } }', {}, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl');
    expect(forged.errors?.[0]).toMatchObject({ message: 'token is invalid', extensions: { code: 'UNAUTHENTICATED' } });

    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Token abc' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain('Bearer');
  });

  it('rejects an expired token as expired', async () => {
    const { SignJWT } = await import('jose');
    const account = await signUp(server.url);
    const expired = await new SignJWT({ firm: account.firmId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(account.userId)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(server.config.jwtSecret);
    const res = await gql(server.url, '{ me { id } }', {}, expired);
    expect(res.errors?.[0]).toMatchObject({ message: 'token has expired', extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('projects', () => {
  it('creates a project in DRAFT with every field answerable', async () => {
    const { token } = await signUp(server.url);
    const data = await gqlOk(
      server.url,
      `mutation { createProject(input: { name: "  Gupta Steels  ", clientName: "Gupta Steels Pvt Ltd" }) {
         id name clientName status isProcessing currentStage progress errorMessage
         documents { id } latestRun { id } runs { id } lineItems { id } report { generatedAt } createdAt updatedAt } }`,
      {},
      token,
    );
    expect(data.createProject).toMatchObject({
      name: 'Gupta Steels',
      clientName: 'Gupta Steels Pvt Ltd',
      status: 'DRAFT',
      isProcessing: false,
      currentStage: null,
      progress: 0,
      errorMessage: null,
      documents: [],
      latestRun: null,
      runs: [],
      lineItems: [],
      report: null,
    });
    expect(new Date(data.createProject.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('rejects empty and over-long names with BAD_USER_INPUT naming the field', async () => {
    const { token } = await signUp(server.url);
    for (const [input, field] of [
      [{ name: '' }, 'name'],
      [{ name: 'n'.repeat(201) }, 'name'],
      [{ name: 'ok', clientName: ' ' }, 'clientName'],
    ] as const) {
      const res = await gql(server.url, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input }, token);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('lists the firm’s projects newest first, filtered by status, with page bounds', async () => {
    const { token } = await signUp(server.url);
    const first = await createProject(server.url, token, 'first');
    const second = await createProject(server.url, token, 'second');
    const list = await gqlOk(server.url, '{ projects { id } drafts: projects(status: DRAFT, first: 1) { id } done: projects(status: COMPLETED) { id } }', {}, token);
    expect(list.projects.map((p: { id: string }) => p.id)).toEqual([second, first]);
    expect(list.drafts).toEqual([{ id: second }]);
    expect(list.done).toEqual([]);
    const tooMany = await gql(server.url, '{ projects(first: 201) { id } }', {}, token);
    expect(tooMany.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
  });

  it('keeps firms apart: another firm’s project reads as null / NOT_FOUND, exactly like a missing one', async () => {
    const owner = await signUp(server.url);
    const other = await signUp(server.url);
    const projectId = await createProject(server.url, owner.token);
    const missing = '00000000-0000-4000-8000-000000000000';

    const read = await gqlOk(server.url, 'query($id: ID!) { project(id: $id) { id } }', { id: projectId }, other.token);
    expect(read.project).toBeNull();
    const list = await gqlOk(server.url, '{ projects { id } }', {}, other.token);
    expect(list.projects).toEqual([]);

    for (const id of [projectId, missing]) {
      const start = await gql(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id) { message } }', { id }, other.token);
      expect(start.errors?.[0]).toMatchObject({ message: 'project not found', extensions: { code: 'NOT_FOUND' } });
      const cancel = await gql(server.url, 'mutation($id: ID!) { cancelProcessing(projectId: $id) { id } }', { id }, other.token);
      expect(cancel.errors?.[0]).toMatchObject({ message: 'project not found', extensions: { code: 'NOT_FOUND' } });
    }
    const own = await gqlOk(server.url, 'query($id: ID!) { project(id: $id) { id } }', { id: projectId }, owner.token);
    expect(own.project.id).toBe(projectId);
  });

  it('rejects a malformed id with BAD_USER_INPUT before it reaches the database', async () => {
    const { token } = await signUp(server.url);
    const res = await gql(server.url, '{ project(id: "1; drop table cma_projects") { id } }', {}, token);
    expect(res.errors?.[0]).toMatchObject({ message: 'id is not a valid id', extensions: { code: 'BAD_USER_INPUT' } });
  });
});
