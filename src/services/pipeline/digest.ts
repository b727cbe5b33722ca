import { createHash } from 'node:crypto';

/**
 * The checkpoint key of EXTRACT and CLASSIFY: a hash over the project's documents (id and
 * content hash), which must come ordered by id. Any upload changes it; identical content
 * re-uploaded too, since it is a new document.
 */
export function documentsDigest(documentsById: readonly { id: string; sha256: string }[]): string {
  const hash = createHash('sha256');
  for (const row of documentsById) hash.update(`${row.id}:${row.sha256}\n`);
  return hash.digest('hex');
}
