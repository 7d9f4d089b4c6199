/**
 * Every error a person can act on is an EngineError with a stable `code`.
 * Codes are never renumbered or reused: scripts and tests match on them.
 *
 * Families: INVALID_* (bad input: config, CLI, addresses), MALFORMED_* (a peer answered
 * something we cannot parse), *_EXCEEDED (a bound was hit), *_CONFLICT / *_MISMATCH
 * (state disagrees with what was expected), *_UNAVAILABLE (I/O that failed after retries).
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_TICK'
  | 'INVALID_TIME'
  | 'INVALID_POLICY'
  | 'INVALID_AMOUNT'
  | 'INVALID_ADDRESS'
  | 'INVALID_CONFIG'
  | 'INVALID_SCENARIO'
  /** A delegation preference breaks a rule (factor, total, target; DESIGN.md §9). */
  | 'INVALID_DELEGATION'
  | 'MALFORMED_RESPONSE'
  | 'LIMIT_EXCEEDED'
  | 'TICK_CONFLICT'
  | 'CONSERVATION_MISMATCH'
  | 'SNAPSHOT_MISMATCH'
  | 'STORAGE_MISMATCH'
  | 'SOURCE_UNAVAILABLE'
  | 'DELIVERY_FAILED'
  | 'AUDIT_MISMATCH'
  | 'NOT_FOUND'
  | 'LEADER_CONFLICT'
  | 'OUTBOX_CONFLICT'
  /** A delegation target delegates too (a cycle): refused, the tick is not applied. */
  | 'DELEGATION_CONFLICT'
  /** The HTTP port is taken (a runtime condition, exit 1; a bad host is INVALID_CONFIG). */
  | 'PORT_UNAVAILABLE'
  /** The database server cannot be reached or refuses the login. */
  | 'DATABASE_UNAVAILABLE'
  /** An error that is no EngineError (a bug): reported as such, never as a source outage. */
  | 'INTERNAL_ERROR';

export class EngineError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable context (bigints as decimal strings), safe to log. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.details = options?.details ?? {};
  }
}

/** True for errors caused by the user's input (exit code 2 in the CLI), false for runtime failures. */
export function isInputError(error: EngineError): boolean {
  return error.code.startsWith('INVALID_');
}
