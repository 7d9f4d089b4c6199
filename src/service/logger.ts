import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { EngineError } from '../errors.ts';
import { redactUrls } from '../redact-url.ts';

export type { Logger } from 'pino';

/**
 * pino JSON logs at the boundaries (snapshot taken, tick applied, batch sent). Amounts are bigints
 * in the engine; JSON has no bigint, so every bigint field is written as a decimal string, and any
 * string that looks like a URL with credentials is redacted.
 */
function toLoggable(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return redactUrls(value);
  if (depth > 6 || typeof value !== 'object' || value === null || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => toLoggable(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toLoggable(v, depth + 1)]));
}

/**
 * An expected outage (a chain node, the database or the AO units unreachable) is logged by its
 * code and message alone: its stack says nothing the operator can act on. Anything else keeps it.
 */
const EXPECTED_FAILURE = /_UNAVAILABLE$|^DELIVERY_FAILED$|^MALFORMED_RESPONSE$/;
function serializeError(error: Error): Record<string, unknown> {
  const out = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  if (error instanceof EngineError && EXPECTED_FAILURE.test(error.code)) {
    delete out['stack'];
    out['code'] = error.code;
  }
  return out;
}

export function createLogger(options: { level?: LoggerOptions['level']; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'ao-emission',
      level: options.level ?? 'info',
      formatters: { log: (object) => toLoggable(object) as Record<string, unknown> },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
