/**
 * Application errors: what a client did wrong, with the code of API.md's table. Services throw
 * these; the schema edge turns them into GraphQLErrors. Anything else is a bug: masked, logged.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'REVIEW_PENDING'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

/** HTTP status per code, where the transport is HTTP. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 200,
  BAD_USER_INPUT: 200,
  CONFLICT: 409,
  REVIEW_PENDING: 200,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra, safe-to-show details (e.g. the field at fault). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Signed in, but the caller's role does not allow it. */
export const forbidden = (message: string) => new AppError('FORBIDDEN', message);

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const badInput = (message: string, field?: string) =>
  new AppError('BAD_USER_INPUT', message, field ? { field } : {});

/** Whatever was thrown, as an Error: nothing untyped travels further (graphile-worker's habit). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : `non-error thrown: ${JSON.stringify(thrown)}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Checks an id argument is a UUID before it reaches SQL. */
export function parseId(raw: string, field: string): string {
  if (!UUID.test(raw)) throw badInput(`${field} is not a valid id`, field);
  return raw.toLowerCase();
}
