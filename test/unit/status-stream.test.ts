import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/database/sql.js';
import { createAppPubSub, type ProjectStatusEvent } from '../../src/services/pubsub.js';
import { createStatusHub, projectStatusStream } from '../../src/services/status-stream.js';

const PROJECT = 'p1';

function event(sequence: number): ProjectStatusEvent {
  return {
    projectId: PROJECT,
    runId: 'r1',
    sequence,
    status: 'PROCESSING',
    stage: 'EXTRACT',
    progress: sequence / 100,
    message: null,
    errorMessage: null,
    at: new Date(0),
  };
}

/** A database whose backlog read waits until the test releases it (or fails it). */
function heldBacklog(rows: ProjectStatusEvent[]) {
  let release!: () => void;
  let fail!: (err: Error) => void;
  const gate = new Promise<void>((resolve, reject) => ((release = resolve), (fail = reject)));
  const sql = { query: async () => (await gate, rows), tx: () => Promise.reject(new Error('unused')) } as unknown as Sql;
  return { sql, release: () => release(), fail: (err: Error) => fail(err) };
}

function setup(backlog: ProjectStatusEvent[], afterSequence: number | null = null) {
  const pubsub = createAppPubSub();
  const hub = createStatusHub(pubsub);
  const db = heldBacklog(backlog);
  const stream = projectStatusStream({ sql: db.sql, hub, projectId: PROJECT, afterSequence });
  const publish = (sequence: number) => pubsub.publish('project:status', PROJECT, event(sequence));
  return { hub, db, stream, publish };
}

const sequences = async (stream: AsyncIterator<ProjectStatusEvent>, count: number) => {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) {
    const next = await stream.next();
    if (next.done) break;
    seen.push(next.value.sequence);
  }
  return seen;
};

/** Lets the pubsub's listener loop and the stream's backlog read run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('projectStatusStream', () => {
  it('sends the backlog, then live events that arrived during the read, without duplicates', async () => {
    const { db, stream, publish } = setup([event(3)], 2);
    publish(3); // also in the backlog: must not be sent twice
    publish(4);
    await settle();
    db.release();
    expect(await sequences(stream, 2)).toEqual([3, 4]);
    publish(5);
    expect(await sequences(stream, 1)).toEqual([5]);
    await stream.return!();
  });

  it('hands events to the live handler while a next() waits on an empty queue, and keeps order when it declines one', async () => {
    const { db, stream, publish } = setup([event(1)]);
    const direct: number[] = [];
    stream.deliverLiveTo({
      receiveLive: (e) => {
        if (e.sequence === 4) return false; // e.g. a result with errors: must go through the iterator
        direct.push(e.sequence);
        return true;
      },
    });
    const waiting = stream.next(); // as graphql-ws does: from now on events go direct
    db.release();
    await settle();
    publish(2);
    publish(3);
    await settle();
    expect(direct).toEqual([1, 2, 3]);
    publish(4); // declined: resolves the waiting next()
    publish(5); // queued behind it, not sent direct ahead of it
    await settle();
    expect((await waiting).value?.sequence).toBe(4);
    expect(direct).toEqual([1, 2, 3]);
    expect(await sequences(stream, 1)).toEqual([5]);
    const again = stream.next();
    publish(6);
    await settle();
    expect(direct).toEqual([1, 2, 3, 6]);
    await stream.return!();
    expect((await again).done).toBe(true);
  });

  it('ends a pending next() on return() and detaches from the hub', async () => {
    const { hub, db, stream } = setup([]);
    db.release();
    const pending = stream.next();
    expect(hub.size()).toBe(1);
    await stream.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hub.size()).toBe(0);
    expect((await stream.next()).done).toBe(true);
  });

  it('rejects the waiting next() with the backlog error, then ends', async () => {
    const { hub, db, stream } = setup([]);
    const pending = stream.next();
    db.fail(new Error('connection lost'));
    await expect(pending).rejects.toThrow('connection lost');
    expect((await stream.next()).done).toBe(true);
    expect(hub.size()).toBe(0);
  });

  it('ends with UNAUTHENTICATED at the token expiry when it owns the expiry', async () => {
    const pubsub = createAppPubSub();
    const hub = createStatusHub(pubsub);
    const db = heldBacklog([]);
    db.release();
    const stream = projectStatusStream({ sql: db.sql, hub, projectId: PROJECT, afterSequence: 0, expiresAt: Date.now() / 1000 });
    await expect(stream.next()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(hub.size()).toBe(0);
  });
});
