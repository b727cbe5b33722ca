/**
 * projectStatus over GraphQL over Server-Sent Events ("distinct connections" mode): a POST to
 * /graphql with `Accept: text/event-stream`, the operation in the JSON body, the token in the
 * Authorization header. Read with plain fetch, the way an EventSource polyfill or curl would.
 */
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProject, gqlOk, signUp } from '../helpers/client.js';
import { holdStages, stubStages } from '../helpers/held-stages.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

const STATUS = `subscription($id: ID!, $after: Int) { projectStatus(projectId: $id, afterSequence: $after) {
  projectId runId sequence status stage progress message errorMessage at } }`;
const START = 'mutation($id: ID!) { startProcessing(projectId: $id) { project { status } run { id } } }';
const FINAL = ['COMPLETED', 'REVIEWING', 'ERROR', 'CANCELLED'];

interface StatusEvent {
  projectId: string;
  runId: string | null;
  sequence: number;
  status: string;
  stage: string | null;
  progress: number;
  message: string | null;
  errorMessage: string | null;
  at: string;
}
interface Payload {
  data?: { projectStatus: StatusEvent } | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One SSE message as the spec frames it: `event:` and `data:` lines, a blank line after. */
interface SseMessage {
  event: string;
  data: string;
}

const streams = new Set<AbortController>();

/**
 * Opens the subscription as an SSE stream and parses it as it arrives. `next(predicate)` waits
 * for a matching `next` payload; `ended()` resolves when the server sends `complete` or closes.
 */
async function sseSubscribe(url: string, variables: Record<string, unknown>, token?: string) {
  const abort = new AbortController();
  streams.add(abort);
  const response = await fetch(url, {
    method: 'POST',
    signal: abort.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: STATUS, variables }),
  });
  const messages: SseMessage[] = [];
  const payloads: Payload[] = [];
  let waiters: { predicate: (p: Payload) => boolean; resolve: (p: Payload) => void }[] = [];

  const reading = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message = parseBlock(block);
          if (!message) continue; // a keep-alive comment (":")
          messages.push(message);
          if (message.event === 'complete') return;
          if (message.event !== 'next') continue;
          const payload = JSON.parse(message.data) as Payload;
          payloads.push(payload);
          waiters = waiters.filter((w) => (w.predicate(payload) ? (w.resolve(payload), false) : true));
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();

  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    messages,
    payloads,
    /** The projectStatus events so far, in arrival order. */
    get events(): StatusEvent[] {
      return payloads.flatMap((p) => (p.data?.projectStatus ? [p.data.projectStatus] : []));
    },
    next(predicate: (e: StatusEvent) => boolean, timeoutMs = 15_000): Promise<StatusEvent> {
      const matches = (p: Payload) => !!p.data?.projectStatus && predicate(p.data.projectStatus);
      const seen = payloads.find(matches);
      if (seen) return Promise.resolve(seen.data!.projectStatus);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching SSE event in ${timeoutMs} ms; got ${JSON.stringify(payloads.slice(-5))}`)), timeoutMs);
        waiters.push({ predicate: matches, resolve: (p) => (clearTimeout(timer), resolve(p.data!.projectStatus)) });
      });
    },
    ended: () => reading,
    close: () => abort.abort(),
  };
}

function parseBlock(block: string): SseMessage | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    if (field === 'data') data.push(value);
  }
  if (data.length === 0 && event === 'message') return null;
  return { event, data: data.join('\n') };
}

const gates = holdStages(stubStages());
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ deps: { stages: gates.stages } });
});
afterEach(() => {
  for (const abort of streams) abort.abort();
  streams.clear();
});
afterAll(stopAll);

async function newProject(firmName?: string) {
  const account = await signUp(server.url, firmName);
  return { ...account, projectId: await createProject(server.url, account.token) };
}

describe('projectStatus over SSE', () => {
  it('sends the current state first, then every change through to COMPLETED, as `event: next` messages', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'EXTRACT');
    const stream = await sseSubscribe(server.url, { id: projectId }, token);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);

    const first = await stream.next(() => true);
    expect(first).toMatchObject({ projectId, status: 'DRAFT', stage: null, progress: 0, runId: null });

    const started = await gqlOk(server.url, START, { id: projectId }, token);
    expect(started.startProcessing.project.status).toBe('PROCESSING');
    await gates.entered(projectId, 'EXTRACT');
    expect(await stream.next((e) => e.stage === 'EXTRACT')).toMatchObject({ status: 'PROCESSING' });
    gates.release(projectId, 'EXTRACT');

    const final = await stream.next((e) => FINAL.includes(e.status));
    expect(final).toMatchObject({ status: 'COMPLETED', progress: 1, stage: null, runId: started.startProcessing.run.id });

    expect(stream.messages.every((m) => m.event === 'next')).toBe(true); // the stream stays open after a run
    expect(stream.payloads.every((p) => p.errors === undefined)).toBe(true);
    const sequences = stream.events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    expect([...new Set(stream.events.map((e) => e.stage).filter((s) => s !== null))]).toEqual(['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']);
    stream.close();

    // A reconnecting client passes the last sequence it saw and gets every stored change after it.
    const resumeAfter = first.sequence;
    const replay = await sseSubscribe(server.url, { id: projectId, after: resumeAfter }, token);
    const replayedFinal = await replay.next((e) => FINAL.includes(e.status));
    expect(replayedFinal).toMatchObject({ status: 'COMPLETED', sequence: final.sequence });
    const replayed = replay.events.map((e) => e.sequence);
    expect(replayed.every((s) => s > resumeAfter)).toBe(true);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
    // Stored changes are the stage starts and ends and the final status: all seen live as well.
    expect(replayed.every((s) => sequences.includes(s))).toBe(true);
    expect(replay.events.filter((e) => e.message?.endsWith(' started') && e.stage).map((e) => e.stage)).toEqual([
      'EXTRACT',
      'CLASSIFY',
      'REVIEW',
      'VALIDATE',
      'GENERATE',
    ]);
  });

  it("answers another firm's project with NOT_FOUND and no events, then completes the stream", async () => {
    const owner = await newProject('Owner & Co');
    const other = await signUp(server.url, 'Other & Co');
    const stream = await sseSubscribe(server.url, { id: owner.projectId }, other.token);
    await stream.ended();

    expect(stream.events).toEqual([]);
    expect(stream.payloads).toHaveLength(1);
    expect(stream.payloads[0]?.errors?.[0]).toMatchObject({ message: 'project not found', extensions: { code: 'NOT_FOUND' } });
    // Indistinguishable from a project that does not exist.
    const missing = await sseSubscribe(server.url, { id: '00000000-0000-4000-8000-000000000000' }, other.token);
    await missing.ended();
    expect(missing.payloads).toEqual(stream.payloads);
    expect(stream.messages.at(-1)?.event).toBe('complete');
  });

  it('answers a subscription without a token with UNAUTHENTICATED (401) and no events', async () => {
    const { projectId } = await newProject();
    const stream = await sseSubscribe(server.url, { id: projectId });
    await stream.ended();

    expect(stream.status).toBe(401);
    expect(stream.events).toEqual([]);
    expect(stream.payloads[0]?.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(stream.messages.at(-1)?.event).toBe('complete');

    const forged = await sseSubscribe(server.url, { id: projectId }, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl');
    await forged.ended();
    expect(forged.events).toEqual([]);
    expect(forged.payloads[0]?.errors?.[0]).toMatchObject({ message: 'token is invalid', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('ends the stream with UNAUTHENTICATED when the token expires', async () => {
    const { userId, firmId, projectId } = await newProject();
    // A token with 1 to 2 s left (JWT exp has second precision): valid when the stream opens.
    const token = await new SignJWT({ firm: firmId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(server.config.jwtSecret);
    const stream = await sseSubscribe(server.url, { id: projectId }, token);
    expect(stream.status).toBe(200);
    expect(await stream.next(() => true)).toMatchObject({ projectId, status: 'DRAFT' });

    await stream.ended();
    expect(stream.payloads.at(-1)?.errors?.[0]).toMatchObject({ message: 'token has expired', extensions: { code: 'UNAUTHENTICATED' } });
    expect(stream.messages.at(-1)?.event).toBe('complete');
  });
});
