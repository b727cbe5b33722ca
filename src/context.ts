import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from './config.js';
import type { Sql } from './database/sql.js';
import { bearerToken, type AuthService, type Viewer } from './services/auth.js';
import type { DocumentStore } from './services/documents.js';
import { AppError } from './services/errors.js';
import type { Logger } from './services/logger.js';
import type { ProcessingService } from './services/pipeline/processing.js';
import type { AppPubSub } from './services/pubsub.js';
import type { StatusHub } from './services/status-stream.js';
import type { RateLimits } from './services/rate-limits.js';
import type { ReviewService } from './services/review.js';

/** Everything long-lived that resolvers call. Built once in `buildApp`. */
export interface Services {
  config: Config;
  logger: Logger;
  sql: Sql;
  pubsub: AppPubSub;
  statusHub: StatusHub;
  auth: AuthService;
  documents: DocumentStore;
  processing: ProcessingService;
  review: ReviewService;
  rateLimits: RateLimits;
  /** A fresh entity manager for one request or one subscription. */
  fork(): EntityManager;
}

/** Per request (HTTP) or per operation (graphql-ws): its own em fork and its caller. */
export interface Context {
  em: EntityManager;
  services: Services;
  viewer: Viewer | null;
  /** Set when a token was sent but is not valid: reported instead of "sign in first". */
  authError: AppError | null;
  /** The client's address (the socket's peer), for per-address limits. */
  clientIp: string;
}

export async function createContext(
  services: Services,
  authorization: string | null | undefined,
  clientIp: string,
): Promise<Context> {
  let viewer: Viewer | null = null;
  let authError: AppError | null = null;
  try {
    const token = bearerToken(authorization);
    if (token) viewer = await services.auth.verify(token);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    authError = err;
  }
  // The entity manager is forked on first use: a subscription or a pure-SQL mutation never
  // needs one, and a fork held for a subscription's lifetime costs memory per subscriber.
  let em: EntityManager | undefined;
  return {
    get em() {
      em ??= services.fork();
      return em;
    },
    services,
    viewer,
    authError,
    clientIp,
  };
}

/** The caller, or UNAUTHENTICATED. Every firm-scoped field starts here. */
export function requireViewer(ctx: Context): Viewer {
  if (ctx.viewer) return ctx.viewer;
  throw ctx.authError ?? new AppError('UNAUTHENTICATED', 'sign in first: send "Authorization: Bearer <token>"');
}
