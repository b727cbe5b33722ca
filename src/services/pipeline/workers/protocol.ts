/** Messages a pipeline worker sends its parent. */
export type WorkerMessage =
  | { type: 'progress'; fraction: number }
  | { type: 'done'; result: Record<string, unknown> }
  /** `expose`: the message is meant for the user (a bad row), else it is an internal failure. */
  | { type: 'failed'; message: string; expose: boolean };

/** What every job gets, as its first message: its own connection to the database, and its input. */
export interface WorkerInput<T> {
  databaseUrl: string;
  job: T;
}
