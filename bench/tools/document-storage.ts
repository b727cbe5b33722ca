/**
 * How to keep document bytes in PostgreSQL, measured: chunked `bytea` (the service's choice,
 * with and without TOAST compression) against large objects, for one upload and one read of a
 * generated ~50 MB trial balance (`STORAGE EXTERNAL`: no compression; pglz, the default; lz4). Time and the peak growth of this process's RSS while each
 * runs. Run it on a quiet machine against a PostgreSQL you can create a database on:
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/tools/document-storage.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { CHUNK_BYTES } from '../../src/services/storage/document-chunks.js';
import { trialBalanceLines } from '../lib/trial-balance.js';

const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TARGET = 50 * 1024 * 1024;

/** ~50 MB of CSV in 64 KiB pieces, produced as it is read (as a multipart body would arrive). */
async function* source(): AsyncGenerator<Buffer> {
  let buffered: string[] = [];
  let size = 0;
  let total = 0;
  for (const line of trialBalanceLines(1_500_000, 3)) {
    buffered.push(line);
    size += line.length + 1;
    if (size >= 64 * 1024) {
      const chunk = Buffer.from(buffered.join('\n') + '\n');
      total += chunk.length;
      yield chunk;
      buffered = [];
      size = 0;
      if (total >= TARGET) return;
    }
  }
}

function peakRss() {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  return () => {
    clearInterval(timer);
    return Math.round((Math.max(peak, process.memoryUsage().rss) - base) / 1024 / 1024);
  };
}

async function measure(what: string, fn: () => Promise<number>): Promise<void> {
  global.gc?.();
  const rss = peakRss();
  const start = performance.now();
  const bytes = await fn();
  const ms = performance.now() - start;
  console.log(`${what.padEnd(44)} ${(bytes / 1024 / 1024).toFixed(1)} MB  ${ms.toFixed(0).padStart(6)} ms  ${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(0).padStart(4)} MB/s  peak RSS +${rss()} MB`);
}

async function chunked(client: pg.Client, table: string): Promise<void> {
  const id = randomUUID();
  await measure(`bytea chunks (${table}) upload`, async () => {
    await client.query('begin');
    let seq = 0;
    let bytes = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const put = async (data: Buffer) => {
      await client.query(`insert into ${table} (document_id, seq, data) values ($1, $2, $3)`, [id, seq++, data]);
      bytes += data.length;
    };
    for await (const chunk of source()) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= CHUNK_BYTES) {
        const all = Buffer.concat(pending);
        await put(all.subarray(0, CHUNK_BYTES));
        pending = [all.subarray(CHUNK_BYTES)];
        pendingBytes = pending[0]!.length;
      }
    }
    if (pendingBytes > 0) await put(Buffer.concat(pending));
    await client.query('commit');
    return bytes;
  });
  await measure(`bytea chunks (${table}) read`, async () => {
    let bytes = 0;
    for (let seq = 0; ; seq++) {
      const { rows } = await client.query({ text: `select data from ${table} where document_id = $1 and seq = $2`, values: [id, seq], binary: true } as pg.QueryConfig);
      const data = rows[0]?.data as Buffer | undefined;
      if (!data) break;
      bytes += data.length;
    }
    return bytes;
  });
  const { rows } = await client.query(`select pg_size_pretty(pg_total_relation_size('${table}')) as size`);
  console.log(`${''.padEnd(44)} on disk: ${rows[0].size}`);
}

async function largeObject(client: pg.Client): Promise<void> {
  let oid = 0;
  await measure('large object upload (lowrite per 512 KiB)', async () => {
    await client.query('begin');
    oid = (await client.query('select lo_create(0) as oid')).rows[0].oid;
    const fd = (await client.query('select lo_open($1, 131072) as fd', [oid])).rows[0].fd;
    let bytes = 0;
    await pipeline(Readable.from(source()), async function (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        await client.query('select lowrite($1, $2)', [fd, chunk]);
        bytes += chunk.length;
      }
    });
    await client.query('select lo_close($1)', [fd]);
    await client.query('commit');
    return bytes;
  });
  await measure('large object read (loread 512 KiB)', async () => {
    await client.query('begin');
    const fd = (await client.query('select lo_open($1, 262144) as fd', [oid])).rows[0].fd;
    let bytes = 0;
    for (;;) {
      const { rows } = await client.query({ text: 'select loread($1, $2) as data', values: [fd, CHUNK_BYTES], binary: true } as pg.QueryConfig);
      const data = rows[0].data as Buffer;
      if (data.length === 0) break;
      bytes += data.length;
    }
    await client.query('commit');
    return bytes;
  });
  const { rows } = await client.query(`select pg_size_pretty(pg_total_relation_size('pg_largeobject')) as size`);
  console.log(`${''.padEnd(44)} on disk: ${rows[0].size} (pg_largeobject, 2 KiB pages)`);
  await measure('large object unlink', async () => {
    await client.query('select lo_unlink($1)', [oid]);
    return 0;
  });
}

const name = `cma_storage_bench_${randomBytes(4).toString('hex')}`;
const adminClient = new pg.Client({ connectionString: admin });
await adminClient.connect();
await adminClient.query(`create database ${name}`);
const url = new URL(admin);
url.pathname = `/${name}`;
const client = new pg.Client({ connectionString: url.toString() });
try {
  await client.connect();
  await client.query(`
    create table chunks_external (document_id uuid, seq int, data bytea, primary key (document_id, seq));
    alter table chunks_external alter column data set storage external;
    create table chunks_pglz (document_id uuid, seq int, data bytea, primary key (document_id, seq));
    create table chunks_lz4 (document_id uuid, seq int, data bytea, primary key (document_id, seq));
    alter table chunks_lz4 alter column data set compression lz4;`);
  console.log(`chunk size ${CHUNK_BYTES / 1024} KiB, PostgreSQL ${(await client.query('show server_version')).rows[0].server_version}`);
  await chunked(client, 'chunks_external');
  await chunked(client, 'chunks_pglz');
  await chunked(client, 'chunks_lz4');
  await largeObject(client);
} finally {
  await client.end();
  await adminClient.query(`drop database ${name} with (force)`);
  await adminClient.end();
}
