import { requireViewer } from '../context.js';
import { badInput, notFound } from '../services/errors.js';
import { projects } from '../services/projects.js';
import type { ProjectStatusEvent } from '../services/pubsub.js';
import { projectStatusStream } from '../services/status-stream.js';
import { builder } from './builder.js';
import { PipelineStageEnum, ProjectStatusEnum } from './enums.js';

/** How often an SSE subscription asks whether its token was revoked. */
const REVALIDATE_MS = 2000;

const ProjectStatusEventRef = builder.objectRef<ProjectStatusEvent>('ProjectStatusEvent').implement({
  fields: (t) => ({
    projectId: t.exposeID('projectId'),
    runId: t.exposeID('runId', { nullable: true }),
    sequence: t.exposeInt('sequence', { description: 'Strictly increasing per project, never reused' }),
    status: t.expose('status', { type: ProjectStatusEnum }),
    stage: t.expose('stage', { type: PipelineStageEnum, nullable: true }),
    progress: t.exposeFloat('progress'),
    message: t.exposeString('message', { nullable: true }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

builder.subscriptionField('projectStatus', (t) =>
  t.field({
    type: ProjectStatusEventRef,
    description:
      'Without afterSequence: the current state first, then every change. With afterSequence: every stored event after it, then live. When the project is deleted: a last event with status DELETED, then the subscription completes.',
    args: { projectId: t.arg.id({ required: true }), afterSequence: t.arg.int() },
    subscribe: async (_r, args, ctx) => {
      const viewer = requireViewer(ctx);
      if (args.afterSequence != null && args.afterSequence < 0) throw badInput('afterSequence must be 0 or more', 'afterSequence');
      // A short-lived fork: the subscription's context lives as long as the subscription does.
      const project = await projects.find(ctx.services.fork(), viewer.firmId, String(args.projectId), 'projectId');
      if (!project) throw notFound('project');
      return projectStatusStream({
        sql: ctx.services.sql,
        hub: ctx.services.statusHub,
        projectId: project.id,
        afterSequence: args.afterSequence ?? null,
        expiresAt: ctx.closesAtTokenExpiry ? undefined : viewer.expiresAt,
        // graphql-ws checks its connections itself (src/ws.ts); SSE streams check their own token.
        revalidate: ctx.closesAtTokenExpiry
          ? undefined
          : { everyMs: REVALIDATE_MS, check: async () => (await ctx.services.auth.refused([viewer]))[0] ?? null },
      });
    },
    resolve: (event) => event,
  }),
);
