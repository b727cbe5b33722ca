import type { Sql } from '../database/sql.js';
import { AppError } from './errors.js';
import { metrics } from './metrics.js';
import type { AppPubSub, ProjectStatusEvent } from './pubsub.js';
import { EVENT_COLUMNS } from './pipeline/run-store.js';

/** Receives a project's events from the hub, in publish order. */
export interface Sink {
  receive(event: ProjectStatusEvent): void;
}

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
        for (const sink of sinks) sink.receive(result.value);
        metrics.eventsDelivered(sinks.size);
      }
    })();
    return () => void iterator.return?.();
  }

  return {
    /** Starts delivering `projectId`'s events to `sink` now. */
    attach(projectId: string, sink: Sink): void {
      let entry = projects.get(projectId);
      if (!entry) {
        const sinks = new Set<Sink>();
        entry = { sinks, stop: listen(projectId, sinks) };
        projects.set(projectId, entry);
      }
      if (entry.sinks.has(sink)) return;
      entry.sinks.add(sink);
      metrics.subscriptionAttached();
    },
    /** Stops delivering to `sink`; the project's listener goes with its last sink. */
    detach(projectId: string, sink: Sink): void {
      const entry = projects.get(projectId);
      if (!entry?.sinks.delete(sink)) return;
      metrics.subscriptionDetached();
      if (entry.sinks.size > 0) return;
      projects.delete(projectId);
      entry.stop();
    },
    /** Projects with at least one subscriber (for tests and metrics). */
    size: () => projects.size,
  };
}
export type StatusHub = ReturnType<typeof createStatusHub>;

/** Takes events instead of the iterator, once the iterator has handed out everything before. */
export interface LiveReceiver<T> {
  /** Returns false to send this event through the iterator after all. */
  receiveLive(event: T): boolean;
}

/**
 * A stream whose live events can skip the async-iterator path: a transport that can write an
 * event to its client at once (graphql-ws, one frame per event) registers a receiver, and from
 * then on each live event costs one call instead of a promise chain per subscriber.
 */
export interface LiveDeliverable<T> {
  deliverLiveTo(receiver: LiveReceiver<T>): void;
}

export type StatusStream = AsyncIterableIterator<ProjectStatusEvent> & LiveDeliverable<ProjectStatusEvent>;

/**
 * A project's status as a stream: first the current state (or, with `afterSequence`, every
 * stored event after it), then live events. No gap and no duplicate between the two: the
 * subscriber attaches BEFORE the database is read, live events wait in a buffer meanwhile, and
 * only events with a sequence greater than the last one sent go out. With `expiresAt`, ends
 * with UNAUTHENTICATED when the caller's token expires (a transport that closes the connection
 * itself at expiry leaves it out and saves a timer per subscription).
 *
 * Invariants: events leave in sequence order, whichever path they take. The live receiver
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
  return new ProjectStatusStream(args.sql, args.hub, args.projectId, args.afterSequence, args.expiresAt);
}

type Waiter = { resolve: (r: IteratorResult<ProjectStatusEvent>) => void; reject: (e: unknown) => void };
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A class, not closures: thousands of these live as long as their subscriptions, and
 * prototype methods cost nothing per instance.
 */
class ProjectStatusStream implements StatusStream, Sink {
  private last: number;
  /** Live events that arrive while the backlog is read; null once it has been. */
  private early: ProjectStatusEvent[] | null = [];
  private queue: ProjectStatusEvent[] = [];
  private receiver: LiveReceiver<ProjectStatusEvent> | null = null;
  private live = false;
  private stopped = false;
  private failure: { error: unknown } | null = null;
  private waiter: Waiter | null = null;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    sql: Sql,
    private readonly hub: StatusHub,
    private readonly projectId: string,
    afterSequence: number | null,
    expiresAt: number | undefined,
  ) {
    this.last = afterSequence ?? -1;
    hub.attach(projectId, this);
    if (expiresAt !== undefined) {
      const ms = Math.min(Math.max(0, expiresAt * 1000 - Date.now()), 2 ** 31 - 1);
      this.expiry = setTimeout(() => this.fail(new AppError('UNAUTHENTICATED', 'token has expired')), ms);
    }
    void this.load(sql, afterSequence);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<ProjectStatusEvent>> {
    if (this.queue.length > 0) return Promise.resolve({ done: false, value: this.queue.shift()! });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.stopped) return Promise.resolve(DONE);
    this.live = this.receiver !== null;
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<ProjectStatusEvent>> {
    this.stop();
    this.failure = null;
    this.takeWaiter()?.resolve(DONE);
    return Promise.resolve(DONE);
  }

  deliverLiveTo(receiver: LiveReceiver<ProjectStatusEvent>): void {
    this.receiver = receiver;
  }

  /** From the hub. */
  receive(event: ProjectStatusEvent): void {
    if (this.early) this.early.push(event);
    else this.accept(event);
  }

  private async load(sql: Sql, afterSequence: number | null): Promise<void> {
    try {
      const backlog =
        afterSequence == null
          ? await currentState(sql, this.projectId)
          : await sql.query<ProjectStatusEvent>(
              `select ${EVENT_COLUMNS} from project_status_events where project_id = $1 and sequence > $2 order by sequence`,
              [this.projectId, afterSequence],
            );
      for (const event of backlog) this.accept(event);
    } catch (err) {
      this.fail(err);
    }
    const early = this.early ?? [];
    this.early = null;
    for (const event of early) this.accept(event);
  }

  private accept(event: ProjectStatusEvent): void {
    if (this.stopped || event.sequence <= this.last) return;
    this.last = event.sequence;
    if (this.live && this.receiver?.receiveLive(event)) return;
    this.live = false;
    const waiter = this.takeWaiter();
    if (waiter) waiter.resolve({ done: false, value: event });
    else this.queue.push(event);
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.stop();
    const waiter = this.takeWaiter();
    if (waiter) waiter.reject(error);
    else this.failure = { error };
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.expiry);
    this.hub.detach(this.projectId, this);
  }

  private takeWaiter(): Waiter | null {
    const waiter = this.waiter;
    this.waiter = null;
    return waiter;
  }
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
