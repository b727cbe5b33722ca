import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fields every log line written inside a unit of work carries: the request id of an HTTP
 * request, or the run's ids and current stage while a pipeline run executes. Kept in an
 * AsyncLocalStorage and added by the logger's mixin, so code deep inside (a stage, the store,
 * the error masking) needs no logger threaded through to be found by `runId` or `requestId`.
 */
export interface LogFields {
  requestId?: string;
  runId?: string;
  projectId?: string;
  firmId?: string;
  stage?: string;
}

const storage = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` (replacing, not merging, any outer unit's fields). */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  return storage.run(fields, fn);
}

/** Runs `fn` with the current fields plus `extra` (a stage inside a run). */
export function withMoreLogFields<T>(extra: LogFields, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...extra }, fn);
}

/** The current unit's fields (empty outside one); the logger's mixin. */
export function currentLogFields(): LogFields {
  return storage.getStore() ?? {};
}
