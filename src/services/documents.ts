import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Document, Project } from '../entities/index.js';
import { badInput, notFound } from './errors.js';
import type { Logger } from './logger.js';

/** What an upload hands us: a WHATWG File (yoga's multipart) or anything shaped like one. */
export interface UploadedFile {
  name: string;
  type: string;
  stream(): ReadableStream<Uint8Array>;
}

const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/comma-separated-values', 'application/vnd.ms-excel']);

export interface DocumentStoreOptions {
  dataDir: string;
  maxUploadBytes: number;
  logger: Logger;
}

/**
 * Uploaded statements on disk under `<dataDir>/documents`, their metadata in the database.
 * Invariant: a document row exists only for a file written whole and checked; the file is
 * written to a temporary name and renamed into place before the row is inserted, and removed
 * again if the insert fails, so an upload lands whole or not at all.
 */
export function createDocumentStore({ dataDir, maxUploadBytes, logger }: DocumentStoreOptions) {
  const root = path.join(dataDir, 'documents');
  const pathOf = (storageKey: string) => path.join(root, storageKey);

  return {
    pathOf,

    /**
     * Frees the bytes of documents whose rows were deleted (called after that transaction
     * commits). Best effort: a file that cannot be removed is logged and left behind, never
     * fails the delete the user asked for. The one place that knows where bytes live.
     */
    async removeStoredBytes(storageKeys: readonly string[]): Promise<void> {
      for (const storageKey of storageKeys) {
        try {
          await rm(pathOf(storageKey), { force: true });
        } catch (err) {
          logger.warn({ err, storageKey }, 'could not remove a deleted document\'s file');
        }
      }
    },

    async upload(em: EntityManager, firmId: string, projectId: string, file: UploadedFile): Promise<Document> {
      const filename = sanitizeFilename(file.name);
      const contentType = (file.type || 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
      if (!filename.toLowerCase().endsWith('.csv') && !CSV_TYPES.has(contentType)) {
        throw badInput(`only CSV files are accepted; "${filename}" is ${contentType}`, 'file');
      }
      const project = await em.findOne(Project, { id: projectId, firmId });
      if (!project) throw notFound('project');

      await mkdir(root, { recursive: true });
      const storageKey = randomUUID();
      const temp = pathOf(`${storageKey}.part`);
      const check = new UploadCheck(filename, maxUploadBytes);
      try {
        await pipeline(Readable.from(readChunks(file.stream())), check, createWriteStream(temp, { flags: 'wx' }));
        check.assertComplete();
        await rename(temp, pathOf(storageKey));
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      try {
        const document = em.create(Document, {
          projectId,
          firmId,
          filename,
          // Accepted by its .csv name whatever the browser called it: stored as what it is.
          contentType: CSV_TYPES.has(contentType) ? contentType : 'text/csv',
          sizeBytes: check.bytes,
          sha256: check.sha256(),
          storageKey,
        });
        await em.flush();
        logger.info({ projectId, documentId: document.id, bytes: check.bytes }, 'document uploaded');
        return document;
      } catch (err) {
        await rm(pathOf(storageKey), { force: true });
        // The project was deleted while the file streamed in: the foreign key refused the row.
        if (err instanceof ForeignKeyConstraintViolationException) throw notFound('project');
        throw err;
      }
    },
  };
}
export type DocumentStore = ReturnType<typeof createDocumentStore>;

/**
 * Counts, hashes and checks bytes as they stream past: over the limit fails at once (not after
 * the whole body), invalid UTF-8 or a NUL byte fails with the byte offset.
 */
class UploadCheck extends Transform {
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

/** Reads any WHATWG ReadableStream (native or the fetch ponyfill's) chunk by chunk. */
async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  } finally {
    reader.releaseLock();
  }
}

function sanitizeFilename(raw: string): string {
  const base = path.basename((raw || 'upload.csv').replace(/\\/g, '/'));
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return clean === '' ? 'upload.csv' : clean;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
