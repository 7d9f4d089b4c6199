import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redact } from './config.ts';

export type { Logger } from 'pino';

/**
 * pino JSON logs at the boundaries (snapshot taken, tick applied, batch sent). Amounts are bigints
 * in the engine; JSON has no bigint, so every bigint field is written as a decimal string, and any
 * string that looks like a URL with credentials is redacted.
 */
function toLoggable(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return redact(value);
  if (depth > 6 || typeof value !== 'object' || value === null || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => toLoggable(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toLoggable(v, depth + 1)]));
}

export function createLogger(options: { level?: LoggerOptions['level']; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'ao-emission',
      level: options.level ?? 'info',
      formatters: { log: (object) => toLoggable(object) as Record<string, unknown> },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
