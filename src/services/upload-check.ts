import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { badInput } from './errors.js';

/**
 * Counts, hashes and checks bytes as they stream past: over the limit fails at once (not after
 * the whole body), invalid UTF-8 or a NUL byte fails with the byte offset.
 */
export class UploadCheck extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly filename: string,
    private readonly limit: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      return done(badInput(`"${this.filename}" is larger than the upload limit of ${formatBytes(this.limit)} (${this.limit} bytes, MAX_UPLOAD_BYTES)`, 'file'));
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      return done(badInput(`"${this.filename}" is not valid UTF-8 text (near byte ${this.bytes - chunk.length})`, 'file'));
    }
    if (chunk.includes(0)) return done(badInput(`"${this.filename}" is a binary file, not CSV text`, 'file'));
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.decode();
    } catch {
      return done(badInput(`"${this.filename}" ends in the middle of a UTF-8 character`, 'file'));
    }
    done();
  }

  assertComplete(): void {
    if (this.bytes === 0) throw badInput(`"${this.filename}" is empty`, 'file');
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
