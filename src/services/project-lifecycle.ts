import type { Sql } from '../database/sql.js';
import type { DocumentStore } from './documents.js';
import { requireText } from './auth.js';
import { AppError, badInput, notFound, parseId } from './errors.js';
import type { Logger } from './logger.js';
import { PROJECT_COLUMNS, transition, type ProjectRow } from './pipeline/run-store.js';
import type { AppPubSub, ProjectStatusEvent } from './pubsub.js';

const BUSY = 'is being processed or queued: cancel it (cancelProcessing) or wait for the run to end first';

/**
 * Fixing mistakes: renaming a project, taking out a wrong upload, deleting a project.
 *
 * Invariant shared with the claim (src/services/pipeline/claim.ts): both decide on the project
 * row under its row lock, the claim by `update … where is_processing = false`, a delete by
 * `select … for update` then checking `is_processing`. Whichever locks first wins; the other
 * sees its result (a started run: CONFLICT; a deleted project: NOT_FOUND), so a start and a
 * delete can never both succeed. Uploads insert documents referencing the row (a key-share
 * lock), so an upload racing a project delete fails cleanly instead of leaving an orphan.
 */
export function createProjectLifecycle({ sql, pubsub, documents, logger }: { sql: Sql; pubsub: AppPubSub; documents: DocumentStore; logger: Logger }) {
  const log = logger.child({ component: 'project-lifecycle' });

  /** Locks the firm's project row; NOT_FOUND when missing or another firm's, CONFLICT while busy. */
  async function lockIdle(tx: Sql, projectId: string, firmId: string, what: string): Promise<{ lastSequence: number }> {
    const rows = await tx.query<{ isProcessing: boolean; lastSequence: number }>(
      'select is_processing as "isProcessing", last_sequence as "lastSequence" from cma_projects where id = $1 and firm_id = $2 for update',
      [projectId, firmId],
    );
    const row = rows[0];
    if (!row) throw notFound(what);
    if (row.isProcessing) throw new AppError('CONFLICT', `this project ${BUSY}`);
    return row;
  }

  async function projectRow(projectId: string): Promise<ProjectRow> {
    const rows = await sql.query<ProjectRow>(`select ${PROJECT_COLUMNS} from cma_projects where id = $1`, [projectId]);
    if (!rows[0]) throw notFound('project'); // deleted right after: as if it never was
    return rows[0];
  }

  return {
    async update(firmId: string, rawId: string, input: { name?: string | null; clientName?: string | null }): Promise<ProjectRow> {
      const id = parseId(rawId, 'id');
      if (input.name === null) throw badInput('name must not be empty', 'name');
      const name = input.name === undefined ? null : requireText(input.name, 'name', 200);
      const setClient = input.clientName !== undefined;
      const clientName = input.clientName == null ? null : requireText(input.clientName, 'clientName', 200);
      // Written only when something changes: updatedAt says when the project last changed.
      const rows = await sql.query<ProjectRow>(
        `with changed as (
           update cma_projects set name = coalesce($3, name), client_name = case when $4 then $5 else client_name end, updated_at = now()
           where id = $1 and firm_id = $2
             and (coalesce($3, name) is distinct from name or (case when $4 then $5 else client_name end) is distinct from client_name)
           returning ${PROJECT_COLUMNS})
         select * from changed
         union all
         select ${PROJECT_COLUMNS} from cma_projects where id = $1 and firm_id = $2 and not exists (select 1 from changed)`,
        [id, firmId, name, setClient, clientName],
      );
      if (!rows[0]) throw notFound('project');
      return rows[0];
    },

    /**
     * Takes a document out of its project: its bytes, its line items (a trigger) and the
     * checkpoints (the next run extracts and classifies again from what is left). With no
     * document left the project is a DRAFT again and its report, about nothing, goes.
     */
    async deleteDocument(firmId: string, rawId: string): Promise<ProjectRow> {
      const id = parseId(rawId, 'id');
      const { projectId, storageKey, event } = await sql.tx(async (tx) => {
        const docs = await tx.query<{ projectId: string; filename: string }>(
          'select project_id as "projectId", filename from documents where id = $1 and firm_id = $2',
          [id, firmId],
        );
        const doc = docs[0];
        if (!doc) throw notFound('document');
        await lockIdle(tx, doc.projectId, firmId, 'document');
        const deleted = await tx.query<{ storageKey: string }>('delete from documents where id = $1 returning storage_key as "storageKey"', [id]);
        if (!deleted[0]) throw notFound('document'); // deleted by a concurrent call
        const left = (await tx.query<{ n: number }>('select count(*)::int as n from documents where project_id = $1', [doc.projectId]))[0]!.n;
        await tx.query('update cma_projects set extracted_digest = null, classified_digest = null where id = $1', [doc.projectId]);
        if (left === 0) await tx.query('delete from cma_reports where project_id = $1', [doc.projectId]);
        const stored = await transition(
          tx,
          doc.projectId,
          left === 0 ? { status: 'DRAFT', currentStage: null, progress: 0, errorMessage: null } : {},
          { runId: null, message: `Document "${doc.filename}" deleted${left === 0 ? ': no document left' : ''}` },
        );
        return { projectId: doc.projectId, storageKey: deleted[0].storageKey, event: stored };
      });
      if (event) pubsub.publish('project:status', projectId, event);
      log.info({ projectId, documentId: id }, 'document deleted');
      await documents.removeStoredBytes([storageKey]);
      return projectRow(projectId);
    },

    /**
     * Deletes the project and everything it owns (documents, runs and their stages, events,
     * report: ON DELETE CASCADE; line items: a trigger, see migration …180000) in one transaction.
     * Its subscribers then get a last event, status DELETED, and their subscriptions complete.
     */
    async deleteProject(firmId: string, rawId: string): Promise<void> {
      const id = parseId(rawId, 'id');
      const { lastSequence, storageKeys } = await sql.tx(async (tx) => {
        const { lastSequence } = await lockIdle(tx, id, firmId, 'project');
        const docs = await tx.query<{ storageKey: string }>('delete from documents where project_id = $1 returning storage_key as "storageKey"', [id]);
        await tx.query('delete from cma_projects where id = $1', [id]);
        return { lastSequence, storageKeys: docs.map((d) => d.storageKey) };
      });
      const final: ProjectStatusEvent = {
        projectId: id,
        runId: null,
        sequence: lastSequence + 1,
        status: 'DELETED',
        stage: null,
        progress: 0,
        message: 'Project deleted',
        errorMessage: null,
        at: new Date(),
      };
      pubsub.publish('project:status', id, final);
      log.info({ projectId: id, documents: storageKeys.length }, 'project deleted');
      await documents.removeStoredBytes(storageKeys);
    },
  };
}
export type ProjectLifecycle = ReturnType<typeof createProjectLifecycle>;
