import { GraphQLError } from 'graphql';
import { builder } from './builder.js';

builder.scalarType('DateTime', {
  description: 'ISO-8601 date and time, UTC',
  serialize: (value) => (value instanceof Date ? value : new Date(value)).toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) {
      throw new GraphQLError('DateTime must be an ISO-8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return date;
  },
});

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request specification',
  serialize: () => {
    throw new GraphQLError('File is an input-only scalar');
  },
  parseValue: (value) => {
    if (typeof value !== 'object' || value === null || typeof (value as File).stream !== 'function') {
      throw new GraphQLError('File must be sent as a multipart upload', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return value as File;
  },
});
