import { Migration20261128000000_initial } from '../../migrations/Migration20261128000000_initial.js';
import { Migration20261128010000_line_item_updates } from '../../migrations/Migration20261128010000_line_item_updates.js';
import { Migration20261203100000_document_chunks } from '../../migrations/Migration20261203100000_document_chunks.js';
import { Migration20261203100100_pipeline_workers } from '../../migrations/Migration20261203100100_pipeline_workers.js';

/**
 * Every migration, in order. Listed explicitly (not discovered from the folder) because vitest
 * cannot import `.ts` migration files dynamically; add each new migration here.
 */
export const migrationsList = [
  { name: 'Migration20261128000000_initial', class: Migration20261128000000_initial },
  { name: 'Migration20261128010000_line_item_updates', class: Migration20261128010000_line_item_updates },
  { name: 'Migration20261203100000_document_chunks', class: Migration20261203100000_document_chunks },
  { name: 'Migration20261203100100_pipeline_workers', class: Migration20261203100100_pipeline_workers },
];
