import { CombinedGraphQLErrors } from '@apollo/client';

/** The `extensions.code` of an Apollo (or graphql-ws) error, when the server sent one. */
export function errorCode(error: unknown): string | undefined {
  if (CombinedGraphQLErrors.is(error)) return error.errors[0]?.extensions?.code as string | undefined;
  if (Array.isArray(error)) return (error[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code;
  return (error as { extensions?: { code?: string } } | null)?.extensions?.code;
}

function serverMessage(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) return error.errors[0]?.message ?? error.message;
  if (Array.isArray(error)) return String((error[0] as { message?: string } | undefined)?.message ?? 'request failed');
  return error instanceof Error ? error.message : String(error);
}

/** What to tell a person, in plain words, for each error the API can give. */
export function plainMessage(error: unknown): string {
  const message = serverMessage(error);
  switch (errorCode(error)) {
    case 'CONFLICT':
      return 'This project is already being processed. Wait for the current run to finish, or cancel it first.';
    case 'RATE_LIMITED':
      return `Too many attempts in a short time. Please wait a little and try again. (${message})`;
    case 'UNAUTHENTICATED':
      return message === 'invalid email or password'
        ? 'That email and password do not match an account.'
        : 'Your session has ended. Please sign in again.';
    case 'REVIEW_PENDING':
      return 'Some items still need a head. Pick one for each item below, then continue.';
    case 'NOT_FOUND':
      return 'Not found: it does not exist, or it belongs to another firm.';
    case 'FORBIDDEN':
      return 'Your role does not allow this.';
    case 'BAD_USER_INPUT':
      return message.charAt(0).toUpperCase() + message.slice(1);
    case 'INTERNAL_SERVER_ERROR':
      return 'Something went wrong on the server. Please try again.';
    default:
      // (Read through globalThis so the module also runs, and is tested, outside a browser.)
      return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false
        ? 'You are offline.'
        : `The service did not answer as expected: ${message}`;
  }
}
