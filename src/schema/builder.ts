import SchemaBuilder from '@pothos/core';
import type { Context } from '../context.js';

/** Only builds the builder: types live in their own files, `index.ts` assembles the schema. */
export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    File: { Input: File; Output: never };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
