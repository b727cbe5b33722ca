/**
 * The frontend's client, for real: `@apollo/client` 4 with HttpLink for queries and mutations
 * and GraphQLWsLink (graphql-ws over the `ws` package) for subscriptions, split by operation
 * type, using the typed documents codegen makes from test/operations. HttpLink keeps Apollo's
 * default Accept (`application/graphql-response+json`): with it a 401/409 from the server still
 * reaches the app as CombinedGraphQLErrors with a readable `extensions.code` (STACK.md pitfall 7).
 */
import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AcceptInvitationDocument,
  InviteUserDocument,
  CancelProcessingDocument,
  ClassifyLineItemDocument,
  CreateProjectDocument,
  LoginDocument,
  MeDocument,
  ProjectDocument,
  ProjectsDocument,
  ProjectStatusDocument,
  SignUpDocument,
  StartProcessingDocument,
  type ProjectStatusSubscription,
} from '../generated/graphql.js';
import { example, upload } from '../helpers/client.js';
import { holdStages, stubStages } from '../helpers/held-stages.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

type StatusEvent = ProjectStatusSubscription['projectStatus'];

const PASSWORD = 'correct horse battery';
const FINAL = ['COMPLETED', 'REVIEWING', 'ERROR', 'CANCELLED'];

/** Every HTTP exchange Apollo made: what it asked for and the status it got. */
const httpLog: { accept: string | null; status: number }[] = [];
const loggingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  httpLog.push({ accept: new Headers(init?.headers).get('accept'), status: response.status });
  return response;
};

/** Everything a test opened; closed after each test. */
const opened: { apollo: ApolloClient; ws: Client }[] = [];

/** The client the way the frontend builds it: one per signed-in user. */
function apolloClient(server: TestServer, token?: string): ApolloClient {
  const authorization = token ? `Bearer ${token}` : undefined;
  const ws = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : {},
  });
  const http = new HttpLink({ uri: server.url, headers: authorization ? { authorization } : {}, fetch: loggingFetch });
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
    },
    new GraphQLWsLink(ws),
    http,
  );
  const apollo = new ApolloClient({ link, cache: new InMemoryCache() });
  opened.push({ apollo, ws });
  return apollo;
}

/** What Apollo rejected with, for assertions: fails the test if the call succeeded. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to fail');
}

/** The `extensions.code` of the first GraphQL error Apollo surfaced (and that it is one). */
function codeOf(err: unknown): unknown {
  if (!CombinedGraphQLErrors.is(err)) throw new Error(`expected CombinedGraphQLErrors, got ${String(err)}`);
  return err.errors[0]?.extensions?.code;
}

