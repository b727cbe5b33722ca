import type { CmaReport, CmaYearFigures } from '../entities/index.js';
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

export const CmaReportRef = builder.objectRef<CmaReport>('CmaReport').implement({
  fields: (t) => ({
    generatedAt: t.expose('generatedAt', { type: 'DateTime' }),
    years: t.field({ type: [CmaYearRef], resolve: (r) => r.years }),
  }),
});
