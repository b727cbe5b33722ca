import { Repeater } from 'graphql-yoga';
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
 * A project's status as a stream: first the current state (or, with `afterSequence`, every
 * stored event after it), then live events. No gap and no duplicate between the two: the
 * subscriber attaches BEFORE the database is read, live events wait in a buffer meanwhile, and
 * only events with a sequence greater than the last one sent go out. Ends with
 * UNAUTHENTICATED when the caller's token expires.
 *
 * A Repeater rather than an async generator: a generator blocked awaiting the next live event
 * cannot be returned, so an unsubscribing client would leave its sink behind.
 */
export function projectStatusStream(args: {
  sql: Sql;
  hub: StatusHub;
  projectId: string;
  afterSequence: number | null;
  /** Token expiry, epoch seconds. */
  expiresAt: number;
}): Repeater<ProjectStatusEvent> {
  const { sql, hub, projectId } = args;
  return new Repeater<ProjectStatusEvent>(async (push, stop) => {
    let last = args.afterSequence ?? -1;
    let early: ProjectStatusEvent[] | null = [];
    const deliver = (event: ProjectStatusEvent) => {
      if (event.sequence <= last) return;
      last = event.sequence;
      void push(event);
    };
    const detach = hub.attach(projectId, (event) => (early ? early.push(event) : deliver(event)));
    const ms = Math.min(Math.max(0, args.expiresAt * 1000 - Date.now()), 2 ** 31 - 1);
    const expiry = setTimeout(() => stop(new AppError('UNAUTHENTICATED', 'token has expired')), ms);
    try {
      const backlog =
        args.afterSequence == null
          ? await currentState(sql, projectId)
          : await sql.query<ProjectStatusEvent>(
              `select ${EVENT_COLUMNS} from project_status_events where project_id = $1 and sequence > $2 order by sequence`,
              [projectId, args.afterSequence],
            );
      backlog.forEach(deliver);
      const waiting = early;
      early = null;
      waiting.forEach(deliver);
    } catch (err) {
      stop(err);
    }
    await stop;
    clearTimeout(expiry);
    detach();
  });
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
