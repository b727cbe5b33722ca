import type { Document } from '../entities/index.js';
import { requireViewer } from '../context.js';
import { parseId } from '../services/errors.js';
import { builder } from './builder.js';

export const DocumentRef = builder.objectRef<Document>('Document').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    filename: t.exposeString('filename'),
    contentType: t.exposeString('contentType'),
    sizeBytes: t.exposeInt('sizeBytes'),
    sha256: t.exposeString('sha256'),
    uploadedAt: t.expose('uploadedAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('uploadDocument', (t) =>
  t.field({
    type: DocumentRef,
    description: 'A statement, CSV or Excel workbook (.xlsx), long or wide layout (GraphQL multipart request); at most MAX_UPLOAD_BYTES',
    args: { projectId: t.arg.id({ required: true }), file: t.arg({ type: 'File', required: true }) },
    resolve: (_r, args, ctx) => {
      const viewer = requireViewer(ctx);
      return ctx.services.documents.upload(ctx.em(), viewer.firmId, parseId(String(args.projectId), 'projectId'), args.file);
    },
  }),
);
