import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import type { Sql } from '../../database/sql.js';

/**
 * Document bytes live in PostgreSQL, in `document_chunks` rows of at most CHUNK_BYTES each,
 * keyed (document_id, seq). Chunked `bytea` rather than large objects (measured, see README):
 * the chunks belong to their `documents` row through a foreign key with ON DELETE CASCADE, so
 * deleting a document (or its project, or its firm) frees its bytes in the same transaction,
 * with no trigger and no `vacuumlo`; and nothing but plain tables and grants is needed on a
 * managed PostgreSQL.
 */
export const CHUNK_BYTES = 512 * 1024;

/**
 * A Writable that stores what it is given as chunks of `documentId`, on `tx` (which must be a
 * transaction: the chunks may be written before their `documents` row, the foreign key is
 * checked at commit). At most one chunk is held in memory, plus what the stream buffers.
 */
export function documentChunkWriter(tx: Sql, documentId: string): Writable & { chunks(): number } {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let seq = 0;
  const insert = async (data: Buffer) => {
    await tx.query('insert into document_chunks (document_id, seq, data) values ($1, $2, $3)', [documentId, seq, data]);
    seq += 1;
  };
  const flushFull = async () => {
    while (pendingBytes >= CHUNK_BYTES) {
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      await insert(all.subarray(0, CHUNK_BYTES));
      const rest = all.subarray(CHUNK_BYTES);
      pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
    }
  };
  const writer = new Writable({
    highWaterMark: CHUNK_BYTES,
    write(chunk: Buffer, _enc, done) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      flushFull().then(() => done(), done);
    },
    final(done) {
      if (pendingBytes === 0) return done();
      insert(Buffer.concat(pending, pendingBytes)).then(() => done(), done);
      pending = [];
      pendingBytes = 0;
    },
  });
  return Object.assign(writer, { chunks: () => seq });
}

// Binary results (pg supports the flag; its types do not declare it): bytea arrives as raw
// bytes, not as hex text twice its size that the thread would then decode.
const chunkQuery = (documentId: string, seq: number) =>
  ({ text: 'select data from document_chunks where document_id = $1 and seq = $2', values: [documentId, seq], binary: true }) as pg.QueryConfig;

/** The bytes of a document cannot be read (it was deleted, or it is not in the database yet). */
export class DocumentUnavailableError extends Error {
  override readonly name = 'DocumentUnavailableError';
}

/**
 * A document's bytes as a Readable, read chunk by chunk on a connection of its own (the caller's
 * connection may be busy with a COPY fed from this very stream), in one REPEATABLE READ
 * snapshot, so the chunks read are those of one committed document. Each chunk is fetched when
 * the consumer asks for more, so memory stays at about two chunks whatever the file's size.
 * The connection is closed when the stream ends or is destroyed.
 */
export function readDocumentBytes(databaseUrl: string, document: { id: string; filename: string }): Readable {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'cma-document-reader' });
  let connected = false;
  let seq = 0;
  let bytes = 0;
  let expected = 0;

  const fail = (message: string) => new DocumentUnavailableError(`"${document.filename}": ${message}`);

  return new Readable({
    highWaterMark: CHUNK_BYTES,
    construct(done) {
      (async () => {
        await client.connect();
        connected = true;
        await client.query('begin isolation level repeatable read read only');
        const { rows } = await client.query<{ size: string; notMoved: boolean }>(
          `select size_bytes as size,
                  storage_key is not null and not exists (select 1 from document_chunks where document_id = d.id) as "notMoved"
             from documents d where id = $1`,
          [document.id],
        );
        const row = rows[0];
        if (!row) throw fail('the document was deleted while the project was being processed');
        expected = Number(row.size);
        if (row.notMoved) {
          throw fail(
            'the file is still on the disk of the server that received it (DATA_DIR/documents) and has not been moved into the database yet: start that server once, then process again',
          );
        }
      })().then(() => done(), (err: Error) => done(err));
    },
    read() {
      client
        .query<{ data: Buffer }>(chunkQuery(document.id, seq))
        .then(({ rows }) => {
          const data = rows[0]?.data;
          if (data) {
            seq += 1;
            bytes += data.length;
            this.push(data);
          } else if (bytes !== expected) {
            this.destroy(fail(`only ${bytes} of its ${expected} bytes are in the database`));
          } else {
            this.push(null);
          }
        })
        .catch((err: Error) => this.destroy(err));
    },
    destroy(err, done) {
      const end = connected ? client.query('rollback').catch(() => undefined).then(() => client.end()) : client.end();
      end.catch(() => undefined).then(() => done(err));
    },
  });
}
