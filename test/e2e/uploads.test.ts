import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, example, gqlOk, signUp, upload } from '../helpers/client.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { maxUploadBytes: 64 * 1024 } });
});
afterAll(stopAll);

/** Stored bytes, as chunk rows: a failed upload must leave none behind. */
const storedChunks = async () => (await server.app.services.sql.query<{ n: number }>('select count(*)::int as n from document_chunks'))[0]!.n;

async function documentsOf(token: string, projectId: string) {
  const data = await gqlOk(server.url, 'query($id: ID!) { project(id: $id) { documents { id filename contentType sizeBytes sha256 } } }', { id: projectId }, token);
  return data.project.documents as { id: string; filename: string; contentType: string; sizeBytes: number; sha256: string }[];
}

describe('uploadDocument', () => {
  it('stores a CSV whole, with its size and sha256', async () => {
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const content = example('clean-two-years.csv');
    const res = await upload(server.url, token, projectId, { name: 'clean-two-years.csv', content });
    expect(res.data?.uploadDocument).toMatchObject({
      filename: 'clean-two-years.csv',
      sizeBytes: Buffer.byteLength(content),
      sha256: createHash('sha256').update(content).digest('hex'),
    });
    expect(await documentsOf(token, projectId)).toHaveLength(1);
  });

  it('accepts a .csv whatever the browser calls its type, and text/csv whatever its name', async () => {
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const content = example('clean-two-years.csv');
    expect((await upload(server.url, token, projectId, { name: 'tb.CSV', type: 'application/octet-stream', content })).errors).toBeUndefined();
    expect((await upload(server.url, token, projectId, { name: 'export', type: 'text/csv', content })).errors).toBeUndefined();
  });

  it('rejects, with BAD_USER_INPUT and nothing stored: over the size limit, another type, empty, not UTF-8, binary', async () => {
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const before = await storedChunks();
    const cases: [{ name: string; type?: string; content: string | Buffer }, RegExp][] = [
      [{ name: 'big.csv', content: 'a,b\n'.repeat(20_000) }, /limit/i],
      [{ name: 'report.pdf', type: 'application/pdf', content: '%PDF-1.7' }, /only CSV files are accepted; "report.pdf" is application\/pdf/],
      [{ name: 'empty.csv', content: '' }, /"empty.csv" is empty/],
      [{ name: 'latin1.csv', content: Buffer.from('fiscal_year,statement,line_item,amount\n2024,BS,D\xe9biteurs,100\n', 'latin1') }, /not valid UTF-8/],
      [{ name: 'binary.csv', content: Buffer.from([0x66, 0x00, 0x61]) }, /binary file/],
    ];
    for (const [file, message] of cases) {
      const res = await upload(server.url, token, projectId, file);
      expect(res.errors?.[0]?.extensions?.code, file.name).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message, file.name).toMatch(message);
      expect(res.status, file.name).toBeLessThan(500);
    }
    expect(await documentsOf(token, projectId)).toEqual([]);
    expect(await storedChunks()).toBe(before);
  });

  it('names the configured limit in the size error', async () => {
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const res = await upload(server.url, token, projectId, { name: 'big.csv', content: 'x'.repeat(64 * 1024 + 1) });
    expect(res.errors?.[0]?.message).toContain('65536');
  });

  it('does not let another firm upload to a project', async () => {
    const owner = await signUp(server.url);
    const other = await signUp(server.url);
    const projectId = await createProject(server.url, owner.token);
    const res = await upload(server.url, other.token, projectId, { name: 'x.csv', content: example('clean-two-years.csv') });
    expect(res.errors?.[0]).toMatchObject({ message: 'project not found', extensions: { code: 'NOT_FOUND' } });
    expect(await documentsOf(owner.token, projectId)).toEqual([]);
  });

  it('stores nothing when the client goes away mid-upload', async () => {
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    const before = await storedChunks();
    const boundary = 'x-boundary';
    const head = [
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n`,
      JSON.stringify({ query: 'mutation($p: ID!, $f: File!) { uploadDocument(projectId: $p, file: $f) { id } }', variables: { p: projectId, f: null } }),
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}`,
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\n`,
      'fiscal_year,statement,line_item,amount\n2024,BS,Share Capital,100\n',
    ].join('');
    await new Promise<void>((resolve) => {
      const req = request(server.url, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + 10_000), authorization: `Bearer ${token}` },
      });
      req.on('error', () => resolve());
      req.write(head, () => setImmediate(() => (req.destroy(), resolve())));
    });
    // The server notices the cut; whatever it was doing, nothing lands.
    const docs = await documentsOf(token, projectId);
    expect(docs).toEqual([]);
    expect(await storedChunks()).toBe(before);
  });
});
