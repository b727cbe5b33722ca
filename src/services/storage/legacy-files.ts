import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from '../../database/sql.js';
import type { Logger } from '../logger.js';
import { documentChunkWriter } from './document-chunks.js';

interface LegacyDocument {
  id: string;
  storageKey: string;
  filename: string;
  sizeBytes: string;
  sha256: string;
}

export interface MoveReport {
  moved: number;
  /** Rows whose file is not under this DATA_DIR (another machine's disk, or lost). */
  notHere: number;
  /** Files whose bytes no longer match their row's size and sha256: left in place, logged. */
  damaged: number;
}

/**
 * Moves the documents the previous version kept under `DATA_DIR/documents/<storage_key>` into
 * `document_chunks`, once, before this process runs anything. Idempotent and safe to interrupt
 * at any point (kill -9 included), because each document goes through three steps, each of
 * which the next start recognises:
 *   1. one transaction: lock the row, copy the file into chunks (checked against the row's size
 *      and sha256), commit. Interrupted: rolled back, nothing happened.
 *   2. delete the file. 3. `storage_key = null`.
 * A row with `storage_key` set and chunks present is past step 1: the next start does 2 and 3.
 * The row lock makes two processes moving the same DATA_DIR at once wait for each other.
 */
export async function moveLegacyDocuments(args: { sql: Sql; dataDir: string; logger: Logger }): Promise<MoveReport> {
  const { sql, logger } = args;
  const root = path.join(args.dataDir, 'documents');
  const report: MoveReport = { moved: 0, notHere: 0, damaged: 0 };
  const pending = await sql.query<LegacyDocument>(
    `select id, storage_key as "storageKey", filename, size_bytes as "sizeBytes", sha256
       from documents where storage_key is not null order by uploaded_at, id`,
  );
  for (const doc of pending) {
    const file = path.join(root, path.basename(doc.storageKey));
    const outcome = await sql.tx(async (tx) => {
      const [row] = await tx.query<{ storageKey: string | null; hasBytes: boolean }>(
        `select storage_key as "storageKey", exists (select 1 from document_chunks where document_id = d.id) as "hasBytes"
           from documents d where id = $1 for update`,
        [doc.id],
      );
      if (!row || row.storageKey === null) return 'gone' as const; // deleted, or finished by another process
      if (row.hasBytes) return 'copied' as const;
      if (!(await isFile(file))) return 'not-here' as const;
      const check = hashing();
      await pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), check, documentChunkWriter(tx, doc.id));
      if (check.bytes !== Number(doc.sizeBytes) || check.sha256() !== doc.sha256) {
        throw new DamagedFile(`${check.bytes} bytes, sha256 ${check.sha256()}; the row says ${doc.sizeBytes} bytes, sha256 ${doc.sha256}`);
      }
      return 'copied' as const;
    }).catch((err: unknown) => {
      if (!(err instanceof DamagedFile)) throw err;
      logger.error({ documentId: doc.id, file, why: err.message }, `the file of document "${doc.filename}" does not match what was uploaded; left in place, not moved`);
      return 'damaged' as const;
    });
    if (outcome === 'not-here') report.notHere += 1;
    if (outcome === 'damaged') report.damaged += 1;
    if (outcome !== 'copied') continue;
    await rm(file, { force: true });
    await sql.query('update documents set storage_key = null where id = $1', [doc.id]);
    report.moved += 1;
    logger.info({ documentId: doc.id, filename: doc.filename }, 'moved a document from DATA_DIR/documents into the database');
  }
  await removeLeftovers(root);
  if (report.moved > 0) logger.info({ ...report, from: root }, `moved ${report.moved} documents of the previous version into the database`);
  if (report.notHere > 0) {
    logger.warn(
      { notHere: report.notHere, dataDir: args.dataDir },
      `${report.notHere} documents of the previous version are not under this DATA_DIR: start the server whose DATA_DIR holds them once, so they are moved too; until then processing their projects fails naming them`,
    );
  }
  return report;
}

class DamagedFile extends Error {}

/** A pass-through that counts and hashes. */
function hashing(): Transform & { bytes: number; sha256(): string } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      counted.bytes += chunk.length;
      done(null, chunk);
    },
  });
  const counted = Object.assign(stream, { bytes: 0, sha256: () => hash.copy().digest('hex') });
  return counted;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * The previous version's half-written uploads (`<key>.part`, left by a crash mid-upload) were
 * never documents; once they are gone and every file moved, the folder goes too. Any other file
 * is left alone: it may be a document whose row lives in another database.
 */
async function removeLeftovers(root: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return; // no folder: nothing was ever stored here
  }
  for (const name of names.filter((n) => n.endsWith('.part'))) await rm(path.join(root, name), { force: true });
  await rmdir(root).catch(() => undefined); // only when empty
}
