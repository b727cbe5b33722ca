/** What EXTRACT's worker is given, and the messages it sends back. */
export interface ExtractJob {
  path: string;
  documentName: string;
  projectId: string;
  documentId: string;
  batchSize: number;
}

export type WorkerMessage =
  | { type: 'chunk'; text: string; bytes: number }
  | { type: 'done'; rows: number; bytes: number }
  | { type: 'format-error'; message: string }
  | { type: 'error'; message: string };
