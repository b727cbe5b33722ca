import type { Sql } from '../database/sql.js';
import { AppError } from './errors.js';
import type { AppPubSub, ProjectStatusEvent } from './pubsub.js';
import { EVENT_COLUMNS } from './pipeline/run-store.js';

type Sink = (event: ProjectStatusEvent) => void;

/**
 * One pubsub listener per project, however many subscribers it has: subscribers attach a
 * sink, and the hub hands each event (the same object) to every sink of its project. Saves a
 * listener and an async iterator per subscriber, and lets execution results be shared.
 */
export function createStatusHub(pubsub: AppPubSub) {
  const projects = new Map<string, { sinks: Set<Sink>; stop: () => void }>();

  function listen(projectId: string, sinks: Set<Sink>): () => void {
    const iterator = pubsub.subscribe('project:status', projectId)[Symbol.asyncIterator]();
    // The first next() registers the listener synchronously: attach() returns subscribed.
    let pending = iterator.next();
    void (async () => {
      while (true) {
        const result = await pending;
        if (result.done) return;
        pending = iterator.next();
        for (const sink of sinks) sink(result.value);
      }
    })();
    return () => void iterator.return?.();
  }

  return {
    /** Starts delivering `projectId`'s events to `sink` now; call the result to stop. */
    attach(projectId: string, sink: Sink): () => void {
      let entry = projects.get(projectId);
      if (!entry) {
        const sinks = new Set<Sink>();
        entry = { sinks, stop: listen(projectId, sinks) };
        projects.set(projectId, entry);
      }
      entry.sinks.add(sink);
      const owner = entry;
      return () => {
        owner.sinks.delete(sink);
        if (owner.sinks.size === 0 && projects.get(projectId) === owner) {
          projects.delete(projectId);
          owner.stop();
        }
      };
    },
    /** Projects with at least one subscriber (for tests and metrics). */
    size: () => projects.size,
  };
}
export type StatusHub = ReturnType<typeof createStatusHub>;

/**
 * Takes an event instead of the iterator, once the iterator has handed out everything before
 * it; returns false to send this event through the iterator after all.
 */
export type LiveHandler = (event: ProjectStatusEvent) => boolean;

/**
 * A status stream whose live events can skip the async-iterator path: a transport that can
 * write an event to its client at once (graphql-ws, one frame per event) registers a handler,
 * and from then on each live event costs one call instead of a promise chain per subscriber.
 */
export interface LiveDeliverable {
  deliverLiveTo(handler: LiveHandler): void;
}

export type StatusStream = AsyncIterableIterator<ProjectStatusEvent> & LiveDeliverable;

/**
 * A project's status as a stream: first the current state (or, with `afterSequence`, every
 * stored event after it), then live events. No gap and no duplicate between the two: the
 * subscriber attaches BEFORE the database is read, live events wait in a buffer meanwhile, and
 * only events with a sequence greater than the last one sent go out. With `expiresAt`, ends
 * with UNAUTHENTICATED when the caller's token expires (a transport that closes the connection
 * itself at expiry leaves it out and saves a timer per subscription).
 *
 * Invariants: events leave in sequence order, whichever path they take. The live handler
 * takes an event only while a `next()` waits on an empty queue, i.e. once every earlier event
 * has been taken (and, for graphql-ws, sent); an event it declines resolves that `next()`, and
 * it takes events again only after the queue has drained. `return()` ends a pending `next()`
 * at once and detaches from the hub.
 */
export function projectStatusStream(args: {
  sql: Sql;
  hub: StatusHub;
  projectId: string;
  afterSequence: number | null;
  /** Token expiry, epoch seconds. */
  expiresAt?: number;
}): StatusStream {
  const { sql, hub, projectId } = args;
  let last = args.afterSequence ?? -1;
  let early: ProjectStatusEvent[] | null = [];
  const queue: ProjectStatusEvent[] = [];
  let handler: LiveHandler | null = null;
  let live = false;
  let stopped = false;
  let failure: { error: unknown } | null = null;
  let waiter: { resolve: (r: IteratorResult<ProjectStatusEvent>) => void; reject: (e: unknown) => void } | null = null;

  const accept = (event: ProjectStatusEvent) => {
    if (stopped || event.sequence <= last) return;
    last = event.sequence;
    if (live && handler?.(event)) return;
    live = false;
    queue.push(event);
    if (waiter) {
      const { resolve } = waiter;
      waiter = null;
      resolve({ done: false, value: queue.shift()! });
    }
  };
  const detach = hub.attach(projectId, (event) => (early ? early.push(event) : accept(event)));
  const expiry =
    args.expiresAt === undefined
      ? undefined
      : setTimeout(() => fail(new AppError('UNAUTHENTICATED', 'token has expired')), Math.min(Math.max(0, args.expiresAt * 1000 - Date.now()), 2 ** 31 - 1));

  function stop() {
    if (stopped) return;
    stopped = true;
    clearTimeout(expiry);
    detach();
  }
  function fail(error: unknown) {
    if (stopped) return;
    stop();
    failure = { error };
    if (waiter) {
      const { reject } = waiter;
      waiter = null;
      failure = null;
      reject(error);
    }
  }

  void (async () => {
    try {
      const backlog =
        args.afterSequence == null
          ? await currentState(sql, projectId)
          : await sql.query<ProjectStatusEvent>(
              `select ${EVENT_COLUMNS} from project_status_events where project_id = $1 and sequence > $2 order by sequence`,
              [projectId, args.afterSequence],
            );
      backlog.forEach(accept);
    } catch (err) {
      fail(err);
    }
    const waiting = early ?? [];
    early = null;
    waiting.forEach(accept);
  })();

  const stream: StatusStream = {
    [Symbol.asyncIterator]: () => stream,
    next() {
      if (queue.length > 0) return Promise.resolve({ done: false, value: queue.shift()! });
      if (failure) {
        const { error } = failure;
        failure = null;
        return Promise.reject(error);
      }
      if (stopped) return Promise.resolve({ done: true, value: undefined });
      live = handler !== null;
      return new Promise((resolve, reject) => (waiter = { resolve, reject }));
    },
    return() {
      stop();
      failure = null;
      if (waiter) {
        const { resolve } = waiter;
        waiter = null;
        resolve({ done: true, value: undefined });
      }
      return Promise.resolve({ done: true, value: undefined });
    },
    deliverLiveTo(next) {
      handler = next;
    },
  };
  return stream;
}

/** The project row as an event: its latest sequence, with the latest stored message. */
async function currentState(sql: Sql, projectId: string): Promise<ProjectStatusEvent[]> {
  return sql.query<ProjectStatusEvent>(
    `select p.id as "projectId", e.run_id as "runId", p.last_sequence as sequence, p.status,
            p.current_stage as stage, p.progress, e.message, p.error_message as "errorMessage", p.updated_at as at
     from cma_projects p
     left join lateral (select run_id, message from project_status_events
                        where project_id = p.id order by sequence desc limit 1) e on true
     where p.id = $1`,
    [projectId],
  );
}
