import { CmaReport } from './cma-report.js';
import { Document } from './document.js';
import { Firm } from './firm.js';
import { LabelHead } from './label-head.js';
import { LineItem } from './line-item.js';
import { PipelineRun } from './pipeline-run.js';
import { Project } from './project.js';
import { StageRun } from './stage-run.js';
import { StatusEvent } from './status-event.js';
import { User } from './user.js';

export * from './cma-report.js';
export * from './document.js';
export * from './firm.js';
export * from './label-head.js';
export * from './line-item.js';
export * from './pipeline-run.js';
export * from './project.js';
export * from './stage-run.js';
export * from './status-event.js';
export * from './user.js';

export const entities = [Firm, User, Project, Document, PipelineRun, StageRun, LineItem, LabelHead, StatusEvent, CmaReport];
