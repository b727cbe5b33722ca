import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { badInput } from './errors.js';

/**
 * Counts and hashes bytes as they stream past: over the limit fails at once (not after the
 * whole body). What the bytes must be is UploadContentCheck's (upload-format.ts).
 */
export class UploadCheck extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

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
    this.hash.update(chunk);
    done(null, chunk);
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
