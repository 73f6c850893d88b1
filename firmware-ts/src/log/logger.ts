// pino JSON on stdout for journald, a child logger per part, personal data
// redacted, pino-pretty when a human is watching a TTY.
import { pino, type Logger, type LoggerOptions } from 'pino';
import { REDACT_PATHS, scrubFields, scrubText } from './redact.js';

export type { Logger };

export interface LogOptions {
  level: string;
  pretty: 'auto' | 'always' | 'never';
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    hooks: {
      // Free text can carry what structured redaction cannot see.
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : isPlainObject(a) ? scrubFields(a) : a)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/** Plain log objects only: an Error (or anything with a prototype of its own) is pino's to serialize. */
function isPlainObject(a: unknown): a is object {
  return typeof a === 'object' && a !== null && Object.getPrototypeOf(a) === Object.prototype;
}

export function createLogger(opts: LogOptions, stream?: NodeJS.WritableStream): Logger {
  const pretty = opts.pretty === 'always' || (opts.pretty === 'auto' && process.stdout.isTTY === true);
  if (stream) return pino(loggerOptions(opts.level), stream);
  if (pretty) {
    return pino({
      ...loggerOptions(opts.level),
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino(loggerOptions(opts.level));
}

/** One child per part, so `vimgw logs --part gnss` can filter by `part`. */
export function partLogger(root: Logger, part: string): Logger {
  return root.child({ part });
}
