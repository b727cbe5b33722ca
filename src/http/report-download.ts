import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Services } from '../context.js';
import { bearerToken } from '../services/auth.js';
import { AppError } from '../services/errors.js';
import { loadWorkbookInput } from '../services/report/workbook-source.js';
import { sendJson, type HttpRoute } from './routes.js';

const PATH = /^\/projects\/([^/]+)\/report\.xlsx$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * `GET /projects/<id>/report.xlsx`: the project's CMA workbook, streamed as it is written.
 * Authorised by the usual `Authorization: Bearer` header or by a signed link from
 * `reportDownloadUrl` (query `firm`, `expires`, `signature`). Errors are JSON
 * `{ error: { code, message } }` with API.md's codes: 401 UNAUTHENTICATED, 404 NOT_FOUND (no such
 * project in the caller's firm, or no report yet), 405 for other methods.
 */
export function reportDownloadRoute(services: Services): HttpRoute {
  const fail = (res: Parameters<HttpRoute['handle']>[1], status: number, code: string, message: string) =>
    sendJson(res, status, { error: { code, message } });

  return {
    name: 'report-download',
    matches: (url) => PATH.test(url.pathname),
    async handle(req, res, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return fail(res, 405, 'METHOD_NOT_ALLOWED', 'use GET');
      }
      const rawId = PATH.exec(url.pathname)?.[1] ?? '';
      let firmId: string;
      if (url.searchParams.has('signature')) {
        const link = services.downloadLinks.verify(rawId.toLowerCase(), url.searchParams);
        if (!link.ok) {
          const why = link.reason === 'EXPIRED' ? 'this download link has expired; ask for a new one' : 'this download link is not valid';
          return fail(res, 401, 'UNAUTHENTICATED', why);
        }
        firmId = link.firmId;
      } else {
        try {
          const token = bearerToken(req.headers.authorization);
          if (!token) return fail(res, 401, 'UNAUTHENTICATED', 'sign in first: send "Authorization: Bearer <token>" or use a link from reportDownloadUrl');
          firmId = (await services.auth.verify(token)).firmId;
        } catch (err) {
          if (err instanceof AppError) return fail(res, 401, err.code, err.message);
          throw err;
        }
      }
      if (!UUID.test(rawId)) return fail(res, 404, 'NOT_FOUND', 'project not found');
      const input = await loadWorkbookInput(services.sql, rawId.toLowerCase(), firmId);
      if (input === 'NO_PROJECT') return fail(res, 404, 'NOT_FOUND', 'project not found');
      if (input === 'NO_REPORT') return fail(res, 404, 'NOT_FOUND', 'this project has no report yet: process it first');

      // exceljs and its zip writers (~6 MB of heap) load with the first download, not at start-up.
      const { writeWorkbook } = await import('../services/report/workbook.js');
      const filename = `${input.projectName.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'project'}-cma.xlsx`;
      res.writeHead(200, {
        'content-type': XLSX,
        'content-disposition': `attachment; filename="${filename}"`,
        'cache-control': 'private, no-store',
      });
      if (req.method === 'HEAD') return void res.end();
      // The writer pushes zip chunks as rows are committed; the pipeline carries backpressure
      // from the socket and tears the response down if either side fails.
      const body = new PassThrough();
      const written = writeWorkbook(body, input).catch((err: unknown) => {
        body.destroy(err as Error);
        throw err;
      });
      await Promise.all([pipeline(body, res), written]).catch((err: unknown) => {
        services.logger.warn({ err, projectId: rawId }, 'workbook download ended early');
        res.destroy();
      });
    },
  };
}
