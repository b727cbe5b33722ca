import { pino, type Logger } from 'pino';
import { currentLogFields } from './log-context.js';

export type { Logger };

/** The one structured logger; components take children with their own bindings. */
export function createLogger(level: string, pretty = false, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'cma-processing' },
    // requestId, or runId/projectId/firmId/stage, of the unit of work the line is written in;
    // the call's own fields win over them.
    mixin: currentLogFields,
    mixinMergeStrategy: (mergeObject, mixinObject) => ({ ...mixinObject, ...mergeObject }),
    // Never let a secret reach the log, whatever a caller passes in.
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization'],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
