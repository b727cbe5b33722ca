import fc from 'fast-check';

/** A request as raw as HTTP allows: any method, query string, content type and body. */
export interface RawRequest {
  kind: string;
  method: string;
  /** Appended to /graphql: `?query=…`. */
  search: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Documents a real client might send, to be mangled. Operations are anonymous on purpose. */
export const DOCUMENTS = [
  '{ me { id } }',
  '{ __typename }',
  'query { projects(first: 5) { id status } }',
  'query($id: ID!) { project(id: $id) { id lineItems(first: 10) { id } } }',
  'mutation { createProject(input: { name: "fuzz" }) { id } }',
  'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }',
  'mutation { login(email: "a@b.in", password: "0123456789") { token } }',
  'mutation($id: ID!) { startProcessing(projectId: $id) { message } }',
  'mutation { classifyLineItem(lineItemId: "1", head: "SALES") { id } }',
  'subscription { projectStatus(projectId: "00000000-0000-4000-8000-000000000000") { sequence } }',
  '{ me { ...F } } fragment F on User { id email }',
  '{ me { id @include(if: true) name @skip(if: false) } }',
  '{ __schema { queryType { name } } }',
  '{ __type(name: "Project") { fields { name } } }',
  'query Q { me { id } }',
];

const PUNCTUATION = ['{', '}', '(', ')', '[', ']', ':', '$', '!', '...', '@', '#', '"', '"""', ',', '=', '|', '&', '\\', '\n'];
const WORDS = ['query', 'mutation', 'subscription', 'fragment', 'on', 'me', 'id', 'project', 'projects', 'first', '-1', '1.5', 'null', 'true', '__typename', 'ID!', 'Int'];

/** A document with one random edit: a character dropped, inserted or a slice repeated, or cut short. */
const mangled = fc.tuple(fc.constantFrom(...DOCUMENTS), fc.nat(), fc.nat(), fc.constantFrom(...PUNCTUATION, ...WORDS), fc.nat(3)).map(([doc, a, b, insert, how]) => {
  const i = a % (doc.length + 1);
  const j = b % (doc.length + 1);
  switch (how) {
    case 0:
      return doc.slice(0, i) + doc.slice(i + 1);
    case 1:
      return `${doc.slice(0, i)} ${insert} ${doc.slice(i)}`;
    case 2:
      return doc.slice(0, Math.max(i, j)) + doc.slice(Math.min(i, j));
    default:
      return doc.slice(0, i);
  }
});

const tokenSoup = fc.array(fc.constantFrom(...PUNCTUATION, ...WORDS), { maxLength: 60 }).map((t) => t.join(' '));

const KB = 1024;
/** The size and shape limits: aliases, depth, tokens, body size (1 MB) and just under it. */
const oversized = fc.constantFrom(
  `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
  `{ me ${'{ firm '.repeat(30)}{ id }${' }'.repeat(30)} }`,
  `{ ${'me { id } '.repeat(700)} }`,
  `{ me { id } }\n#${'x'.repeat(900 * KB)}`,
  `${'{'.repeat(3000)}${'}'.repeat(3000)}`,
  `{ project(id: "${'9'.repeat(500 * KB)}") { id } }`,
  `{ me { id } }${' '.repeat(1100 * KB)}`,
);

/** Anything in a `query` field. */
export const queryish: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...DOCUMENTS), weight: 2 },
  { arbitrary: mangled, weight: 4 },
  { arbitrary: tokenSoup, weight: 2 },
  { arbitrary: fc.string({ maxLength: 80 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 1 },
  { arbitrary: oversized, weight: 1 },
);

const variablesish = fc.oneof(
  fc.constant(undefined),
  fc.constant({}),
  fc.record({ id: fc.oneof(fc.uuid(), fc.string(), fc.integer()) }),
  fc.record({ input: fc.oneof(fc.record({ name: fc.string() }), fc.jsonValue({ maxDepth: 2 })) }),
  fc.jsonValue({ maxDepth: 2 }),
);

/**
 * A GraphQL-over-HTTP request object with any field of any JSON type. `operationName` is
 * absent or null only: a name selecting no operation is KNOWN BUG operation-resolution-code,
 * covered by its own test.
 */
const requestObject = fc.record(
  {
    query: fc.oneof({ arbitrary: queryish, weight: 5 }, fc.jsonValue({ maxDepth: 1 })),
    variables: variablesish,
    operationName: fc.constantFrom(undefined, null),
    extensions: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 })),
  },
  { requiredKeys: [] },
);

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/graphql-response+json', 'APPLICATION/JSON'];
const OTHER_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'application/xml',
  'application/graphql',
  'multipart/form-data',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'image/png',
  '',
];
const ACCEPT = 'application/graphql-response+json, application/json';

