import { readFileSync } from 'node:fs';
import {
  astFromValue,
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  OperationTypeNode,
  print,
  printSchema,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema, printableSchema } from '../../src/schema/index.js';
import { renderSchemaFile, SCHEMA_FILE } from '../../src/scripts/print-schema.js';
import { gqlOk } from '../helpers/client.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

/** API.md's "Schema (minimum)", verbatim: what the frontend and playground are written against. */
const CONTRACT_SDL = readFileSync(new URL('../contract/api-minimum.graphql', import.meta.url), 'utf8');

/**
 * Every way `served` breaks `contract`: a type, field, argument, input field or enum value
 * renamed or dropped, a type or nullability changed, a default value changed, or a new required
 * argument / input field (old clients do not send it). Additions are allowed. Empty means it holds.
 */
function contractViolations(contract: GraphQLSchema, served: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const [name, want] of Object.entries(contract.getTypeMap())) {
    if (name.startsWith('__')) continue;
    const got = served.getType(name);
    if (!got) {
      problems.push(`type ${name} is missing`);
      continue;
    }
    if (kind(got) !== kind(want)) {
      problems.push(`type ${name} is a ${kind(got)}, the contract has a ${kind(want)}`);
      continue;
    }
    if ((isObjectType(want) || isInterfaceType(want)) && (isObjectType(got) || isInterfaceType(got))) {
      const gotFields = got.getFields();
      for (const field of Object.values(want.getFields())) {
        const where = `${name}.${field.name}`;
        const served = gotFields[field.name];
        if (!served) {
          problems.push(`field ${where} is missing`);
          continue;
        }
        if (String(served.type) !== String(field.type)) problems.push(`field ${where} is ${served.type}, the contract says ${field.type}`);
        problems.push(...compareInputs(where, 'argument', field.args, served.args));
      }
    }
    if (isInputObjectType(want) && isInputObjectType(got)) {
      problems.push(...compareInputs(name, 'input field', Object.values(want.getFields()), Object.values(got.getFields())));
    }
    if (isEnumType(want) && isEnumType(got)) {
      const values = got.getValues().map((v) => v.name);
      for (const value of want.getValues()) {
        if (!values.includes(value.name)) problems.push(`enum value ${name}.${value.name} is missing`);
      }
    }
  }
  for (const root of [OperationTypeNode.QUERY, OperationTypeNode.MUTATION, OperationTypeNode.SUBSCRIPTION]) {
    const want = contract.getRootType(root)?.name;
    const got = served.getRootType(root)?.name;
    if (want && got !== want) problems.push(`the ${root} root type is ${got ?? 'missing'}, the contract has ${want}`);
  }
  return problems;
}

function compareInputs(
  where: string,
  what: 'argument' | 'input field',
  wanted: readonly (GraphQLArgument | GraphQLInputField)[],
  served: readonly (GraphQLArgument | GraphQLInputField)[],
): string[] {
  const problems: string[] = [];
  for (const want of wanted) {
    const got = served.find((a) => a.name === want.name);
    const at = `${what} ${where}(${want.name})`;
    if (!got) {
      problems.push(`${at} is missing`);
      continue;
    }
    if (String(got.type) !== String(want.type)) problems.push(`${at} is ${got.type}, the contract says ${want.type}`);
    // A default the contract does not state changes what a client gets by omitting it.
    if (printDefault(got) !== printDefault(want)) {
      problems.push(`${at} defaults to ${printDefault(got)}, the contract says ${printDefault(want)}`);
    }
  }
  for (const extra of served) {
    if (!wanted.some((w) => w.name === extra.name) && isNonNullType(extra.type) && extra.defaultValue === undefined) {
      problems.push(`${what} ${where}(${extra.name}) is new and required: clients written against the contract do not send it`);
    }
  }
  return problems;
}

function printDefault(input: GraphQLArgument | GraphQLInputField): string {
  if (input.defaultValue === undefined) return '(no default)';
  const ast = astFromValue(input.defaultValue, input.type);
  return ast ? print(ast) : '(unprintable default)';
}

