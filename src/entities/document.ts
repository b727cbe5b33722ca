import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** An uploaded statement file; its bytes live in `document_chunks` (storage/document-chunks.ts). */
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
    // Set only for a document of the previous version still under DATA_DIR/documents (see
    // storage/legacy-files.ts); its bytes are in document_chunks once this is null.
    storageKey: p.string().length(200).nullable().hidden(),
    uploadedAt: p.datetime().defaultRaw('now()'),
  }),
});
export type Document = InferEntity<typeof Document>;