/** Every kind of malformed request the fuzz suite sends. */
export const rawRequest: fc.Arbitrary<RawRequest> = fc.oneof(
  // A JSON body of the right shape with anything inside.
  fc.tuple(requestObject, fc.constantFrom(...JSON_TYPES)).map(([body, type]) => ({
    kind: 'request object',
    method: 'POST',
    search: '',
    headers: { 'content-type': type, accept: ACCEPT },
    body: JSON.stringify(body),
  })),
  // Not JSON at all, or JSON of the wrong shape, or cut off.
  fc
    .tuple(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
        fc.tuple(requestObject, fc.nat()).map(([v, n]) => {
          const text = JSON.stringify(v);
          return text.slice(0, n % Math.max(1, text.length));
        }),
      ),
      fc.constantFrom(...JSON_TYPES),
    )
    .map(([body, type]) => ({ kind: 'invalid JSON', method: 'POST', search: '', headers: { 'content-type': type, accept: ACCEPT }, body })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({
    kind: 'random bytes',
    method: 'POST',
    search: '',
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    body: bytes,
  })),
  // Batched: arrays of requests (batching is off).
  fc.array(requestObject, { maxLength: 4 }).map((items) => ({
    kind: 'batched array',
    method: 'POST',
    search: '',
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    body: JSON.stringify(items),
  })),
  // GET: queries, mutations (refused over GET), junk in every parameter.
  fc
    .tuple(queryish.filter((q) => q.length < 4 * KB), variablesish, fc.boolean(), fc.option(fc.oneof(fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v) ?? ''), fc.string({ maxLength: 20 }))))
    .map(([query, variables, junk, extensions]) => ({
      kind: 'GET',
      method: 'GET',
      search:
        `?query=${encodeURIComponent(query)}` +
        (variables === undefined ? '' : `&variables=${encodeURIComponent(junk ? `${JSON.stringify(variables)}`.slice(1) : JSON.stringify(variables))}`) +
        (extensions === null ? '' : `&extensions=${encodeURIComponent(extensions)}`),
      headers: { accept: ACCEPT },
    })),
  // A body in a content type GraphQL does not speak.
  fc.tuple(fc.constantFrom(...OTHER_TYPES), fc.oneof(requestObject.map((r) => JSON.stringify(r)), fc.string({ maxLength: 100 }))).map(([type, body]) => ({
    kind: `content-type ${type || '(none)'}`,
    method: 'POST',
    search: '',
    headers: (type ? { 'content-type': type, accept: ACCEPT } : { accept: ACCEPT }) as Record<string, string>,
    body,
  })),
  // Other methods.
  fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS').map((method) => ({
    kind: method,
    method,
    search: '',
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    body: JSON.stringify({ query: '{ me { id } }' }),
  })),
);

/** Sends `request` to `url` (the /graphql endpoint); never hangs longer than `timeoutMs`. */
export async function sendRaw(url: string, request: RawRequest, token?: string, timeoutMs = 15_000) {
  const res = await fetch(url + request.search, {
    method: request.method,
    headers: { ...request.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: request.method === 'GET' || request.method === 'HEAD' ? undefined : typeof request.body === 'string' ? request.body : request.body && Buffer.from(request.body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

/** How a raw request is printed in a failure message and checked for echoed markers. */
export function describeRaw(request: RawRequest): string {
  const body = typeof request.body === 'string' ? request.body : request.body ? new TextDecoder().decode(request.body) : '';
  return `${request.kind}: ${request.method} /graphql${request.search} ${JSON.stringify(request.headers)} ${body}`;
}
