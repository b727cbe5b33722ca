import { expect } from 'vitest';
import { knownBugOfAnswer, knownBugOfError, type KnownBug } from './known-bugs.js';

/** The codes of API.md's error table. */
export const API_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'REVIEW_PENDING', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR'] as const;

/**
 * What must never reach a client: stack frames, SQL and its error texts, source paths, the
 * database's name. Compared case-insensitively; a marker the request itself contained is not
 * checked (a message may quote the client's own input back, e.g. a refused head).
 */
export const LEAK_MARKERS = ['    at ', 'insert into', 'syntax error at', 'violates', '/src/', 'node_modules', 'postgres'] as const;
/**
 * SQL text, as a query, not the word: graphql-js's own validation message "Anonymous
 * Subscription must select only one top level field" says "select " too.
 */
const SQL_SELECT = /\bselect\s.*\sfrom\s/s;

export interface HttpAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

export interface GraphQLErrorShape {
  message?: unknown;
  extensions?: { code?: unknown; [k: string]: unknown };
}

/** Reads every GraphQL error in a body: one JSON response, or each payload of a stream. */
export function errorsIn(body: unknown): GraphQLErrorShape[] {
  if (Array.isArray(body)) return body.flatMap(errorsIn);
  if (body && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors)) {
    return (body as { errors: GraphQLErrorShape[] }).errors;
  }
  return [];
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface CheckOptions {
  /** Known bugs whose exact signature is accepted here (counted in `hits`), see known-bugs.ts. */
  tolerate?: readonly KnownBug[];
  hits?: Tally;
}

/**
 * The properties every answer to a client's fault must have: no 5xx; every error carries a
 * code of API.md's table and never INTERNAL_SERVER_ERROR; nothing internal in the body.
 * A WebSocket message is checked as an answer with status 0.
 */
export function expectClientFaultHandled(
  request: string,
  answer: HttpAnswer,
  errors: GraphQLErrorShape[],
  what: string,
  options: CheckOptions = {},
): void {
  const context = `${what}\nrequest: ${request.slice(0, 600)}\nanswer ${answer.status}: ${answer.text.slice(0, 600)}`;
  expect(answer.status, context).toBeLessThan(500);
  const tolerated = (bug: KnownBug | null): boolean => {
    if (!bug || !options.tolerate?.includes(bug)) return false;
    options.hits?.add(bug);
    return true;
  };
  if (answer.text === '' && answer.status >= 400) {
    // No body, so no code: acceptable only where the endpoint is not GraphQL's (404, 405).
    if (!tolerated(knownBugOfAnswer(answer))) expect([404, 405], `${context}\nan error answer without a body`).toContain(answer.status);
  }
  for (const error of errors) {
    if (tolerated(knownBugOfError(error, answer.status === 0 ? null : answer))) continue;
    expect(API_CODES as readonly unknown[], `${context}\nerror: ${JSON.stringify(error)}`).toContain(error.extensions?.code);
    expect(error.extensions?.code, context).not.toBe('INTERNAL_SERVER_ERROR');
  }
  expectNoLeak(request, answer.text, context);
}

export function expectNoLeak(request: string, text: string, context: string): void {
  const sent = request.toLowerCase();
  const body = text.toLowerCase();
  for (const marker of LEAK_MARKERS) {
    if (sent.includes(marker)) continue;
    expect(body.includes(marker), `${context}\nleaks ${JSON.stringify(marker)}`).toBe(false);
  }
  if (!SQL_SELECT.test(sent)) expect(SQL_SELECT.test(body), `${context}\nleaks a SELECT statement`).toBe(false);
}

/** How many inputs each property sent to the server. */
export function createTally() {
  const counts = new Map<string, number>();
  return {
    add(property: string, n = 1): void {
      counts.set(property, (counts.get(property) ?? 0) + n);
    },
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    entries: () => [...counts.entries()],
    report(title: string): string {
      const width = Math.max(...[...counts.keys()].map((k) => k.length), 10);
      const lines = [...counts.entries()].map(([k, n]) => `  ${k.padEnd(width)}  ${String(n).padStart(6)}`);
      return [`${title}`, ...lines, `  ${'TOTAL'.padEnd(width)}  ${String(this.total()).padStart(6)}`].join('\n');
    },
  };
}
export type Tally = ReturnType<typeof createTally>;
