import {
  getNamedType,
  isInputObjectType,
  isIntrospectionType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

export type RootOperation = 'query' | 'mutation' | 'subscription';

/** One field that takes arguments, named by its schema coordinate (`Type.field`). */
export interface FieldWithArguments {
  coordinate: string;
  typeName: string;
  fieldName: string;
  field: GraphQLField<unknown, unknown>;
  /** Set for fields of the Query, Mutation and Subscription types. */
  root: RootOperation | null;
}

/**
 * Every field that takes arguments, on every object type of the schema (root types first, in
 * declaration order), so a field added anywhere shows up here without anyone listing it.
 */
export function fieldsWithArguments(schema: GraphQLSchema): FieldWithArguments[] {
  const roots = new Map<string, RootOperation>();
  for (const [operation, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const) {
    if (type) roots.set(type.name, operation);
  }
  const types = Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && !isIntrospectionType(type))
    .sort((a, b) => Number(roots.has(b.name)) - Number(roots.has(a.name)));
  const found: FieldWithArguments[] = [];
  for (const type of types) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      found.push({ coordinate: `${type.name}.${field.name}`, typeName: type.name, fieldName: field.name, field, root: roots.get(type.name) ?? null });
    }
  }
  return found;
}

/** Looks like an identifier: `id`, `projectId`, `lineItemIds`, `ownerID`. */
const ID_NAME = /(^id$|^ids$|Id$|Ids$|ID$|IDs$)/;

/**
 * The id arguments of a field, as dotted paths (`projectId`, `input.ownerId`): every argument
 * or input-object field whose type is `ID` (alone, non-null or in a list), and every scalar one
 * whose name says it is an id (a `String` called `projectId` is an id in disguise).
 */
export function idArgumentPaths(field: GraphQLField<unknown, unknown>): string[] {
  const paths: string[] = [];
  const visit = (name: string, type: GraphQLInputType, prefix: string, seen: Set<string>) => {
    const named = getNamedType(type);
    const path = prefix ? `${prefix}.${name}` : name;
    if (isScalarType(named)) {
      if (named.name === 'ID' || ID_NAME.test(name)) paths.push(path);
      return;
    }
    if (isInputObjectType(named) && !seen.has(named.name)) {
      const inner = new Set(seen).add(named.name);
      for (const child of Object.values(named.getFields())) visit(child.name, child.type, path, inner);
    }
  };
  for (const arg of field.args as readonly GraphQLArgument[]) visit(arg.name, arg.type, '', new Set());
  return paths;
}

/** `Type.field(a, input.b)`: how a guard names a field and its id arguments in a failure. */
export function describeIdField(entry: FieldWithArguments): string {
  return `${entry.coordinate}(${idArgumentPaths(entry.field).join(', ')})`;
}
