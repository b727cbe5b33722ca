import { Migration20261128000000_initial } from '../../migrations/Migration20261128000000_initial.js';
import { Migration20261128010000_line_item_updates } from '../../migrations/Migration20261128010000_line_item_updates.js';
import { Migration20261203100000_document_chunks } from '../../migrations/Migration20261203100000_document_chunks.js';
import { Migration20261203100100_pipeline_workers } from '../../migrations/Migration20261203100100_pipeline_workers.js';
import { Migration20261203101000_fair_queue_and_stored_sequence } from '../../migrations/Migration20261203101000_fair_queue_and_stored_sequence.js';
import { Migration20261203110000_cma_forms } from '../../migrations/Migration20261203110000_cma_forms.js';
import { Migration20261203110100_finer_heads } from '../../migrations/Migration20261203110100_finer_heads.js';
import { Migration20261203150000_team_and_sessions } from '../../migrations/Migration20261203150000_team_and_sessions.js';
import { Migration20261203160000_firm_labels_version } from '../../migrations/Migration20261203160000_firm_labels_version.js';
import { Migration20261203170000_line_items_full_pages } from '../../migrations/Migration20261203170000_line_items_full_pages.js';
import { Migration20261203180000_line_items_parents_checked_once } from '../../migrations/Migration20261203180000_line_items_parents_checked_once.js';
import { Migration20261203190000_line_items_review_index } from '../../migrations/Migration20261203190000_line_items_review_index.js';

/**
 * Every migration, in order. Listed explicitly (not discovered from the folder) because vitest
 * cannot import `.ts` migration files dynamically; add each new migration here.
 */
export const migrationsList = [
  { name: 'Migration20261128000000_initial', class: Migration20261128000000_initial },
  { name: 'Migration20261128010000_line_item_updates', class: Migration20261128010000_line_item_updates },
  { name: 'Migration20261203100000_document_chunks', class: Migration20261203100000_document_chunks },
  { name: 'Migration20261203100100_pipeline_workers', class: Migration20261203100100_pipeline_workers },
  { name: 'Migration20261203101000_fair_queue_and_stored_sequence', class: Migration20261203101000_fair_queue_and_stored_sequence },
  { name: 'Migration20261203110000_cma_forms', class: Migration20261203110000_cma_forms },
  { name: 'Migration20261203110100_finer_heads', class: Migration20261203110100_finer_heads },
  { name: 'Migration20261203150000_team_and_sessions', class: Migration20261203150000_team_and_sessions },
  { name: 'Migration20261203160000_firm_labels_version', class: Migration20261203160000_firm_labels_version },
  { name: 'Migration20261203170000_line_items_full_pages', class: Migration20261203170000_line_items_full_pages },
  { name: 'Migration20261203180000_line_items_parents_checked_once', class: Migration20261203180000_line_items_parents_checked_once },
  { name: 'Migration20261203190000_line_items_review_index', class: Migration20261203190000_line_items_review_index },
];
