import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './user.js';
import './project.js';
import './document.js';
import './pipeline.js';
import './line-item.js';
import './report.js';
import './status.js';

let schema: GraphQLSchema | undefined;

/** The one schema; built on first use (Pothos builders can only build once). */
export function getSchema(): GraphQLSchema {
  // Unsorted: enum values keep their declared order (PipelineStage lists the pipeline's order).
  schema ??= builder.toSchema({ sortSchema: false });
  return schema;
}

/** What `schema.graphql` prints: the schema in declaration order, which is deterministic. */
export function printableSchema(): GraphQLSchema {
  return getSchema();
}
