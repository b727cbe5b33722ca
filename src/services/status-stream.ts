import { Repeater } from 'graphql-yoga';
import type { Sql } from '../database/sql.js';
import { AppError } from './errors.js';
import type { AppPubSub, ProjectStatusEvent } from './pubsub.js';
import { EVENT_COLUMNS } from './pipeline/run-store.js';

/**
 * A project's status as a stream: first the current state (or, with `afterSequence`, every
 * stored event after it), then live events. No gap and no duplicate between the two: we
 * subscribe BEFORE reading the database, then drop any live event whose sequence is not
 * greater than the last one sent. Ends with UNAUTHENTICATED when the caller's token expires.
 *
 * A Repeater rather than an async generator: a generator blocked awaiting the next live event
 * cannot be returned, so an unsubscribing client would leave its listener behind.
 */
export function projectStatusStream(args: {
  sql: Sql;
  pubsub: AppPubSub;
  projectId: string;
  afterSequence: number | null;
  /** Token expiry, epoch seconds. */
  expiresAt: number;
}): Repeater<ProjectStatusEvent> {
  const { sql, pubsub, projectId } = args;
  return new Repeater<ProjectStatusEvent>(async (push, stop) => {
    const live = pubsub.subscribe('project:status', projectId)[Symbol.asyncIterator]();
    // Calling next() starts the listener now; the promise holds the first live event for later.
    let pending = live.next();
    const ms = Math.min(Math.max(0, args.expiresAt * 1000 - Date.now()), 2 ** 31 - 1);
    const expiry = setTimeout(() => stop(new AppError('UNAUTHENTICATED', 'token has expired')), ms);
    const stopped = stop.then(() => ({ done: true as const, value: undefined }));
    void stopped.then(() => {
      clearTimeout(expiry);
      void live.return?.();
    });

    let last = -1;
    try {
      const backlog =
        args.afterSequence == null
          ? await currentState(sql, projectId)
          : await sql.query<ProjectStatusEvent>(
              `select ${EVENT_COLUMNS} from project_status_events where project_id = $1 and sequence > $2 order by sequence`,
              [projectId, args.afterSequence],
            );
      if (args.afterSequence != null) last = args.afterSequence;
      for (const event of backlog) {
        last = event.sequence;
        await push(event);
      }
    } catch (err) {
      stop(err);
      return;
    }
    while (true) {
      const result = await Promise.race([pending, stopped]);
      if (result.done) break;
      pending = live.next();
      if (result.value.sequence > last) {
        last = result.value.sequence;
        await push(result.value);
      }
    }
    stop();
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
