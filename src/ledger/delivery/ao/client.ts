import { connect, createDataItemSigner } from '@permaweb/aoconnect';

/** A tag as aoconnect and ANS-104 carry it. */
export interface AoTag {
  readonly name: string;
  readonly value: string;
}

export interface AoMessageOut {
  readonly Target?: string;
  readonly Tags?: readonly AoTag[];
  readonly Data?: string;
}

/** A CU's answer for a message or a dry-run; `error` is set when the CU could not produce one. */
export interface AoResultIn {
  readonly Messages?: readonly AoMessageOut[];
  readonly Output?: unknown;
  readonly Error?: string;
  readonly error?: string;
}

/** An Arweave JWK (RSA): what aoconnect's createDataItemSigner signs with. */
export type ArweaveJwk = Record<string, string>;

export interface AoEndpoints {
  /** Messenger unit: where signed messages are posted. */
  readonly muUrl: string;
  /** Compute unit: results and dry-runs. */
  readonly cuUrl: string;
  /**
   * Scheduler unit, asked for a delivered message's assignment slot. Default: the MU URL (the
   * local AO node is both). On legacynet the SU is another host (aoconnect finds it with
   * `locate`); without the right URL the slot is simply not recorded.
   */
  readonly suUrl?: string;
}

/** The three aoconnect calls the writer and the reconciliation use, bound to one MU/CU pair. */
export interface AoClient {
  message(args: { process: string; tags: readonly AoTag[]; data: string }): Promise<string>;
  result(args: { message: string; process: string }): Promise<AoResultIn>;
  dryrun(args: { process: string; tags: readonly AoTag[]; data?: string }): Promise<AoResultIn>;
  /** The SU's slot for a scheduled message, or null when the SU does not say (optional: a client without it records no slot). */
  assignmentSlot?(args: { message: string; process: string }): Promise<number | null>;
}

/**
 * Reads the slot the way aoconnect's `returnAssignmentSlot` does (dist/index.js,
 * sendDataItemChain): GET `<su>/<message>?process-id=<process>`, the assignment's `Nonce` tag.
 */
async function readAssignmentSlot(suUrl: string, message: string, process: string): Promise<number | null> {
  const res = await fetch(`${suUrl}/${encodeURIComponent(message)}?process-id=${encodeURIComponent(process)}`);
  if (!res.ok) return null;
  const body = (await res.json()) as { assignment?: { tags?: { name?: unknown; value?: unknown }[] } };
  const nonce = body.assignment?.tags?.find((t) => t.name === 'Nonce')?.value;
  const slot = typeof nonce === 'string' && /^(0|[1-9][0-9]{0,14})$/.test(nonce) ? Number(nonce) : null;
  return slot;
}

/**
 * aoconnect in legacy mode (DESIGN.md §7): `message` posts the signed data item to the MU,
 * `result` and `dryrun` ask the CU. No gateway or GraphQL is used by these calls; GATEWAY_URL is
 * set to the CU only because connect wants one.
 */
export function createAoClient(endpoints: AoEndpoints, jwk?: ArweaveJwk): AoClient {
  // connect's overloaded typings do not admit noLog in legacy mode, though the code reads it.
  const legacyConnect = connect as unknown as (args: Record<string, unknown>) => unknown;
  const ao = legacyConnect({ MODE: 'legacy', MU_URL: endpoints.muUrl, CU_URL: endpoints.cuUrl, GATEWAY_URL: endpoints.cuUrl, noLog: true }) as {
    message(args: object): Promise<string>;
    result(args: object): Promise<AoResultIn>;
    dryrun(args: object): Promise<AoResultIn>;
  };
  const signer = jwk === undefined ? undefined : createDataItemSigner(jwk);
  return {
    message: async ({ process, tags, data }) => {
      if (signer === undefined) throw new Error('aoconnect: no JWK given; this client cannot sign messages');
      return ao.message({ process, tags: [...tags], data, signer });
    },
    result: ({ message, process }) => ao.result({ message, process }),
    dryrun: ({ process, tags, data }) => ao.dryrun({ process, tags: [...tags], ...(data !== undefined && { data }) }),
    assignmentSlot: ({ message, process }) => readAssignmentSlot(endpoints.suUrl ?? endpoints.muUrl, message, process),
  };
}

export const tagOf = (m: AoMessageOut, name: string): string | undefined => m.Tags?.find((t) => t.name === name)?.value;