/** An Apollo subscription to projectStatus; `next(predicate)` waits for a matching event. */
function watchStatus(apollo: ApolloClient, projectId: string) {
  const events: StatusEvent[] = [];
  const errors: unknown[] = [];
  let waiters: { predicate: (e: StatusEvent) => boolean; resolve: (e: StatusEvent) => void }[] = [];
  let settle: (() => void) | null = null;
  let done = false;
  const end = () => {
    done = true;
    settle?.();
  };
  const subscription = apollo.subscribe({ query: ProjectStatusDocument, variables: { projectId } }).subscribe({
    next: (result) => {
      if (result.error) errors.push(result.error);
      const event = result.data?.projectStatus;
      if (!event) return;
      events.push(event);
      waiters = waiters.filter((w) => (w.predicate(event) ? (w.resolve(event), false) : true));
    },
    error: (err: unknown) => {
      errors.push(err);
      end();
    },
    complete: end,
  });
  return {
    events,
    errors,
    unsubscribe: () => subscription.unsubscribe(),
    next(predicate: (e: StatusEvent) => boolean, timeoutMs = 15_000): Promise<StatusEvent> {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(events.slice(-5))}`)), timeoutMs);
        waiters.push({ predicate, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    /** Resolves once the subscription has errored or completed. */
    ended(): Promise<void> {
      return done ? Promise.resolve() : new Promise((resolve) => (settle = resolve));
    },
  };
}

/** Signs up through Apollo and returns a client signed in as the new user. */
async function signUpWithApollo(server: TestServer, firmName = 'Apollo Traders') {
  const email = `apollo-${Date.now()}-${Math.random().toString(36).slice(2)}@example.in`;
  const anonymous = apolloClient(server);
  const { data } = await anonymous.mutate({
    mutation: SignUpDocument,
    variables: { input: { firmName, name: 'Meera Iyer', email, password: PASSWORD } },
  });
  const payload = must(data).signUp;
  return { email, token: payload.token, user: payload.user, apollo: apolloClient(server, payload.token) };
}

async function createProjectWithApollo(apollo: ApolloClient, name = 'Iyer Foods FY24') {
  const { data } = await apollo.mutate({ mutation: CreateProjectDocument, variables: { input: { name, clientName: 'Iyer Foods Pvt Ltd' } } });
  return must(data).createProject;
}

function must<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value');
  return value;
}

/** Fails unless the documents codegen made are typed documents (a stale or untyped build). */
function typed<TResult, TVariables>(doc: TypedDocumentNode<TResult, TVariables>) {
  return doc;
}

afterEach(async () => {
  for (const { apollo, ws } of opened.splice(0)) {
    apollo.stop();
    await ws.dispose();
  }
});
afterAll(stopAll);

describe('@apollo/client 4 against the server (gated stages)', () => {
  const gates = holdStages(stubStages());
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ deps: { stages: gates.stages } });
  });

  it('signs up, logs in and reads me with the generated typed documents', async () => {
    const account = await signUpWithApollo(server, 'Iyer & Sons');
    expect(account.user).toMatchObject({ email: account.email, name: 'Meera Iyer', firm: { name: 'Iyer & Sons' } });

    const login = await apolloClient(server).mutate({ mutation: typed(LoginDocument), variables: { email: account.email, password: PASSWORD } });
    expect(must(login.data).login.user.id).toBe(account.user.id);

    const me = await account.apollo.query({ query: MeDocument });
    expect(must(me.data).me).toMatchObject({ id: account.user.id, firm: { id: account.user.firm.id } });
  });

  it('streams a run to COMPLETED over GraphQLWsLink, and a second start while it runs surfaces CONFLICT', async () => {
    const { apollo } = await signUpWithApollo(server);
    const project = await createProjectWithApollo(apollo);
    expect(project).toMatchObject({ status: 'DRAFT', isProcessing: false });
    gates.hold(project.id, 'EXTRACT');

    const status = watchStatus(apollo, project.id);
    const first = await status.next(() => true);
    expect(first).toMatchObject({ projectId: project.id, status: 'DRAFT', progress: 0 });

    const started = await apollo.mutate({ mutation: StartProcessingDocument, variables: { projectId: project.id } });
    const payload = must(started.data).startProcessing;
    expect(payload.project).toMatchObject({ id: project.id, status: 'PROCESSING', isProcessing: true });
    expect(payload.run.stages.map((s) => s.stage)).toEqual(['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']);

    await gates.entered(project.id, 'EXTRACT');
    // The seed answered this with HTTP 409: Apollo must still hand the app a GraphQL error with its code.
    const conflict = await rejection(apollo.mutate({ mutation: StartProcessingDocument, variables: { projectId: project.id } }));
    expect(codeOf(conflict)).toBe('CONFLICT');
    // ... although it came as a 409, because Apollo asked for graphql-response+json (its default).
    expect(httpLog.at(-1)).toEqual({ accept: expect.stringMatching(/^application\/graphql-response\+json/), status: 409 });
    expect((conflict as CombinedGraphQLErrors).errors[0]?.message).toMatch(/already being processed/);

    gates.release(project.id, 'EXTRACT');
    const final = await status.next((e) => FINAL.includes(e.status));
    expect(final).toMatchObject({ status: 'COMPLETED', progress: 1, stage: null, errorMessage: null, runId: payload.run.id });
    expect(status.errors).toEqual([]);

    const sequences = status.events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    const stagesSeen = [...new Set(status.events.map((e) => e.stage).filter((s) => s !== null))];
    expect(stagesSeen).toEqual(['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']);

    // What the frontend polls agrees with the last event.
    const polled = must((await apollo.query({ query: ProjectDocument, variables: { id: project.id }, fetchPolicy: 'network-only' })).data).project;
    expect(polled).toMatchObject({ status: 'COMPLETED', isProcessing: false, currentStage: null, progress: 1 });
    expect(polled?.latestRun).toMatchObject({ id: payload.run.id, status: 'COMPLETED' });
    expect(polled?.latestRun?.stages.map((s) => s.status)).toEqual(['DONE', 'DONE', 'DONE', 'DONE', 'DONE']);

    const list = must((await apollo.query({ query: ProjectsDocument, variables: { status: 'COMPLETED' }, fetchPolicy: 'network-only' })).data).projects;
    expect(list.map((p) => p.id)).toEqual([project.id]);
  });

  it('cancels a running pipeline; the subscription sees CANCELLED', async () => {
    const { apollo } = await signUpWithApollo(server);
    const project = await createProjectWithApollo(apollo);
    gates.hold(project.id, 'CLASSIFY');
    const status = watchStatus(apollo, project.id);
    await status.next(() => true);
    await apollo.mutate({ mutation: StartProcessingDocument, variables: { projectId: project.id } });
    await gates.entered(project.id, 'CLASSIFY');

    const cancelled = must((await apollo.mutate({ mutation: CancelProcessingDocument, variables: { projectId: project.id } })).data).cancelProcessing;
    expect(cancelled).toMatchObject({ id: project.id, status: 'CANCELLED', isProcessing: false });
    expect(await status.next((e) => FINAL.includes(e.status))).toMatchObject({ status: 'CANCELLED' });
  });

  it('surfaces UNAUTHENTICATED with its code over HTTP (401) and over the WebSocket', async () => {
    const anonymous = apolloClient(server);
    expect(codeOf(await rejection(anonymous.query({ query: MeDocument })))).toBe('UNAUTHENTICATED');
    expect(httpLog.at(-1)?.status).toBe(401);
    expect(codeOf(await rejection(apolloClient(server, 'not.a.token').query({ query: MeDocument })))).toBe('UNAUTHENTICATED');
    expect(
      codeOf(await rejection(anonymous.mutate({ mutation: CreateProjectDocument, variables: { input: { name: 'No one' } } }))),
    ).toBe('UNAUTHENTICATED');

    const wrongPassword = await rejection(anonymous.mutate({ mutation: LoginDocument, variables: { email: 'nobody@example.in', password: PASSWORD } }));
    expect(codeOf(wrongPassword)).toBe('UNAUTHENTICATED');

    // A subscription without a token: an error Apollo can read, no event, nothing about HTTP.
    const { apollo: owner } = await signUpWithApollo(server);
    const project = await createProjectWithApollo(owner);
    const status = watchStatus(anonymous, project.id);
    await status.ended();
    expect(status.events).toEqual([]);
    expect(status.errors.map(codeOf)).toEqual(['UNAUTHENTICATED']);
    expect((status.errors[0] as CombinedGraphQLErrors).errors[0]?.extensions).not.toHaveProperty('http');
  });

  it('surfaces FORBIDDEN (HTTP 403) with its code when a member calls an admin-only mutation', async () => {
    const admin = await signUpWithApollo(server, 'Team firm');
    const email = `member-${Date.now()}-${Math.random().toString(36).slice(2)}@example.in`;
    const invited = await admin.apollo.mutate({ mutation: InviteUserDocument, variables: { input: { email, name: 'Member', role: 'MEMBER' } } });
    const token = new URL(must(invited.data).inviteUser.link).searchParams.get('invitation')!;
    const accepted = await apolloClient(server).mutate({ mutation: AcceptInvitationDocument, variables: { token, password: PASSWORD } });
    const member = apolloClient(server, must(accepted.data).acceptInvitation.token);
    const refused = await rejection(member.mutate({ mutation: InviteUserDocument, variables: { input: { email: `x${email}`, name: 'X', role: 'ADMIN' } } }));
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(httpLog.at(-1)).toMatchObject({ status: 403, accept: expect.stringContaining('application/graphql-response+json') });
  });

  it("surfaces NOT_FOUND for another firm's project, over HTTP (null) and the WebSocket (error, no events)", async () => {
    const { apollo: owner } = await signUpWithApollo(server, 'Owner Firm');
    const project = await createProjectWithApollo(owner);
    const { apollo: other } = await signUpWithApollo(server, 'Other Firm');

    const seen = await other.query({ query: ProjectDocument, variables: { id: project.id }, fetchPolicy: 'network-only' });
    expect(must(seen.data).project).toBeNull();
    const start = await rejection(other.mutate({ mutation: StartProcessingDocument, variables: { projectId: project.id } }));
    expect(codeOf(start)).toBe('NOT_FOUND');

    const status = watchStatus(other, project.id);
    await status.ended();
    expect(status.events).toEqual([]);
    expect(status.errors.map(codeOf)).toEqual(['NOT_FOUND']);
  });
});

describe('@apollo/client 4 against the server (real CMA stages)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });

  it('runs a clean upload to COMPLETED and reads documents, stages, line items and the report years', async () => {
    const { apollo, token } = await signUpWithApollo(server);
    const project = await createProjectWithApollo(apollo, 'Clean two years');
    const uploaded = await upload(server.url, token, project.id, { name: 'clean.csv', content: example('clean-two-years.csv') });
    expect(uploaded.errors).toBeUndefined();

    const status = watchStatus(apollo, project.id);
    await status.next(() => true);
    await apollo.mutate({ mutation: StartProcessingDocument, variables: { projectId: project.id } });
    expect(await status.next((e) => FINAL.includes(e.status))).toMatchObject({ status: 'COMPLETED', progress: 1 });

    const data = must((await apollo.query({ query: ProjectDocument, variables: { id: project.id }, fetchPolicy: 'network-only' })).data);
    const done = must(data.project);
    expect(done.documents).toEqual([expect.objectContaining({ filename: 'clean.csv', sizeBytes: Buffer.byteLength(example('clean-two-years.csv')) })]);
    expect(done.latestRun?.stages.map((s) => [s.stage, s.status])).toEqual([
      ['EXTRACT', 'DONE'],
      ['CLASSIFY', 'DONE'],
      ['REVIEW', 'DONE'],
      ['VALIDATE', 'DONE'],
      ['GENERATE', 'DONE'],
    ]);
    expect(done.lineItems.length).toBeGreaterThan(0);
    expect(done.lineItems.every((i) => i.head !== null && !i.needsReview)).toBe(true);
    expect(must(done.report).years.map((y) => y.fiscalYear).sort()).toEqual([2023, 2024]);
  });

  it('pauses for review, takes classifyLineItem answers, and completes on the next start', async () => {
    const { apollo, token } = await signUpWithApollo(server);
    const project = await createProjectWithApollo(apollo, 'Needs review');
    await upload(server.url, token, project.id, { name: 'review.csv', content: example('needs-review.csv') });
    const status = watchStatus(apollo, project.id);
    await status.next(() => true);

    await apollo.mutate({ mutation: StartProcessingDocument, variables: { projectId: project.id } });
    expect(await status.next((e) => FINAL.includes(e.status))).toMatchObject({ status: 'REVIEWING' });

    const pending = must(
      must((await apollo.query({ query: ProjectDocument, variables: { id: project.id, needsReview: true }, fetchPolicy: 'network-only' })).data).project,
    );
    expect(pending.report).toBeNull();
    expect(pending.lineItems.length).toBeGreaterThan(0);
    const again = await rejection(apollo.mutate({ mutation: StartProcessingDocument, variables: { projectId: project.id } }));
    expect(codeOf(again)).toBe('REVIEW_PENDING');

    for (const item of pending.lineItems) {
      const head = REVIEW_ANSWERS[item.label];
      if (!head) throw new Error(`no review answer for "${item.label}" (${item.statement}); add one to REVIEW_ANSWERS`);
      const classified = must((await apollo.mutate({ mutation: ClassifyLineItemDocument, variables: { lineItemId: item.id, head } })).data);
      expect(classified.classifyLineItem).toMatchObject({ id: item.id, head, confidence: 1, needsReview: false });
    }

    const before = status.events.length;
    await apollo.mutate({ mutation: StartProcessingDocument, variables: { projectId: project.id } });
    const final = await status.next((e) => status.events.indexOf(e) >= before && FINAL.includes(e.status));
    expect(final).toMatchObject({ status: 'COMPLETED' });
    const done = must(must((await apollo.query({ query: ProjectDocument, variables: { id: project.id }, fetchPolicy: 'network-only' })).data).project);
    expect(done.lineItems.some((i) => i.needsReview)).toBe(false);
    expect(must(done.report).years.map((y) => y.fiscalYear).sort()).toEqual([2023, 2024]);
  });
});

/** A person's answers for the labels of examples/needs-review.csv the classifier cannot place. */
const REVIEW_ANSWERS: Record<string, string> = {
  'Loan from Mr. Sharma': 'UNSECURED_LOANS',
  'Kotak OD A/c': 'BANK_BORROWINGS',
  'Cash Credit': 'BANK_BORROWINGS',
  'Unsecured Loans from Directors': 'UNSECURED_LOANS',
  Provisions: 'OTHER_CURRENT_LIABILITIES',
  'Statutory Dues': 'OTHER_CURRENT_LIABILITIES',
  'Security Deposits': 'OTHER_NON_CURRENT_ASSETS',
  'Loans and Advances': 'OTHER_CURRENT_ASSETS',
  'Provision for Tax': 'TAX',
  'Other Income': 'OTHER_INCOME',
  Rent: 'ADMIN_SELLING_EXPENSES',
};
