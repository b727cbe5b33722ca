import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** One figure set per fiscal year, as computed by GENERATE. */
export interface CmaYearFigures {
  fiscalYear: number;
  currentRatio: number | null;
  totalOutsideLiabilitiesToNetWorth: number | null;
  netWorkingCapital: number;
  workingCapitalGap: number;
  mpbf: number;
  inventoryDays: number | null;
  receivableDays: number | null;
  payableDays: number | null;
}

/** The latest report of a project (one row per project, replaced by each completed run). */
export const CmaReport = defineEntity({
  name: 'CmaReport',
  tableName: 'cma_reports',
  properties: (p) => ({
    projectId: p.uuid().primary(),
    runId: p.uuid(),
    generatedAt: p.datetime().defaultRaw('now()'),
    years: p.json<CmaYearFigures[]>(),
  }),
});
export type CmaReport = InferEntity<typeof CmaReport>;
