/**
 * watchProjectStatus: follow a project's pipeline live over graphql-ws, across dropped
 * connections, with no event lost and none delivered twice. Copy this file as it is: it needs
 * only `graphql-ws` (a `Client` from `createClient`), no React, no Apollo, no DOM.
 *
 * How it resumes. The server's `projectStatus(projectId, afterSequence)` replays every stored
 * event after `afterSequence`, then goes live. graphql-ws re-sends a subscription's payload
 * object on every reconnect (it serialises it again each time), so this module keeps
 * `variables.afterSequence` equal to the last sequence it delivered: whenever the client
 * reconnects (server restarted, network dropped), the resubscription asks for exactly what was
 * missed. Events at or below the last delivered sequence are dropped, so nothing is shown twice
 * even if a replay and a live event overlap.
 *
 * Give the client a retry policy that fits a person waiting on a page (see `retryForever`)
 * and `shouldRetry` that stops on 4403 (token expired or refused): retrying that cannot help.
 */
import type { Client, ExecutionResult } from 'graphql-ws';

/** One event of `Subscription.projectStatus`, as the server sends it. */
export interface ProjectStatusEvent {
  projectId: string;
  runId: string | null;
  /** Strictly increasing per project; never reused. */
  sequence: number;
  status: 'DRAFT' | 'QUEUED' | 'PROCESSING' | 'REVIEWING' | 'COMPLETED' | 'ERROR' | 'CANCELLED';
  stage: 'EXTRACT' | 'CLASSIFY' | 'REVIEW' | 'VALIDATE' | 'GENERATE' | null;
  /** 0..1 over the whole pipeline. */
  progress: number;
  message: string | null;
  errorMessage: string | null;
  at: string;
}

export const PROJECT_STATUS_SUBSCRIPTION = /* GraphQL */ `
  subscription WatchProjectStatus($projectId: ID!, $afterSequence: Int) {
    projectStatus(projectId: $projectId, afterSequence: $afterSequence) {
      projectId runId sequence status stage progress message errorMessage at
    }
  }
`;

export interface WatchOptions {
  projectId: string;
  /**
   * Resume after this sequence (say, the last one a reloaded page had shown). Leave it out to
   * get the project's current state first, then every change.
   */
  afterSequence?: number | null;
  /** Each event once, in sequence order. */
  onEvent(event: ProjectStatusEvent): void;
  /**
   * The watch ended for good: GraphQL errors (`extensions.code`, e.g. UNAUTHENTICATED or
   * NOT_FOUND), or the close event / error after which graphql-ws stopped retrying (a 4403 close
   * means the token expired or was refused).
   */
  onError?(error: unknown): void;
}

export interface ProjectStatusWatch {
  /** The last sequence delivered to `onEvent` (null before the first). */
  lastSequence(): number | null;
  /** Stops watching (completes the subscription on the server). */
  stop(): void;
}

export function watchProjectStatus(client: Client, options: WatchOptions): ProjectStatusWatch {
  let last: number | null = options.afterSequence ?? null;
  // The very object graphql-ws re-sends on reconnect: keep it current, never replace it.
  const variables: { projectId: string; afterSequence: number | null } = {
    projectId: options.projectId,
    afterSequence: last,
  };
  let stopped = false;
  const dispose = client.subscribe<{ projectStatus: ProjectStatusEvent }>(
    { query: PROJECT_STATUS_SUBSCRIPTION, variables },
    {
      next(result: ExecutionResult<{ projectStatus: ProjectStatusEvent }>) {
        if (stopped) return;
        if (result.errors?.length) {
          options.onError?.(result.errors);
          return;
        }
        const event = result.data?.projectStatus;
        if (!event || (last !== null && event.sequence <= last)) return; // already delivered
        last = event.sequence;
        variables.afterSequence = last;
        options.onEvent(event);
      },
      error(error: unknown) {
        if (!stopped) options.onError?.(error);
      },
      complete() {},
    },
  );
  return {
    lastSequence: () => last,
    stop() {
      stopped = true;
      dispose();
    },
  };
}

/** graphql-ws close code the service uses for a refused or expired token. */
export const CLOSE_FORBIDDEN = 4403;

/**
 * Options for `createClient` suited to a page a person keeps open: retry for as long as the
 * page is open (1 s, 2 s, 4 s, then every 5 s, with jitter), but never on a refused token.
 */
export const retryForever = {
  retryAttempts: Number.POSITIVE_INFINITY,
  retryWait: (retries: number) =>
    new Promise<void>((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 5000) + Math.random() * 500)),
  shouldRetry: (errOrClose: unknown) => !isCloseEvent(errOrClose) || errOrClose.code !== CLOSE_FORBIDDEN,
};

export function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}
