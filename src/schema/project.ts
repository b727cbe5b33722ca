import { requireViewer } from '../context.js';
import type { ProjectRow } from '../services/pipeline/run-store.js';
import { projects } from '../services/projects.js';
import { builder } from './builder.js';
import { DocumentRef } from './document.js';
import { PipelineStageEnum, ProjectStatusEnum } from './enums.js';
import { LineItemRef } from './line-item.js';
import { PipelineRunRef } from './pipeline.js';
import { CmaReportRef } from './report.js';

export const ProjectRef = builder.objectRef<ProjectRow>('Project').implement({
  description: "A borrower's CMA project",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    clientName: t.exposeString('clientName', { nullable: true }),
    status: t.expose('status', { type: ProjectStatusEnum }),
    isProcessing: t.exposeBoolean('isProcessing'),
    currentStage: t.expose('currentStage', { type: PipelineStageEnum, nullable: true }),
    progress: t.exposeFloat('progress', { description: '0..1 over the whole pipeline' }),
    errorMessage: t.exposeString('errorMessage', { nullable: true, description: 'Set when status is ERROR, cleared on the next start' }),
    documents: t.field({ type: [DocumentRef], resolve: (p, _a, ctx) => projects.documents(ctx.em(), p.id) }),
    latestRun: t.field({
      type: PipelineRunRef,
      nullable: true,
      resolve: async (p, _a, ctx) => (await projects.runs(ctx.em(), p.id, 1))[0] ?? null,
    }),
    runs: t.field({
      type: [PipelineRunRef],
      description: 'Newest first; first ≤ 100',
      args: { first: t.arg.int({ defaultValue: 20 }) },
      resolve: (p, args, ctx) => projects.runs(ctx.em(), p.id, args.first ?? 20),
    }),
    lineItems: t.field({
      type: [LineItemRef],
      description: 'In document order; first ≤ 1000',
      args: {
        needsReview: t.arg.boolean(),
        first: t.arg.int({ defaultValue: 100 }),
        offset: t.arg.int({ defaultValue: 0 }),
      },
      resolve: (p, args, ctx) =>
        projects.lineItems(ctx.em(), p.id, { needsReview: args.needsReview, first: args.first ?? 100, offset: args.offset ?? 0 }),
    }),
    report: t.field({
      type: CmaReportRef,
      nullable: true,
      description: 'Null until a run has completed',
      resolve: (p, _a, ctx) => projects.report(ctx.em(), p.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const CreateProjectInput = builder.inputType('CreateProjectInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    clientName: t.string(),
  }),
});

const UpdateProjectInput = builder.inputType('UpdateProjectInput', {
  description: 'Only the fields given change; clientName: null clears it. Same rules as createProject.',
  fields: (t) => ({
    name: t.string(),
    clientName: t.string(),
  }),
});

builder.queryFields((t) => ({
  project: t.field({
    type: ProjectRef,
    nullable: true,
    description: "Null when missing or another firm's",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, args, ctx) => projects.find(ctx.em(), requireViewer(ctx).firmId, String(args.id)),
  }),
  projects: t.field({
    type: [ProjectRef],
    description: "The caller's firm only, newest first; first ≤ 200",
    args: {
      status: t.arg({ type: ProjectStatusEnum }),
      search: t.arg.string({ description: 'Part of the name or client name, any case' }),
      first: t.arg.int({ defaultValue: 50 }),
      offset: t.arg.int({ defaultValue: 0 }),
    },
    resolve: (_r, args, ctx) =>
      projects.list(ctx.em(), requireViewer(ctx).firmId, {
        status: args.status,
        search: args.search,
        first: args.first ?? 50,
        offset: args.offset ?? 0,
      }),
  }),
}));

builder.mutationField('createProject', (t) =>
  t.field({
    type: ProjectRef,
    args: { input: t.arg({ type: CreateProjectInput, required: true }) },
    resolve: (_r, { input }, ctx) => projects.create(ctx.em(), requireViewer(ctx).firmId, input),
  }),
);

builder.mutationFields((t) => ({
  updateProject: t.field({
    type: ProjectRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateProjectInput, required: true }) },
    resolve: (_r, { id, input }, ctx) => {
      const given = input as { name?: string | null; clientName?: string | null };
      return ctx.services.lifecycle.update(requireViewer(ctx).firmId, String(id), given);
    },
  }),
  deleteProject: t.field({
    type: 'Boolean',
    description:
      'Deletes the project and everything it owns; CONFLICT while it is processing or queued. Its subscribers get a last event with status DELETED.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, { id }, ctx) => {
      await ctx.services.lifecycle.deleteProject(requireViewer(ctx).firmId, String(id));
      return true;
    },
  }),
}));

builder.mutationField('deleteDocument', (t) =>
  t.field({
    type: ProjectRef,
    description:
      'Takes a document out of its project (its bytes and line items go; the next run extracts again); CONFLICT while the project is processing or queued. The project is a DRAFT again when no document is left.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => ctx.services.lifecycle.deleteDocument(requireViewer(ctx).firmId, String(id)),
  }),
);
