import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/database/sql.js';
import { createAppPubSub, type ProjectStatusEvent } from '../../src/services/pubsub.js';
import { createStatusHub, projectStatusStream, type StatusStream } from '../../src/services/status-stream.js';

const PROJECT = 'p1';

/**
 * A project's event log as the runner writes it: stored events (status changes) and progress
 * ticks share one sequence; each live event carries the latest stored sequence before it. The
 * fake database answers the stream's two reads (current state, events after N) from the log
 * and counts them.
 */
function project() {
  const stored: ProjectStatusEvent[] = [];
  let sequence = 0;
  let lastStored = 0;
  const queries: string[] = [];
  const sql = {
    query: async (text: string, params: unknown[]) => {
      queries.push(text);
      await Promise.resolve();
      if (text.includes('from cma_projects')) return [{ ...base(sequence), status: 'DRAFT' }];
      const after = params[1] as number;
      return stored.filter((e) => e.sequence > after).map(({ storedBefore: _b, stored: _s, ...e }) => e);
    },
  } as unknown as Sql;
  const base = (seq: number): ProjectStatusEvent => ({
    projectId: PROJECT, runId: 'r1', sequence: seq, status: 'PROCESSING', stage: 'EXTRACT',
    progress: 0, message: null, errorMessage: null, at: new Date(0),
  });
  return {
    sql,
    queries,
    /** A status change: stored, then returned for publishing. */
    change(status: ProjectStatusEvent['status'] = 'PROCESSING'): ProjectStatusEvent {
      const event = { ...base(++sequence), status, message: `change ${sequence}`, storedBefore: lastStored, stored: true };
      lastStored = sequence;
      stored.push(event);
      return event;
    },
    tick(): ProjectStatusEvent {
      return { ...base(++sequence), storedBefore: lastStored, stored: false };
    },
  };
}

function setup(streams = 1) {
  const db = project();
  const pubsub = createAppPubSub();
  const hub = createStatusHub(pubsub);
  const list = Array.from({ length: streams }, () => projectStatusStream({ sql: db.sql, hub, projectId: PROJECT, afterSequence: 0 }));
  const publish = (e: ProjectStatusEvent) => pubsub.publish('project:status', PROJECT, e);
  return { db, hub, streams: list, publish };
}

/** Lets the pubsub loop, the reads and their microtasks run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function received(stream: StatusStream, count: number): Promise<ProjectStatusEvent[]> {
  const out: ProjectStatusEvent[] = [];
  for (let i = 0; i < count; i++) {
    const next = await stream.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('gap detection in the status stream', () => {
  it('reads back a stored event the live feed lost, and sends everything once, in order', async () => {
    const { db, streams, publish } = setup();
    const [stream] = streams as [StatusStream];
    await settle();
    const queriesAfterLoad = db.queries.length;
    publish(db.change());
    db.change(); // stored, never published (Redis was away)
    publish(db.change());
    publish(db.change('COMPLETED'));
    await settle();
    const events = await received(stream, 4);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(events.at(-1)?.status).toBe('COMPLETED');
    expect(db.queries.length - queriesAfterLoad).toBe(1);
    await stream.return!();
  });

  it('never reads the database for dropped progress ticks', async () => {
    const { db, streams, publish } = setup();
    const [stream] = streams as [StatusStream];
    await settle();
    const before = db.queries.length;
    publish(db.change());
    for (let i = 0; i < 50; i++) {
      const tick = db.tick();
      if (i % 3 === 0) publish(tick); // two ticks in three lost: sequence gaps, but no stored one
    }
    publish(db.change('COMPLETED'));
    await settle();
    const events = await received(stream, 19);
    expect(events.map((e) => e.stored)).toEqual([true, ...Array(17).fill(false), true]);
    expect(db.queries.length).toBe(before);
    await stream.return!();
  });

  it('asks once for a gap however many ticks arrive behind it, and drops those ticks', async () => {
    const { db, streams, publish } = setup();
    const [stream] = streams as [StatusStream];
    await settle();
    const before = db.queries.length;
    publish(db.change());
    db.change(); // lost
    for (let i = 0; i < 20; i++) publish(db.tick());
    await settle();
    publish(db.change('COMPLETED'));
    await settle();
    expect(db.queries.length - before).toBe(1);
    const events = await received(stream, 3);
    // The lost change came back; ticks behind it that arrived during the read were dropped or
    // came after it, never before it.
    const sequences = events.map((e) => e.sequence);
    expect(sequences.slice(0, 2)).toEqual([1, 2]);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    await stream.return!();
  });

  it('serves every stream of a project with one read', async () => {
    const { db, streams, publish } = setup(25);
    await settle();
    const before = db.queries.length;
    publish(db.change());
    db.change(); // lost
    publish(db.change('COMPLETED'));
    await settle();
    expect(db.queries.length - before).toBe(1);
    for (const stream of streams) {
      expect((await received(stream, 3)).map((e) => e.sequence)).toEqual([1, 2, 3]);
      await stream.return!();
    }
  });

  it('reads back a lost final status when the hub resyncs (Redis reconnected)', async () => {
    const { db, hub, streams, publish } = setup();
    const [stream] = streams as [StatusStream];
    await settle();
    publish(db.change());
    db.change('COMPLETED'); // stored while the subscriber's connection was down: never published
    await settle();
    expect((await received(stream, 1)).map((e) => e.sequence)).toEqual([1]);
    hub.resync();
    await settle();
    const [final] = await received(stream, 1);
    expect(final).toMatchObject({ sequence: 2, status: 'COMPLETED' });
    // Republished late by the process that ran it: a duplicate, not sent again.
    publish({ ...final!, storedBefore: 1, stored: true });
    publish(db.change());
    await settle();
    expect((await received(stream, 1)).map((e) => e.sequence)).toEqual([3]);
    await stream.return!();
  });
});