function kind(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'object type';
  if (isInterfaceType(type)) return 'interface';
  if (isUnionType(type)) return 'union';
  if (isEnumType(type)) return 'enum';
  if (isInputObjectType(type)) return 'input type';
  if (isScalarType(type)) return 'scalar';
  return 'type';
}

const contract = buildSchema(CONTRACT_SDL);

describe('the schema contract (API.md, minimum)', () => {
  it('the contract file parses into the types API.md lists', () => {
    // Guards against an empty or truncated copy that would make every check below vacuous.
    const names = Object.keys(contract.getTypeMap()).filter((n) => !n.startsWith('__'));
    expect(names).toEqual(
      expect.arrayContaining(['Project', 'PipelineRun', 'StageRun', 'LineItem', 'CmaReport', 'CmaYear', 'ProjectStatusEvent', 'PipelineOptionsInput', 'Subscription']),
    );
    expect(Object.keys(contract.getMutationType()!.getFields()).sort()).toEqual(
      ['cancelProcessing', 'classifyLineItem', 'createProject', 'login', 'signUp', 'startProcessing', 'uploadDocument'].sort(),
    );
  });

  it('the checker catches renames, drops, nullability, type and default changes and new required arguments', () => {
    const broken = buildSchema(
      CONTRACT_SDL.replace('clientName: String\n  status', 'clientName: String!\n  status') // nullability
        .replace('status: ProjectStatus!\n  isProcessing', 'state: ProjectStatus!\n  isProcessing') // renamed field
        .replace('runs(first: Int = 20)', 'runs(first: Int = 10)') // default
        .replace('RUNNING REVIEWING COMPLETED ERROR CANCELLED INTERRUPTED', 'RUNNING REVIEWING COMPLETED ERROR CANCELLED') // enum value
        .replace('sizeBytes: Int!', 'sizeBytes: Float!') // type
        .replace('cancelProcessing(projectId: ID!)', 'cancelProcessing(projectId: ID!, reason: String!)') // new required arg
        .replace('input CreateProjectInput { name: String! clientName: String }', 'input CreateProjectInput { title: String! clientName: String }'),
    );
    expect(contractViolations(contract, broken).sort()).toEqual(
      [
        'field Project.status is missing',
        'field Project.clientName is String!, the contract says String',
        'argument Project.runs(first) defaults to 10, the contract says 20',
        'enum value RunStatus.INTERRUPTED is missing',
        'field Document.sizeBytes is Float!, the contract says Int!',
        'argument Mutation.cancelProcessing(reason) is new and required: clients written against the contract do not send it',
        'input field CreateProjectInput(name) is missing',
        'input field CreateProjectInput(title) is new and required: clients written against the contract do not send it',
      ].sort(),
    );
    expect(contractViolations(contract, contract)).toEqual([]);
  });

  it('the served schema (getSchema) has every type, field, argument, default, input field and enum value of the contract', () => {
    expect(contractViolations(contract, getSchema())).toEqual([]);
  });

  // API.md: `enum PipelineStage { EXTRACT CLASSIFY REVIEW VALIDATE GENERATE }   # pipeline order`.
  it('serves PipelineStage values in pipeline order', () => {
    const stages = getSchema().getType('PipelineStage');
    expect(isEnumType(stages) && stages.getValues().map((v) => v.name)).toEqual(['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']);
  });

  it('schema.graphql on disk is the printed schema (else: npm run schema:print)', () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed).toBe(renderSchemaFile());
    // and the committed file itself honours the contract
    expect(contractViolations(contract, buildSchema(committed))).toEqual([]);
  });
});

describe('the schema a running server answers introspection with', () => {
  let server: TestServer;
  let introspected: GraphQLSchema;
  beforeAll(async () => {
    server = await startTestServer();
    const data = await gqlOk<IntrospectionQuery>(server.url, getIntrospectionQuery({ inputValueDeprecation: true }));
    introspected = buildClientSchema(data);
  });
  afterAll(stopAll);

  it('honours the contract', () => {
    expect(contractViolations(contract, introspected)).toEqual([]);
  });

  it('is the same schema as schema.graphql', () => {
    expect(printSchema(introspected)).toBe(printSchema(printableSchema()));
  });
});
