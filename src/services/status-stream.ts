import type { Sql } from '../database/sql.js';
import { AppError } from './errors.js';
import type { ProjectStatusEvent } from './pubsub.js';
import { EVENT_COLUMNS } from './pipeline/run-store.js';
import type { Sink, StatusHub } from './status-hub.js';

export { createStatusHub, type Sink, type StatusHub } from './status-hub.js';

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
 *
 * No stored event is lost, whatever the live feed drops (Redis pubsub is at-most-once). The
 * invariant: every stored event with a sequence up to `last` has been sent (or was already
 * part of the state sent first). A live event carries `storedBefore`, the latest stored
 * sequence before it; when that is above `last`, a stored event never arrived, and the stream
 * reads the missing ones back (`fill`) before it sends anything newer. A progress tick past
 * such a gap is dropped (ticks may be) and asks for a fill only for a gap no fill was asked for
 * yet, so lost ticks, or ticks behind a gap already being filled, never cost a query each. After
 * Redis reconnects, the hub asks every stream to read back what it may have missed (`resync`).
 */
export function projectStatusStream(args: {
  sql: Sql;
  hub: StatusHub;
  projectId: string;
  afterSequence: number | null;
  /** Token expiry, epoch seconds. */
  expiresAt?: number;
  /**
   * Asked every `everyMs` whether the caller's token still holds; an error ends the stream as
   * expiry does (a revoked token). Left out by a transport that checks its connections itself.
   */
  revalidate?: { everyMs: number; check(): Promise<AppError | null> };
}): StatusStream {
  return new ProjectStatusStream(args.sql, args.hub, args.projectId, args.afterSequence, args.expiresAt, args.revalidate);
}

type Waiter = { resolve: (r: IteratorResult<ProjectStatusEvent>) => void; reject: (e: unknown) => void };
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A class, not closures: thousands of these live as long as their subscriptions, and
 * prototype methods cost nothing per instance.
 */
class ProjectStatusStream implements StatusStream, Sink {
  private last: number;
  /** Live events that arrive while the backlog (or a fill) is read; null otherwise. */
  private early: ProjectStatusEvent[] | null = [];
  /** The highest `storedBefore` a fill has been asked for: a gap is filled once. */
  private filledFor = -1;
  /** A resync asked for while a read was in flight: read again once it is done. */
  private resyncWanted = false;
  private queue: ProjectStatusEvent[] = [];
  private receiver: LiveReceiver<ProjectStatusEvent> | null = null;
  private live = false;
  private stopped = false;
  private failure: { error: unknown } | null = null;
  private waiter: Waiter | null = null;
  private expiry: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly hub: StatusHub,
    private readonly projectId: string,
    afterSequence: number | null,
    expiresAt: number | undefined,
    revalidate: { everyMs: number; check(): Promise<AppError | null> } | undefined,
  ) {
    this.last = afterSequence ?? -1;
    hub.attach(projectId, this);
    if (expiresAt !== undefined) {
      const ms = Math.min(Math.max(0, expiresAt * 1000 - Date.now()), 2 ** 31 - 1);
      this.expiry = setTimeout(() => this.fail(new AppError('UNAUTHENTICATED', 'token has expired')), ms);
    }
    if (revalidate) {
      this.recheck = setInterval(() => void revalidate.check().then((refused) => refused && this.fail(refused), () => undefined), revalidate.everyMs);
      this.recheck.unref();
    }
    void this.load(afterSequence);
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

  /** A live event, from the hub. */
  receive(event: ProjectStatusEvent): void {
    if (this.early) this.early.push(event);
    else this.offer(event);
  }

  /** From the hub, after Redis reconnected: read back what the live feed may have lost. */
  resync(): void {
    if (this.stopped) return;
    if (this.early) this.resyncWanted = true;
    else this.fill([]);
  }

  private async load(afterSequence: number | null): Promise<void> {
    try {
      const backlog =
        afterSequence == null
          ? await currentState(this.sql, this.projectId)
          : await this.sql.query<ProjectStatusEvent>(
              `select ${EVENT_COLUMNS} from project_status_events where project_id = $1 and sequence > $2 order by sequence`,
              [this.projectId, afterSequence],
            );
      // No row: the project was deleted before this stream attached (and missed its final event).
      if (afterSequence == null && backlog.length === 0) return this.finish();
      for (const event of backlog) this.accept(event);
    } catch (err) {
      this.fail(err);
    }
    this.flushEarly();
  }

  /** A live event: sent, unless a stored event before it is missing (then read back first). */
  private offer(event: ProjectStatusEvent): void {
    if (this.stopped || event.sequence <= this.last) return;
    const before = event.storedBefore;
    if (before !== undefined && before > this.last) {
      if (before > this.filledFor) {
        this.filledFor = before;
        this.fill(event.stored === false ? [] : [event]);
        return;
      }
      // Asked for already and not in the database: a tick waits for the next stored event; a
      // stored event goes out rather than hold the stream for ever.
      if (event.stored === false) return;
    }
    this.accept(event);
  }

  /** Reads the stored events after `last`, holding live ones (`held` first) until it is done. */
  private fill(held: ProjectStatusEvent[]): void {
    this.early = held;
    this.hub.fill(this.sql, this.projectId, this.last).then(
      (events) => {
        for (const event of events) this.accept(event);
        this.flushEarly();
      },
      (err: unknown) => this.fail(err),
    );
  }

  private flushEarly(): void {
    const early = this.early ?? [];
    this.early = null;
    for (let i = 0; i < early.length; i++) {
      this.offer(early[i]!);
      // The event opened a gap: the rest wait behind the fill it started.
      if (this.early) return void (this.early as ProjectStatusEvent[]).push(...early.slice(i + 1));
    }
    if (this.resyncWanted) {
      this.resyncWanted = false;
      this.resync();
    }
  }

  private accept(event: ProjectStatusEvent): void {
    if (this.stopped || event.sequence <= this.last) return;
    this.last = event.sequence;
    if (!(this.live && this.receiver?.receiveLive(event))) {
      this.live = false;
      const waiter = this.takeWaiter();
      if (waiter) waiter.resolve({ done: false, value: event });
      else this.queue.push(event);
    }
    // A deleted project's last event: the stream completes once it has been taken.
    if (event.status === 'DELETED') this.finish();
  }

  /** Ends the stream normally: queued events are still handed out, then done. */
  private finish(): void {
    this.stop();
    this.takeWaiter()?.resolve(DONE);
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
    clearInterval(this.recheck);
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
