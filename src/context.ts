import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from './config.js';
import type { Sql } from './database/sql.js';
import { bearerToken, type AuthService, type Viewer } from './services/auth.js';
import type { DocumentStore } from './services/documents.js';
import type { DownloadLinks } from './services/report/download-links.js';
import { AppError } from './services/errors.js';
import type { Logger } from './services/logger.js';
import type { ProcessingService } from './services/pipeline/processing.js';
import type { ProjectLifecycle } from './services/project-lifecycle.js';
import type { TeamService } from './services/team.js';
import type { AppPubSub } from './services/pubsub.js';
import type { StatusHub } from './services/status-stream.js';
import type { RateLimits } from './services/rate-limits.js';
import type { ReviewService } from './services/review.js';
import type { TokenClaims } from './services/sessions.js';

/** Everything long-lived that resolvers call. Built once in `buildApp`. */
export interface Services {
  config: Config;
  logger: Logger;
  sql: Sql;
  pubsub: AppPubSub;
  statusHub: StatusHub;
  auth: AuthService;
  documents: DocumentStore;
  /** Signed, short-lived links to a project's workbook. */
  downloadLinks: DownloadLinks;
  processing: ProcessingService;
  review: ReviewService;
  rateLimits: RateLimits;
  lifecycle: ProjectLifecycle;
  team: TeamService;
  /** A fresh entity manager for one request or one subscription. */
  fork(): EntityManager;
}

/** Per request (HTTP) or per operation (graphql-ws): its own em fork and its caller. */
export interface Context {
  /**
   * This request's entity manager, forked on first use: a subscription or a pure-SQL mutation
   * never needs one. A method, not a getter, because envelop copies the context with
   * `Object.assign`, which would call a getter and fork for every subscription.
   */
  em(): EntityManager;
  services: Services;
  viewer: Viewer | null;
  /** Set when a token was sent but is not valid: reported instead of "sign in first". */
  authError: AppError | null;
  /** The client's address (the socket's peer), for per-address limits. */
  clientIp: string;
  /**
   * Set by graphql-ws: writes one `ExecutionResult`, as UTF-8 JSON, to this operation's client
   * as a `next` message. Lets subscription events be serialised once for all their subscribers.
   */
  sendRawResult?: (json: Buffer) => void;
  /** Set by graphql-ws, which closes the whole connection when the token expires. */
  closesAtTokenExpiry?: boolean;
}

/**
 * `credentials`: the `Authorization` header as sent, or the claims of a token verified earlier
 * on the same connection (graphql-ws keeps those, not the token), checked again here.
 */
export async function createContext(
  services: Services,
  credentials: string | TokenClaims | null | undefined,
  clientIp: string,
): Promise<Context> {
  let viewer: Viewer | null = null;
  let authError: AppError | null = null;
  try {
    if (typeof credentials === 'object' && credentials !== null) viewer = await services.auth.recheck(credentials);
    else {
      const token = bearerToken(credentials);
      if (token) viewer = await services.auth.authenticate(token);
    }
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    authError = err;
  }
  let em: EntityManager | undefined;
  return {
    em: () => (em ??= services.fork()),
    services,
    viewer,
    authError,
    clientIp,
  };
}

/** The caller if an ADMIN of their firm, else FORBIDDEN (UNAUTHENTICATED when not signed in). */
export function requireAdmin(ctx: Context): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== 'ADMIN') throw new AppError('FORBIDDEN', "only an admin of the firm can manage its users; ask one of the firm's admins");
  return viewer;
}

/** The caller, or UNAUTHENTICATED. Every firm-scoped field starts here. */
export function requireViewer(ctx: Context): Viewer {
  if (ctx.viewer) return ctx.viewer;
  throw ctx.authError ?? new AppError('UNAUTHENTICATED', 'sign in first: send "Authorization: Bearer <token>"');
}
