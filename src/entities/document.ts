import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** An uploaded statement file; the bytes live under DATA_DIR at `storageKey`. */
export const Document = defineEntity({
  name: 'Document',
  tableName: 'documents',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    projectId: p.uuid().index(),
    firmId: p.uuid(),
    filename: p.string().length(255),
    contentType: p.string().length(120),
    sizeBytes: p.bigint('number'),
    sha256: p.string().length(64),
    storageKey: p.string().length(200).hidden(),
    uploadedAt: p.datetime().defaultRaw('now()'),
  }),
});
export type Document = InferEntity<typeof Document>;
