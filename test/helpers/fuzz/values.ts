import fc from 'fast-check';
import {
  GraphQLNonNull,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';

/** Hostile argument values, by GraphQL input type, for the API fuzz suite. */

/** An argument left out of the call altogether. */
export const OMIT: unique symbol = Symbol('omit');
export type Omitted = typeof OMIT;

/** An enum value written in a GraphQL document (bare name, no quotes). */
export class EnumLiteral {
  constructor(readonly name: string) {}
}
/** Text put into a GraphQL document as is: numbers out of any range, `$undeclared`, junk. */
export class RawLiteral {
  constructor(readonly text: string) {}
}

/** What an injection attempt looks like. None contains the leak markers the checks look for. */
export const SQLISH = [
  "' or '1'='1",
  "1' or 1=1 --",
  '1; drop table cma_projects; --',
  "'; select pg_sleep(10); --",
  "1 union select password_hash from users --",
  '$1',
  '$$',
  '\\',
  "E'\\\\x41'",
  '1::bigint',
  '(select 1)',
  '%',
  '_',
  "' || version() || '",
  '*/ /*',
];

const TRICKY = [
  '',
  ' ',
  ' \t\r\n ',
  '\u00a0',
  '\u200b',
  '\ufeff',
  '\u202eevil',
  '\u2028',
  'null',
  'undefined',
  'NaN',
  'true',
  '[]',
  '{}',
  '😀',
  '👨‍👩‍👧‍👦',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  'ﷺ',
  'İstanbul',
  'ß',
  'ſales',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '%s%s%s%n',
  '../../../../etc/passwd',
  'C:\\Windows\\win.ini',
  '"',
  "'",
  '`',
];

const controlChars = fc
  .array(fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)), { minLength: 1, maxLength: 12 })
  .map((chars) => chars.join(''));

/** Any string a client could send where a String is expected. */
export function textArb(): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }), // any code point, lone surrogates included
      fc.constantFrom(...TRICKY, ...SQLISH),
      controlChars,
      fc.tuple(fc.string({ maxLength: 10 }), controlChars, fc.string({ maxLength: 10 })).map((parts) => parts.join('')),
      fc.integer({ min: 195, max: 205 }).map((n) => 'x'.repeat(n)), // around the 200-character limits
      fc.integer({ min: 98, max: 102 }).map((n) => '😀'.repeat(n)), // 200 UTF-16 units, 100 code points
      fc.integer({ min: 318, max: 322 }).map((n) => `${'a'.repeat(n - 12)}@example.in`), // around the email limit
      fc.constantFrom(10_000, 200_000).map((n) => 'a'.repeat(n)),
    );
}

/** Email-shaped strings first, then anything. */
export function emailArb(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.emailAddress(),
    fc.emailAddress().map((e) => e.toUpperCase()),
    fc.emailAddress().map((e) => ` ${e} `),
    fc.tuple(textArb(), fc.emailAddress()).map(([s, e]) => `${s}${e}`),
    textArb(),
  );
}

/**
 * Ids of every shape: the caller's own real ids (so the happy paths run too), well-formed ids
 * that exist nowhere, near-misses, numbers of every size, unicode digits, SQL, and junk.
 */
export function idArb(own: readonly string[]): fc.Arbitrary<string> {
  const uuid = fc.uuid();
  const arbitraries: fc.Arbitrary<string>[] = [
    uuid,
    uuid.map((u) => u.toUpperCase()),
    uuid.map((u) => ` ${u}`),
    uuid.map((u) => `${u}\n`),
    uuid.map((u) => u.replace(/-/g, '')),
    uuid.map((u) => u.slice(0, 35)),
    uuid.map((u) => `${u}0`),
    uuid.map((u) => `{${u}}`),
    fc.nat().map(String),
    fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
    fc.constantFrom(
      '0',
      '-1',
      '1',
      '01',
      '+1',
      ' 1',
      '1 ',
      '1.0',
      '1e3',
      '0x1f',
      '999999999999999999',
      '1000000000000000000',
      '9223372036854775807',
      '9223372036854775808',
      '18446744073709551616',
      '١٢٣',
      '１２３',
      '00000000-0000-0000-0000-000000000000',
      '00000000-0000-4000-8000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
    ),
    fc.string({ unit: 'binary', maxLength: 40 }), // NUL included: ids are checked before SQL
    textArb(),
  ];
  if (own.length > 0) {
    const mine = fc.constantFrom(...own);
    arbitraries.unshift(mine, mine, mine.map((id) => id.toUpperCase()));
  }
  return fc.oneof(...arbitraries);
}

/** Int values a well-typed client may send: every limit of the API and of 32 bits. */
export function intArb(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(0, -1, 1, 19, 20, 49, 50, 99, 100, 101, 199, 200, 201, 999, 1000, 1001, 999_999, 1_000_000, 1_000_001, 2 ** 31 - 1, -(2 ** 31)),
    fc.integer(),
  );
}

