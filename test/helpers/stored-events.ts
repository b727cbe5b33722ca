import pg from 'pg';
import { gqlOk } from './client.js';
import { waitFor } from './deferred.js';

/** The sequences stored for a project's status events, in order, read on a connection of its own. */
export async function storedSequences(databaseUrl: string, projectId: string): Promise<number[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ sequence: string }>('select sequence from project_status_events where project_id = $1 order by sequence', [projectId]);
    return rows.map((r) => Number(r.sequence));
  } finally {
    await db.end();
  }
}

/** Waits until the project's status, asked over HTTP, is `status`. */
export async function waitForProjectStatus(url: string, token: string, projectId: string, status: string, what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const data = await gqlOk<{ project: { status: string } }>(url, 'query($id: ID!) { project(id: $id) { status } }', { id: projectId }, token);
    return data.project.status === status;
  }, what, timeoutMs);
}
