import { Migration } from '@mikro-orm/migrations';

/**
 * Document bytes move from DATA_DIR/documents into the database, so any process on any machine
 * can read them. One row per chunk of at most 512 KiB (storage/document-chunks.ts):
 * - ON DELETE CASCADE: deleting a document (or its project or firm) frees its bytes in the same
 *   transaction, nothing else to clean up;
 * - DEFERRABLE INITIALLY DEFERRED: an upload writes its chunks while it streams and its
 *   `documents` row last, once the size and hash are known, all in one transaction;
 * - compressed (TOAST): CSV shrinks about 3x on disk. lz4 where the server has it (as fast as
 *   no compression, measured: README "Document storage"), else PostgreSQL's default pglz (the
 *   embedded PostgreSQL is built without lz4).
 * `storage_key` now names a file of the previous version still waiting to be moved (null once
 * the bytes are in document_chunks, and for every new upload).
 */
export class Migration20261203100000_document_chunks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table document_chunks (
        document_id uuid not null references documents (id) on delete cascade deferrable initially deferred,
        seq integer not null check (seq >= 0),
        data bytea not null,
        primary key (document_id, seq)
      );
      do $$ begin
        alter table document_chunks alter column data set compression lz4;
      exception when feature_not_supported then
        null;
      end $$;
      alter table documents alter column storage_key drop not null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table document_chunks;
      update documents set storage_key = id::text where storage_key is null;
      alter table documents alter column storage_key set not null;
    `);
  }
}
