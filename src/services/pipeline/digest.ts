import { createHash } from 'node:crypto';
import type { Sql } from '../../database/sql.js';

/**
 * The checkpoint key of EXTRACT and CLASSIFY: a hash over the project's documents (id and
 * content hash, in a fixed order). Any upload changes it; identical content re-uploaded too,
 * since it is a new document.
 */
export async function documentsDigest(sql: Sql, projectId: string): Promise<string> {
  const rows = await sql.query<{ id: string; sha256: string }>(
    'select id, sha256 from documents where project_id = $1 order by id',
    [projectId],
  );
  const hash = createHash('sha256');
  for (const row of rows) hash.update(`${row.id}:${row.sha256}\n`);
  return hash.digest('hex');
}
