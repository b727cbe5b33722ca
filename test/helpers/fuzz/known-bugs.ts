import type { GraphQLErrorShape, HttpAnswer } from './invariants.js';

/**
 * Server bugs the fuzz suite found and that are not fixed yet. Each has an `it.fails` in
 * test/e2e/api-fuzz.test.ts that passes once the bug is fixed (flip it to `it` then). A
 * property may tolerate a bug's exact signature so it keeps fuzzing everything else; every
 * tolerated answer is counted and printed. Remove an entry (and its tolerance) once fixed.
 */
export const KNOWN_BUGS = {
  /** src/error-masking.ts createMaskError: variable coercion errors lose their code. */
  'variable-coercion-without-code': 'a variable of the wrong type is answered with an error without extensions.code (HTTP 200)',
  /** src/error-masking.ts REQUEST_CODES: yoga's OPERATION_RESOLUTION_FAILURE passes through. */
  'operation-resolution-code': 'an operationName that selects no operation is answered with code OPERATION_RESOLUTION_FAILURE',
  /** src/ws.ts withCode: parse and validation errors over graphql-ws keep yoga's code. */
  'ws-validation-code': 'over graphql-ws a query that does not parse or validate gets code GRAPHQL_VALIDATION_FAILED',
  /** graphql-yoga's GET parser JSON.parses `variables`/`extensions` unguarded; the mask makes it a 500. */
  'get-invalid-json-500': 'GET /graphql with a variables or extensions parameter that is not JSON is a 500 INTERNAL_SERVER_ERROR',
  /** yoga's own 406/415 answers: no body at all. */
  'bodyless-406-415': 'an unsupported Content-Type (415) or Accept (406) is answered with an empty body, no error code',
} as const;
export type KnownBug = keyof typeof KNOWN_BUGS;

/** Messages graphql-js gives a variable value it cannot coerce (the inner error). */
const COERCION = [
  /^(ID|Int|Float|String|Boolean) cannot represent/,
  /^Enum ".+" cannot represent/,
  /^Value ".*" does not exist in ".+" enum/,
  /^Field ".*" is not defined by type ".+"/,
  /^Field ".*" of required type ".+" was not provided/,
  /^Expected type ".+" to be an object/,
  /^Expected non-nullable type ".+" not to be null/,
];

/** The known bug whose exact signature this error has, if any. */
export function knownBugOfError(error: GraphQLErrorShape, answer: HttpAnswer | null): KnownBug | null {
  const code = error.extensions?.code;
  const message = typeof error.message === 'string' ? error.message : '';
  if (code === undefined && (answer === null || answer.status === 200 || answer.status === 400) && COERCION.some((re) => re.test(message))) {
    return 'variable-coercion-without-code';
  }
  if (code === 'OPERATION_RESOLUTION_FAILURE' && message === 'Could not determine what operation to execute.') return 'operation-resolution-code';
  if (code === 'GRAPHQL_VALIDATION_FAILED' && answer === null) return 'ws-validation-code';
  return null;
}

export function knownBugOfAnswer(answer: HttpAnswer): KnownBug | null {
  return (answer.status === 406 || answer.status === 415) && answer.text === '' ? 'bodyless-406-415' : null;
}

/** The request is a GET whose `variables` or `extensions` parameter is there but is not JSON. */
export function isGetWithInvalidJson(method: string, search: string): boolean {
  if (method !== 'GET') return false;
  const params = new URLSearchParams(search.replace(/^\?/, ''));
  return ['variables', 'extensions'].some((name) => {
    const value = params.get(name);
    if (!value) return false;
    try {
      JSON.parse(value);
      return false;
    } catch {
      return true;
    }
  });
}
