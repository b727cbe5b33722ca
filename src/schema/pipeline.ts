import type { StageRun } from '../entities/index.js';
import { requireViewer } from '../context.js';
import { createQueuePositionLoader } from '../services/pipeline/queue-order.js';
import type { RunRow } from '../services/pipeline/run-store.js';
import { projects } from '../services/projects.js';
import { builder } from './builder.js';
import { PipelineStageEnum, RunStatusEnum, StageStatusEnum } from './enums.js';
import { ProjectRef } from './project.js';

const StageRunRef = builder.objectRef<StageRun>('StageRun').implement({
  fields: (t) => ({
    stage: t.expose('stage', { type: PipelineStageEnum }),
    status: t.expose('status', { type: StageStatusEnum }),
    progress: t.exposeFloat('progress'),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const PipelineRunRef = builder.objectRef<RunRow>('PipelineRun').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: RunStatusEnum }),
    stages: t.field({
      type: [StageRunRef],
      description: 'In pipeline order',
      resolve: (run, _a, ctx) => projects.stages(ctx.em(), run.id),
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    restart: t.exposeBoolean('restart', { description: 'Started with restart: true (checkpoints ignored)' }),
    queuePosition: t.int({
      nullable: true,
      description: 'While QUEUED: the place in the fair queue (1 = next to start); null otherwise',
      resolve: (run, _a, ctx) => {
        if (run.status !== 'QUEUED') return null;
        let load = positionLoaders.get(ctx);
        if (!load) positionLoaders.set(ctx, (load = createQueuePositionLoader(ctx.services.sql)));
        return load(run.id);
      },
    }),
  }),
});

/** One loader per request, so a list of projects reads the queue once. */
const positionLoaders = new WeakMap<object, (runId: string) => Promise<number | null>>();

const StartProcessingPayloadRef = builder
  .objectRef<{ message: string; project: import('../services/pipeline/run-store.js').ProjectRow; run: RunRow }>('StartProcessingPayload')
  .implement({
    fields: (t) => ({
      message: t.exposeString('message'),
      project: t.field({ type: ProjectRef, resolve: (p) => p.project }),
      run: t.field({ type: PipelineRunRef, resolve: (p) => p.run }),
    }),
  });

const PipelineOptionsInput = builder.inputType('PipelineOptionsInput', {
  fields: (t) => ({
    restart: t.boolean({ defaultValue: false, description: 'Ignore checkpoints, run every stage again' }),
  }),
});

builder.mutationFields((t) => ({
  startProcessing: t.field({
    type: StartProcessingPayloadRef,
    description: 'Starts the pipeline in the background and returns at once; CONFLICT while one runs',
    args: { projectId: t.arg.id({ required: true }), options: t.arg({ type: PipelineOptionsInput }) },
    resolve: async (_r, args, ctx) => {
      const { firmId } = requireViewer(ctx);
      await ctx.services.rateLimits.start(firmId);
      return ctx.services.processing.start(firmId, String(args.projectId), { restart: args.options?.restart });
    },
  }),
  cancelProcessing: t.field({
    type: ProjectRef,
    description: 'Stops a running pipeline at its next safe point',
    args: { projectId: t.arg.id({ required: true }) },
    resolve: async (_r, args, ctx) => {
      const { firmId } = requireViewer(ctx);
      await ctx.services.processing.cancel(firmId, String(args.projectId));
      return projects.get(ctx.services.fork(), firmId, String(args.projectId));
    },
  }),
}));
