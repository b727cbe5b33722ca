import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface CapturedOutput {
  /** The last characters the child wrote to stderr (for error messages). */
  tail(): string;
  /** Settles once the child's stdio has closed and the file is written. */
  done: Promise<void>;
}

/**
 * Writes a child's stdout and stderr (both piped) into one log file and keeps the tail of its
 * stderr. The file ends when the child's stdio has closed (`close`), not when stdout ends:
 * stdout and stderr are two pipes read in either order, so a child that prints to stderr as it
 * exits (a stack, a warning) can have that chunk delivered after stdout's end. With
 * `stdout.pipe(file)` that chunk was a write after end, an 'error' event on the file stream with
 * no listener, which killed the whole bench. A failing log file is noted, never fatal.
 */
export function captureOutput(child: ChildProcess, file: string, tailChars = 4000): CapturedOutput {
  const log = createWriteStream(file);
  let stderr = '';
  let failed: Error | null = null;
  log.on('error', (err) => {
    failed ??= err;
  });
  const write = (chunk: Buffer) => {
    if (!failed && log.writable) log.write(chunk);
  };
  child.stdout?.on('data', write);
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + String(chunk)).slice(-tailChars);
    write(chunk);
  });
  const done = new Promise<void>((resolve) => {
    log.once('close', () => resolve());
    child.once('close', () => {
      if (failed || !log.writable) return resolve();
      log.end();
    });
  });
  return {
    tail: () => (failed ? `${stderr}\n(log ${file} could not be written: ${failed.message})` : stderr),
    done,
  };
}
