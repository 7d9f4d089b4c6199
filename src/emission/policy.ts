import { z } from 'zod';
import { EngineError } from '../errors.ts';
import type { AoUnits } from '../units.ts';
import { mulDiv } from './muldiv.ts';
import { DEFAULT_GENESIS_MS, parseInstant, tickEndMs } from './ticks.ts';

/**
 * Split policies (DESIGN.md §3) are data: an ordered list of phases, each giving the AR holders'
 * share of a tick's mint as an exact rational. A tick belongs to the first phase whose
 * `untilTickEnd` is at or after the tick's end; the last phase has no end.
 *
 *   ar_k      = floor(mint_k · num / den)        (rounds down)
 *   bridges_k = mint_k − ar_k                    (so the two parts always sum to mint_k)
 */
export interface Share {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export interface SplitPhase {
  /** The phase covers ticks whose end is ≤ this instant (ms); null for the open-ended last phase. */
  readonly untilTickEndMs: number | null;
  readonly ar: Share;
}

export interface SplitPolicy {
  readonly id: string;
  readonly version: number;
  readonly phases: readonly SplitPhase[];
}

export interface Split {
  readonly ar: AoUnits;
  readonly bridges: AoUnits;
}

/** Bridge rewards start 2024-06-18T15:00:00Z (11:00 EDT): ticks ending at or before it are 100 % AR. */
export const BRIDGE_START_MS = Date.parse('2024-06-18T15:00:00Z');

export const AO_MAINNET: SplitPolicy = {
  id: 'ao-mainnet',
  version: 1,
  phases: [
    { untilTickEndMs: BRIDGE_START_MS, ar: { numerator: 1n, denominator: 1n } },
    { untilTickEndMs: null, ar: { numerator: 1n, denominator: 3n } },
  ],
};

/** flat:A/B — AR holders get A/(A+B) of every tick, bridges B/(A+B). */
export function flatPolicy(arParts: bigint, bridgeParts: bigint): SplitPolicy {
  if (arParts < 0n || bridgeParts < 0n || arParts + bridgeParts === 0n) {
    throw new EngineError('INVALID_POLICY', `policy: flat:${arParts}/${bridgeParts} needs non-negative parts that are not both zero`);
  }
  return { id: `flat:${arParts}/${bridgeParts}`, version: 1, phases: [{ untilTickEndMs: null, ar: { numerator: arParts, denominator: arParts + bridgeParts } }] };
}

const FLAT = /^flat:([0-9]{1,18})\/([0-9]{1,18})$/;

/** Parses a policy name as the CLI and config accept it: `ao-mainnet` or `flat:A/B` (e.g. flat:36/64). */
export function parsePolicyName(text: unknown, field = 'policy'): SplitPolicy {
  if (text === 'ao-mainnet') return AO_MAINNET;
  const flat = typeof text === 'string' ? FLAT.exec(text) : null;
  if (flat) {
    try {
      return flatPolicy(BigInt(flat[1]!), BigInt(flat[2]!));
    } catch (error) {
      throw new EngineError('INVALID_POLICY', `${field}: ${(error as Error).message.replace(/^policy: /, '')}`);
    }
  }
  throw new EngineError('INVALID_POLICY', `${field}: ${JSON.stringify(text)} is not a policy; expected ao-mainnet or flat:A/B (e.g. flat:36/64)`);
}

const shareText = z.string().regex(/^[0-9]{1,30}\/[1-9][0-9]{0,29}$/, 'expected a fraction like "1/3"');

/** The data form of a policy, as written in config files and recorded with every tick. */
export const policyDataSchema = z.object({
  id: z.string().min(1).max(64),
  version: z.number().int().positive(),
  phases: z
    .array(z.object({ untilTickEnd: z.string().optional(), ar: shareText }))
    .min(1),
});
export type PolicyData = z.infer<typeof policyDataSchema>;

export function policyFromData(data: unknown, field = 'policy'): SplitPolicy {
  const parsed = policyDataSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EngineError('INVALID_POLICY', `${[field, ...issue.path].join('.')}: ${issue.message}`);
  }
  const phases = parsed.data.phases.map((phase, i): SplitPhase => {
    const [num, den] = phase.ar.split('/').map((s) => BigInt(s)) as [bigint, bigint];
    if (num > den) throw new EngineError('INVALID_POLICY', `${field}.phases.${i}.ar: ${phase.ar} is more than the whole mint`);
    const isLast = i === parsed.data.phases.length - 1;
    if (isLast !== (phase.untilTickEnd === undefined)) {
      throw new EngineError('INVALID_POLICY', `${field}.phases.${i}.untilTickEnd: ${isLast ? 'the last phase must be open-ended' : 'required on every phase but the last'}`);
    }
    return { untilTickEndMs: phase.untilTickEnd === undefined ? null : parseInstant(phase.untilTickEnd, `${field}.phases.${i}.untilTickEnd`), ar: { numerator: num, denominator: den } };
  });
  for (let i = 1; i < phases.length - 1; i++) {
    if (phases[i]!.untilTickEndMs! <= phases[i - 1]!.untilTickEndMs!) {
      throw new EngineError('INVALID_POLICY', `${field}.phases.${i}.untilTickEnd: phases must end in increasing order`);
    }
  }
  return { id: parsed.data.id, version: parsed.data.version, phases };
}

/** The canonical data form (stable key order), recorded with each tick and hashed into the journal. */
export function policyToData(policy: SplitPolicy): PolicyData {
  return {
    id: policy.id,
    version: policy.version,
    phases: policy.phases.map((p) => ({
      ...(p.untilTickEndMs === null ? {} : { untilTickEnd: new Date(p.untilTickEndMs).toISOString() }),
      ar: `${p.ar.numerator}/${p.ar.denominator}`,
    })),
  };
}

/** "ao-mainnet@1": how a tick names the policy that split it. */
export const policyLabel = (policy: SplitPolicy): string => `${policy.id}@${policy.version}`;

export function arShareAt(policy: SplitPolicy, tick: number, genesisMs = DEFAULT_GENESIS_MS): Share {
  const endMs = tickEndMs(tick, genesisMs);
  const phase = policy.phases.find((p) => p.untilTickEndMs === null || endMs <= p.untilTickEndMs) ?? policy.phases[policy.phases.length - 1]!;
  return phase.ar;
}

export function splitMint(policy: SplitPolicy, tick: number, mint: AoUnits, genesisMs = DEFAULT_GENESIS_MS): Split {
  const share = arShareAt(policy, tick, genesisMs);
  const ar = mulDiv(mint, share.numerator, share.denominator, 'floor');
  return { ar: ar as AoUnits, bridges: (mint - ar) as AoUnits };
}
