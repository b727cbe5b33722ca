import { GraphQLError } from 'graphql';
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
    if (original instanceof GraphQLError) return original;
    if (graphqlError && !original) {
      return graphqlError.extensions.code
        ? graphqlError
        : new GraphQLError(graphqlError.message, {
            nodes: graphqlError.nodes,
            path: graphqlError.path,
            extensions: { ...graphqlError.extensions, code: 'BAD_USER_INPUT' },
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
