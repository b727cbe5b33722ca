import type { EntityManager } from '@mikro-orm/postgresql';
import {
  CmaReport,
  Document,
  LineItem,
  PipelineRun,
  Project,
  StageRun,
  type ProjectStatus,
} from '../entities/index.js';
import { requireText } from './auth.js';
import { badInput, notFound, parseId } from './errors.js';

/** Bounds a page size argument with a clear message. */
export function pageSize(value: number, max: number, field = 'first'): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw badInput(`${field} must be an integer between 0 and ${max}`, field);
  }
  return value;
}

export function pageOffset(value: number, field = 'offset'): number {
  if (!Number.isInteger(value) || value < 0 || value > 1_000_000) {
    throw badInput(`${field} must be an integer between 0 and 1000000`, field);
  }
  return value;
}

/** `search` as an ILIKE pattern matching it anywhere, its own % _ \ taken literally; null: no filter. */
function searchPattern(raw: string | null | undefined): string | null {
  if (raw == null || raw.trim() === '') return null;
  const text = requireText(raw, 'search', 200);
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Reads and writes of projects and what hangs off them, always within one firm. */
export const projects = {
  async create(em: EntityManager, firmId: string, input: { name: string; clientName?: string | null }) {
    const name = requireText(input.name, 'name', 200);
    const clientName = input.clientName == null ? null : requireText(input.clientName, 'clientName', 200);
    const project = em.create(Project, { firmId, name, clientName });
    await em.flush();
    await em.refresh(project);
    return project;
  },

  /** Another firm's project is indistinguishable from a missing one: null. */
  async find(em: EntityManager, firmId: string, rawId: string, field = 'id'): Promise<Project | null> {
    const id = parseId(rawId, field);
    return em.findOne(Project, { id, firmId });
  },

  async get(em: EntityManager, firmId: string, rawId: string, field = 'projectId'): Promise<Project> {
    const project = await projects.find(em, firmId, rawId, field);
    if (!project) throw notFound('project');
    return project;
  },

  async list(em: EntityManager, firmId: string, args: { status?: ProjectStatus | null; search?: string | null; first: number; offset: number }) {
    const pattern = searchPattern(args.search);
    return em.find(
      Project,
      {
        firmId,
        ...(args.status ? { status: args.status } : {}),
        ...(pattern ? { $or: [{ name: { $ilike: pattern } }, { clientName: { $ilike: pattern } }] } : {}),
      },
      {
        orderBy: { createdAt: 'desc', id: 'desc' },
        limit: pageSize(args.first, 200),
        offset: pageOffset(args.offset),
      },
    );
  },

  documents(em: EntityManager, projectId: string) {
    return em.find(Document, { projectId }, { orderBy: { uploadedAt: 'asc', id: 'asc' } });
  },

  runs(em: EntityManager, projectId: string, first: number) {
    return em.find(PipelineRun, { projectId }, { orderBy: { startedAt: 'desc', queuedAt: 'desc' }, limit: pageSize(first, 100) });
  },

  stages(em: EntityManager, runId: string) {
    return em.find(StageRun, { runId }, { orderBy: { position: 'asc' } });
  },

  lineItems(em: EntityManager, projectId: string, args: { needsReview?: boolean | null; first: number; offset: number }) {
    return em.find(
      LineItem,
      { projectId, ...(args.needsReview == null ? {} : { needsReview: args.needsReview }) },
      { orderBy: { id: 'asc' }, limit: pageSize(args.first, 1000), offset: pageOffset(args.offset) },
    );
  },

  report(em: EntityManager, projectId: string) {
    return em.findOne(CmaReport, { projectId });
  },
};
