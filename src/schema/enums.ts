import { PIPELINE_STAGES, PROJECT_STATUSES, RUN_STATUSES, STAGE_STATUSES, STATEMENTS, USER_ROLES } from '../entities/index.js';
import { builder } from './builder.js';

export const ProjectStatusEnum = builder.enumType('ProjectStatus', { values: PROJECT_STATUSES });
export const PipelineStageEnum = builder.enumType('PipelineStage', {
  values: PIPELINE_STAGES,
  description: 'Pipeline stages, in the order they run',
});
export const RunStatusEnum = builder.enumType('RunStatus', { values: RUN_STATUSES });
export const StageStatusEnum = builder.enumType('StageStatus', { values: STAGE_STATUSES });
export const StatementEnum = builder.enumType('Statement', { values: STATEMENTS });
export const UserRoleEnum = builder.enumType('UserRole', {
  values: USER_ROLES,
  description: "ADMIN manages the firm's users; MEMBER does everything with projects",
});