/** Values of a wrong kind for an Int: fractions, beyond 32 bits, strings, booleans, lists. */
const notAnInt = fc.oneof(
  fc.constantFrom(1.5, -0.5, 0.1, 1e21, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e308, -1e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  fc.constantFrom('1', '', 'ten', true, [], [1], {}),
);

export interface ValueContext {
  /** Argument values by argument name: lets a field's `email` get emails, its ids real ids. */
  byName?: Record<string, fc.Arbitrary<unknown>>;
  own: readonly string[];
}

/**
 * A value of `type` a typed client could send, as JSON (variables) or as a document literal.
 * Nullable positions are sometimes null and sometimes left out.
 */
export function typedValue(type: GraphQLInputType, name: string, ctx: ValueContext, mode: 'json' | 'literal'): fc.Arbitrary<unknown> {
  if (!isNonNullType(type)) {
    return fc.oneof({ arbitrary: typedValue(getNonNull(type), name, ctx, mode), weight: 4 }, fc.constant(null), fc.constant(OMIT));
  }
  const inner = getNullableType(type);
  if (isListType(inner)) return fc.array(typedValue(inner.ofType, name, ctx, mode).filter((v) => v !== OMIT), { maxLength: 4 });
  const special = ctx.byName?.[name];
  if (special) return special;
  if (isEnumType(inner)) {
    const names = inner.getValues().map((v) => v.name);
    return fc.constantFrom(...names).map((n) => (mode === 'literal' ? new EnumLiteral(n) : n));
  }
  if (isInputObjectType(inner)) {
    const fields = Object.values(inner.getFields());
    return fc
      .tuple(...fields.map((f) => typedValue(f.type, f.name, ctx, mode)))
      .map((values) => Object.fromEntries(fields.map((f, i) => [f.name, values[i]]).filter(([, v]) => v !== OMIT)));
  }
  if (isScalarType(inner)) {
    switch (inner.name) {
      case 'ID':
        return idArb(ctx.own);
      case 'String':
        return textArb();
      case 'Int':
        return intArb();
      case 'Float':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'Boolean':
        return fc.boolean();
      default:
        // File, DateTime: what a JSON body can carry instead of them.
        return fc.oneof(textArb(), fc.constant({}), fc.constant(null));
    }
  }
  return fc.constant(null);
}

/** Anything at all where `type` is expected, mostly of the wrong kind. */
export function wrongValue(type: GraphQLInputType, name: string, ctx: ValueContext, mode: 'json' | 'literal'): fc.Arbitrary<unknown> {
  const inner = getNullableType(type);
  const anyJson = fc.oneof(
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e21, '', 'x', [], [1, 2], {}, { a: 1 }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const literalJunk = fc.oneof(
    fc.constantFrom(
      new RawLiteral('99999999999999999999999999'),
      new RawLiteral('-99999999999999999999999999'),
      new RawLiteral('1e99999'),
      new RawLiteral('$undeclared'),
      new RawLiteral('NOPE'),
      new RawLiteral('draft'),
      new RawLiteral('"""block"""'),
      new RawLiteral('[[[]]]'),
      new RawLiteral('{ a: { b: { c: 1 } } }'),
    ),
    fc.constantFrom('DRAFT', 'SALES', 'x').map((n) => new EnumLiteral(n)),
  );
  const candidates: fc.Arbitrary<unknown>[] = [anyJson];
  if (mode === 'literal') candidates.push(literalJunk);
  if (isScalarType(inner) && inner.name === 'Int') candidates.push(notAnInt);
  if (isScalarType(inner) && (inner.name === 'ID' || inner.name === 'String')) {
    candidates.push(fc.constantFrom(1.5, -0.25, true, false, [], ['a'], { id: 'x' }, 1e21));
  }
  if (isEnumType(inner)) {
    const names = inner.getValues().map((v) => v.name);
    candidates.push(
      fc.oneof(
        fc.constantFrom(...names).map((n) => n.toLowerCase()),
        fc.constantFrom(...names).map((n) => ` ${n}`),
        fc.string({ maxLength: 12 }),
        fc.constant(0),
      ),
    );
  }
  if (isInputObjectType(inner)) {
    const fields = Object.values(inner.getFields());
    const good = typedValue(getNonNull(inner), name, ctx, mode) as fc.Arbitrary<Record<string, unknown>>;
    candidates.push(
      good.map((v) => ({ ...v, bogus: 1 })), // a field the type does not have
      good.chain((v) => fc.constantFrom(...fields.map((f) => f.name)).map((drop) => omitKey(v, drop))), // a field left out
      good.chain((v) =>
        fc.tuple(fc.constantFrom(...fields.map((f) => f.name)), anyJson).map(([key, junk]) => ({ ...v, [key]: junk })),
      ), // a field of the wrong kind
    );
  }
  return fc.oneof(...candidates);
}

function omitKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

/** The type made required: typedValue's nullable branch generates its present values through this. */
function getNonNull(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type : new GraphQLNonNull(type);
}

/** Writes a value as GraphQL document text. */
export function toLiteral(value: unknown): string {
  if (value instanceof EnumLiteral) return value.name;
  if (value instanceof RawLiteral) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(toLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${toLiteral(v)}`)
      .join(', ')}}`;
  }
  return 'null';
}
