import { requireViewer } from '../context.js';
import type { CmaReport, CmaYearFigures, StoredForm, StoredRatio, StoredRatioValue, StoredRow, StoredValue } from '../entities/index.js';
import { paiseToNumber } from '../services/cma/money.js';
import { projects } from '../services/projects.js';
import { notFound } from '../services/errors.js';
import { builder } from './builder.js';

const CmaYearRef = builder.objectRef<CmaYearFigures>('CmaYear').implement({
  fields: (t) => ({
    fiscalYear: t.exposeInt('fiscalYear'),
    currentRatio: t.exposeFloat('currentRatio', { nullable: true }),
    totalOutsideLiabilitiesToNetWorth: t.exposeFloat('totalOutsideLiabilitiesToNetWorth', { nullable: true }),
    netWorkingCapital: t.exposeFloat('netWorkingCapital'),
    workingCapitalGap: t.exposeFloat('workingCapitalGap'),
    mpbf: t.exposeFloat('mpbf', { description: 'Maximum permissible bank finance, second method of lending' }),
    inventoryDays: t.exposeFloat('inventoryDays', { nullable: true }),
    receivableDays: t.exposeFloat('receivableDays', { nullable: true }),
    payableDays: t.exposeFloat('payableDays', { nullable: true }),
  }),
});

const CmaValueRef = builder.objectRef<StoredValue>('CmaValue').implement({
  description: 'One fiscal year of a form row',
  fields: (t) => ({
    fiscalYear: t.exposeInt('fiscalYear'),
    amount: t.float({
      nullable: true,
      description: 'Rupees; for RATIO rows the ratio or percentage itself; null where the row does not apply',
      resolve: (v) => (v.paise !== null ? paiseToNumber(BigInt(v.paise)) : v.value),
    }),
    months: t.exposeFloat('months', { nullable: true, description: 'Holding level in months (Form IV)' }),
  }),
});

const CmaRowRef = builder.objectRef<StoredRow>('CmaRow').implement({
  fields: (t) => ({
    code: t.exposeString('code', { description: 'Stable upper-case name, e.g. NET_SALES, TOTAL_ASSETS, MPBF' }),
    label: t.exposeString('label'),
    level: t.exposeInt('level', { description: 'Indent: 0 heading, 1 row, 2 sub-row' }),
    kind: t.exposeString('kind', { description: 'HEADING, ROW, SUBTOTAL, TOTAL or RATIO' }),
    values: t.field({ type: [CmaValueRef], resolve: (row) => row.values }),
  }),
});

const CmaFormRef = builder.objectRef<StoredForm>('CmaForm').implement({
  fields: (t) => ({
    code: t.exposeString('code', { description: 'FORM_II … FORM_VI' }),
    title: t.exposeString('title'),
    rows: t.field({ type: [CmaRowRef], resolve: (form) => form.rows }),
  }),
});

const CmaRatioValueRef = builder.objectRef<StoredRatioValue>('CmaRatioValue').implement({
  fields: (t) => ({
    fiscalYear: t.exposeInt('fiscalYear'),
    value: t.exposeFloat('value', { nullable: true }),
    meetsBenchmark: t.exposeBoolean('meetsBenchmark', { nullable: true, description: 'Null where the benchmark is a comparison, not a threshold' }),
  }),
});

const CmaRatioRef = builder.objectRef<StoredRatio>('CmaRatio').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    label: t.exposeString('label'),
    formula: t.exposeString('formula'),
    benchmark: t.exposeString('benchmark'),
    values: t.field({ type: [CmaRatioValueRef], resolve: (ratio) => ratio.values }),
  }),
});

export const CmaReportRef = builder.objectRef<CmaReport>('CmaReport').implement({
  fields: (t) => ({
    generatedAt: t.expose('generatedAt', { type: 'DateTime' }),
    years: t.field({ type: [CmaYearRef], resolve: (r) => r.years }),
    forms: t.field({ type: [CmaFormRef], description: 'Forms II–VI (Form VI from the second year)', resolve: (r) => r.forms }),
    ratios: t.field({ type: [CmaRatioRef], resolve: (r) => r.ratios }),
  }),
});

builder.mutationField('reportDownloadUrl', (t) =>
  t.string({
    description: "A signed link to the project's workbook (GET it without a token), valid for 5 minutes, for this project and firm only",
    args: { projectId: t.arg.id({ required: true }) },
    resolve: async (_r, args, ctx) => {
      const { firmId } = requireViewer(ctx);
      const project = await projects.get(ctx.em(), firmId, String(args.projectId));
      if (!(await projects.report(ctx.em(), project.id))) throw notFound('report (the project has no completed run yet)');
      return ctx.services.downloadLinks.create(project.id, firmId);
    },
  }),
);
