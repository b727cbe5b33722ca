import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sql } from '../database/sql.js';
import { Document } from '../entities/index.js';
import { badInput, notFound } from './errors.js';
import type { Logger } from './logger.js';
import { documentChunkWriter } from './storage/document-chunks.js';
import { UploadCheck } from './upload-check.js';

/** What an upload hands us: a WHATWG File (yoga's multipart) or anything shaped like one. */
export interface UploadedFile {
  name: string;
  type: string;
  stream(): ReadableStream<Uint8Array>;
}

const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/comma-separated-values', 'application/vnd.ms-excel']);

export interface DocumentStoreOptions {
  sql: Sql;
  maxUploadBytes: number;
  logger: Logger;
}

/**
 * Uploaded statements: their bytes and their metadata both in PostgreSQL (document_chunks, see
 * storage/document-chunks.ts). Invariant: a document row exists only for bytes stored whole and
 * checked: the chunks and the row are written in one transaction, which any failure (a check,
 * a lost connection, a vanished project) rolls back, so an upload lands whole or not at all.
 */
export function createDocumentStore({ sql, maxUploadBytes, logger }: DocumentStoreOptions) {
  return {
    async upload(em: EntityManager, firmId: string, projectId: string, file: UploadedFile): Promise<Document> {
      const filename = sanitizeFilename(file.name);
      const contentType = (file.type || 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
      if (!filename.toLowerCase().endsWith('.csv') && !CSV_TYPES.has(contentType)) {
        throw badInput(`only CSV files are accepted; "${filename}" is ${contentType}`, 'file');
      }
      const documentId = randomUUID();
      const check = new UploadCheck(filename, maxUploadBytes);
      await sql.tx(async (tx) => {
        // KEY SHARE: the project cannot be deleted while its document is being written.
        const [project] = await tx.query('select id from cma_projects where id = $1 and firm_id = $2 for key share', [projectId, firmId]);
        if (!project) throw notFound('project');
        await pipeline(Readable.from(readChunks(file.stream())), check, documentChunkWriter(tx, documentId));
        check.assertComplete();
        await tx.query(
          `insert into documents (id, project_id, firm_id, filename, content_type, size_bytes, sha256)
           values ($1, $2, $3, $4, $5, $6, $7)`,
          [
            documentId,
            projectId,
            firmId,
            filename,
            // Accepted by its .csv name whatever the browser called it: stored as what it is.
            CSV_TYPES.has(contentType) ? contentType : 'text/csv',
            check.bytes,
            check.sha256(),
          ],
        );
      });
      logger.info({ projectId, documentId, bytes: check.bytes }, 'document uploaded');
      return em.findOneOrFail(Document, { id: documentId });
    },
  };
}
export type DocumentStore = ReturnType<typeof createDocumentStore>;

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
