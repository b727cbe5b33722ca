import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
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
  schema ??= builder.toSchema();
  return schema;
}

export function printableSchema(): GraphQLSchema {
  return lexicographicSortSchema(getSchema());
}
