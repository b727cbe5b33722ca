import { Migration20261128000000_initial } from '../../migrations/Migration20261128000000_initial.js';

/**
 * Every migration, in order. Listed explicitly (not discovered from the folder) because vitest
 * cannot import `.ts` migration files dynamically; add each new migration here.
 */
export const migrationsList = [
  { name: 'Migration20261128000000_initial', class: Migration20261128000000_initial },
];
