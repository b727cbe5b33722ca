import { getNamedType, isCompositeType, type GraphQLOutputType } from 'graphql';
import type { FieldWithArguments } from './schema-walk.js';
import { OMIT, toLiteral } from './values.js';

/** One field to call, and for a field below the root the root field that leads to it. */
export interface FieldCall {
  entry: FieldWithArguments;
  /** e.g. `{ field: 'project', id: <own project id> }` for `Project.lineItems`. */
  parent?: { field: string; id: string };
}

export interface GraphQLBody {
  query: string;
  variables: Record<string, unknown>;
}

/** `{ __typename }` under an object: a valid selection that echoes nothing the client sent. */
export function selectionOf(type: GraphQLOutputType): string {
  return isCompositeType(getNamedType(type)) ? ' { __typename }' : '';
}

function wrap(call: FieldCall, defs: string[], inner: string, variables: Record<string, unknown>): GraphQLBody {
  const operation = call.entry.root ?? 'query';
  let body = inner;
  if (call.parent) {
    defs.push('$parentId: ID!');
    variables.parentId = call.parent.id;
    body = `${call.parent.field}(id: $parentId) { ${inner} }`;
  }
  return { query: `${operation} Fuzz${defs.length ? `(${defs.join(', ')})` : ''} { ${body} }`, variables };
}

/** Every argument passed as a variable of its declared type; OMIT leaves a variable unset. */
export function variablesDocument(call: FieldCall, values: Record<string, unknown>): GraphQLBody {
  const { field } = call.entry;
  const defs = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`);
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const variables: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) if (value !== OMIT) variables[name] = value;
  return wrap(call, defs, `${field.name}(${args})${selectionOf(field.type)}`, variables);
}

/** Every argument written into the document; OMIT leaves it out, `extra` adds raw arguments. */
export function literalDocument(call: FieldCall, values: Record<string, unknown>, extra: string[] = []): GraphQLBody {
  const { field } = call.entry;
  const args = [
    ...field.args.filter((arg) => values[arg.name] !== OMIT && arg.name in values).map((arg) => `${arg.name}: ${toLiteral(values[arg.name])}`),
    ...extra,
  ];
  return wrap(call, [], `${field.name}${args.length ? `(${args.join(', ')})` : ''}${selectionOf(field.type)}`, {});
}
