import type { Sql } from '../../database/sql.js';
import type { StoredForm, StoredRatio } from '../../entities/index.js';
import type { WorkbookInput } from './workbook.js';

/**
 * What the workbook of one project needs, firm-scoped: 'NO_PROJECT' when the project is missing
 * or another firm's (indistinguishable, as everywhere in the API), 'NO_REPORT' before a run has
 * completed, or a report generated before forms existed (run the project again).
 */
export async function loadWorkbookInput(sql: Sql, projectId: string, firmId: string): Promise<WorkbookInput | 'NO_PROJECT' | 'NO_REPORT'> {
  const rows = await sql.query<{
    name: string; clientName: string | null; firmName: string; generatedAt: Date | null; forms: StoredForm[] | null; ratios: StoredRatio[] | null;
  }>(
    `select p.name, p.client_name as "clientName", f.name as "firmName", r.generated_at as "generatedAt", r.forms, r.ratios
     from cma_projects p join firms f on f.id = p.firm_id left join cma_reports r on r.project_id = p.id
     where p.id = $1 and p.firm_id = $2`,
    [projectId, firmId],
  );
  const row = rows[0];
  if (!row) return 'NO_PROJECT';
  if (!row.generatedAt || !row.forms || row.forms.length === 0) return 'NO_REPORT';
  return {
    borrower: row.clientName ?? row.name,
    projectName: row.name,
    firmName: row.firmName,
    generatedAt: new Date(row.generatedAt),
    forms: row.forms,
    ratios: row.ratios ?? [],
  };
}
