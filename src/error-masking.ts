import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppError, HTTP_STATUS } from './services/errors.js';
import type { Logger } from './services/logger.js';

/**
 * The edge where application errors become GraphQL errors: an AppError keeps its message and
 * gets `extensions.code` and the HTTP status of API.md; anything unexpected is logged once
 * with its stack and reaches the client as INTERNAL_SERVER_ERROR with no details.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const graphqlError = error instanceof GraphQLError ? error : null;
    const original = graphqlError?.originalError ?? (graphqlError ? null : error);
    if (original instanceof AppError) {
      return new GraphQLError(original.message, {
        nodes: graphqlError?.nodes,
        path: graphqlError?.path,
        extensions: { code: original.code, ...original.details, http: { status: HTTP_STATUS[original.code] } },
      });
    }
    if (original instanceof GraphQLError) {
      if (original.extensions.code && !graphqlError?.message.startsWith('Variable ')) return original;
      // A variable that did not coerce: keep graphql-js's message ("Variable "$x" got invalid
      // value …") and location, with the API's code.
      return new GraphQLError(graphqlError?.message ?? original.message, {
        nodes: graphqlError?.nodes,
        path: graphqlError?.path,
        extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
      });
    }
    if (graphqlError && !original) {
      // Raised by validation rules (limits, introspection off) before anything ran: the
      // request as sent cannot be executed, as with GraphQL's own validation errors (400).
      return graphqlError.extensions.code
        ? graphqlError
        : new GraphQLError(graphqlError.message, {
            nodes: graphqlError.nodes,
            path: graphqlError.path,
            extensions: { ...graphqlError.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
    }
    const upload = uploadLimitError(original);
    if (upload) return upload;
    logger.error({ err: original ?? error, path: graphqlError?.path }, 'unexpected error');
    return new GraphQLError(message, {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } },
    });
  };
}

/** The multipart parser's own limit errors are the client's fault: say which limit. */
function uploadLimitError(err: unknown): GraphQLError | null {
  if (!(err instanceof Error)) return null;
  const match = /^(File size|Files|Fields|Parts|Field value size) limit exceeded/.exec(err.message);
  if (!match) return null;
  return new GraphQLError(`upload rejected: ${err.message}`, { extensions: { code: 'BAD_USER_INPUT', http: { status: 413 } } });
}

/** Codes yoga gives requests it cannot run, and the API.md code each becomes. */
const REQUEST_CODES: Record<string, string> = {
  REQUEST_ENTITY_TOO_LARGE: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
};

/**
 * Requests that fail before execution (unparseable JSON or multipart, an oversize upload, a
 * query that does not validate) get yoga's own codes; API.md promises its own table, so they
 * become BAD_USER_INPUT with HTTP 400 (the yoga code kept as `extensions.reason`). An oversize
 * upload says which limit it hit.
 */
export function useApiErrorCodes(maxUploadBytes: number): Plugin {
  const limit = `${formatLimit(maxUploadBytes)} (${maxUploadBytes} bytes, MAX_UPLOAD_BYTES)`;
  const convert = (error: GraphQLError): GraphQLError => {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || !(code in REQUEST_CODES) || code === 'BAD_USER_INPUT' || error.path) return error;
    const message = code === 'REQUEST_ENTITY_TOO_LARGE' ? `the uploaded file is larger than the upload limit of ${limit}` : error.message;
    return new GraphQLError(message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      extensions: { ...error.extensions, code: REQUEST_CODES[code], reason: code, http: { status: 400 } },
    });
  };
  return {
    // yoga's GET parser JSON.parses `variables`/`extensions` unguarded: a SyntaxError there is
    // the client's malformed request, not a server fault.
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (err) {
          if (err instanceof SyntaxError) {
            throw new GraphQLError(`the request could not be parsed: ${err.message}`, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          throw err;
        }
      });
    },
    // A 406 or 415 from yoga has an empty body: give it an error a client can read.
    onResponse({ response, setResponse, fetchAPI }) {
      if ((response.status === 406 || response.status === 415) && !response.headers.get('content-type')) {
        const message =
          response.status === 415
            ? 'unsupported content type: send application/json, or multipart/form-data for uploads'
            : 'cannot answer in the requested media type: accept application/graphql-response+json, application/json or text/event-stream';
        setResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }), {
            status: response.status,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          }),
        );
      }
    },
    onResultProcess({ result, setResult }) {
      if (Symbol.asyncIterator in (result as object) || Array.isArray(result)) return;
      const single = result as ExecutionResult;
      if (!single.errors?.length) return;
      setResult({ ...single, errors: single.errors.map((e) => convert(e as GraphQLError)) });
    },
  };
}

function formatLimit(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / (1024 * 1024)).toFixed(1)} MB` : `${+(n / 1024).toFixed(1)} KB`;
}
