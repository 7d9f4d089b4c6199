import { z } from 'zod';
import { EngineError } from '../errors.ts';
import { ARITHMETICS, type Curve } from './curve.ts';
import type { Rounding } from './muldiv.ts';
import { ANNOUNCED_CURVE, DEPLOYED_CURVE } from './preset-curves.ts';
import { parseShare, shareText, type Share } from './share.ts';
import { parseInstant } from './ticks.ts';

/**
 * A policy is the whole emission law as data (DESIGN.md §2–§3), versioned and recorded with every
 * ledger tick: the curve (per-tick rate as an exact rational and the arithmetic that rounds it), the
 * transferability gate, and the split phases. A tick belongs to the first phase whose
 * `untilTickEndMs` is at or after the tick's end; the last phase has no end.
 */

export interface SplitPhase {
  /** The phase covers ticks whose end is ≤ this instant (ms); null for the open-ended last phase. */
  readonly untilTickEndMs: number | null;
  /** The AR holders' share of the mint; the bridges get the rest. */
  readonly ar: Share;
  readonly rounding: Rounding;
}

/** `mintCount`: transferable from tick `count` on (the process counts one mint per tick). */
export type GateRule = { readonly kind: 'mintCount'; readonly count: number } | { readonly kind: 'supplyShare'; readonly share: Share };

export interface Policy {
  readonly id: string;
  readonly version: number;
  readonly curve: Curve;
  readonly gate: GateRule;
  readonly phases: readonly SplitPhase[];
  /**
   * Recorded in the first wave's data form (phases only): ledgers written before the law became
   * data name `ao-mainnet@1` or `flat:A/B@1` with that form, and it resolves to the announced law.
   */
  readonly legacyForm?: true;
}

/** Bridge rewards start 2024-06-18T15:00:00Z (11:00 EDT): ticks ending at or before it are 100 % AR. */
export const BRIDGE_START_MS = Date.parse('2024-06-18T15:00:00Z');

const WHOLE: Share = { numerator: 1n, denominator: 1n };
const THIRD: Share = { numerator: 1n, denominator: 3n };

/** AO's deployed law, the default everywhere: transfers open at MintCount 100,000; AR = nearest(mint/3). */
export const AO_MAINNET: Policy = {
  id: 'ao-mainnet',
  version: 2,
  curve: DEPLOYED_CURVE,
  gate: { kind: 'mintCount', count: 100_000 },
  phases: [
    { untilTickEndMs: BRIDGE_START_MS, ar: WHOLE, rounding: 'half-even' },
    { untilTickEndMs: null, ar: THIRD, rounding: 'half-even' },
  ],
};

/** The law as announced: 1.425 %/month, floors, transferable at 15 % of the supply. */
export const AO_ANNOUNCED: Policy = {
  id: 'ao-announced',
  version: 1,
  curve: ANNOUNCED_CURVE,
  gate: { kind: 'supplyShare', share: { numerator: 15n, denominator: 100n } },
  phases: [
    { untilTickEndMs: BRIDGE_START_MS, ar: WHOLE, rounding: 'floor' },
    { untilTickEndMs: null, ar: THIRD, rounding: 'floor' },
  ],
};

/** What `ao-mainnet@1` meant when the first wave recorded it: the announced law under the old name. */
const legacyLaw = (id: string, phases: readonly { untilTickEndMs: number | null; ar: Share }[]): Policy => ({
  id,
  version: 1,
  curve: ANNOUNCED_CURVE,
  gate: AO_ANNOUNCED.gate,
  phases: phases.map((p) => ({ ...p, rounding: 'floor' })),
  legacyForm: true,
});

export const AO_MAINNET_V1: Policy = legacyLaw('ao-mainnet', AO_MAINNET.phases);

/** flat:A/B on the deployed law — AR holders get floor(mint·A/(A+B)) of every tick, bridges the rest. */
export function flatPolicy(arParts: bigint, bridgeParts: bigint): Policy {
  if (arParts < 0n || bridgeParts < 0n || arParts + bridgeParts === 0n) {
    throw new EngineError('INVALID_POLICY', `policy: flat:${arParts}/${bridgeParts} needs non-negative parts that are not both zero (flat:A/B is the ratio AR:bridges, AR gets A/(A+B))`);
  }
  return {
    id: `flat:${arParts}/${bridgeParts}`,
    version: 2,
    curve: DEPLOYED_CURVE,
    gate: AO_MAINNET.gate,
    phases: [{ untilTickEndMs: null, ar: { numerator: arParts, denominator: arParts + bridgeParts }, rounding: 'floor' }],
  };
}

const PRESETS: ReadonlyMap<string, Policy> = new Map([
  ['ao-mainnet', AO_MAINNET],
  ['ao-mainnet@2', AO_MAINNET],
  ['ao-mainnet@1', AO_MAINNET_V1],
  ['ao-announced', AO_ANNOUNCED],
  ['ao-announced@1', AO_ANNOUNCED],
]);
const FLAT = /^flat:([0-9]{1,18})\/([0-9]{1,18})$/;
const POLICY_NAMES = 'ao-mainnet, ao-announced, ao-mainnet@1 or flat:A/B (a ratio AR:bridges, e.g. flat:1/2 gives AR a third; policy data\'s ar: "1/3" is a fraction)';

/** Parses a policy name as the CLI, config and scenarios accept it. */
export function parsePolicyName(text: unknown, field = 'policy'): Policy {
  if (typeof text === 'string') {
    const preset = PRESETS.get(text);
    if (preset !== undefined) return preset;
    const flat = FLAT.exec(text);
    if (flat) {
      try {
        return flatPolicy(BigInt(flat[1]!), BigInt(flat[2]!));
      } catch (error) {
        throw new EngineError('INVALID_POLICY', `${field}: ${(error as Error).message.replace(/^policy: /, '')}`);
      }
    }
  }
  throw new EngineError('INVALID_POLICY', `${field}: ${JSON.stringify(text)} is not a policy; expected ${POLICY_NAMES}`);
}

const fraction = z.string().max(61);
const phaseData = z.strictObject({ untilTickEnd: z.string().optional(), ar: fraction, rounding: z.enum(['floor', 'half-even']) });
const gateData = z.union([z.strictObject({ mintCount: z.number().int().min(0).max(10_000_000_000) }), z.strictObject({ supplyShare: fraction })]);

/** The data form of a policy, as written in config and scenario files and recorded with every tick. */
export const policyDataSchema = z.strictObject({
  id: z.string().min(1).max(64),
  version: z.number().int().positive(),
  rate: fraction,
  arithmetic: z.enum(ARITHMETICS),
  gate: gateData,
  phases: z.array(phaseData).min(1).max(64),
});
export type PolicyData = z.infer<typeof policyDataSchema>;

/** The first wave's recorded form: phases only, always floor, always the announced curve. */
const legacyDataSchema = z.strictObject({
  id: z.string().min(1).max(64),
  version: z.number().int().positive(),
  phases: z.array(z.strictObject({ untilTickEnd: z.string().optional(), ar: fraction })).min(1).max(64),
});

function zodFailure(error: z.ZodError, field: string): EngineError {
  const issue = error.issues[0]!;
  return new EngineError('INVALID_POLICY', `${[field, ...issue.path].join('.')}: ${issue.message}`);
}

function parsePhases(phases: readonly { untilTickEnd?: string | undefined; ar: string; rounding?: Rounding }[], field: string): SplitPhase[] {
  const parsed = phases.map((phase, i): SplitPhase => {
    const ar = parseShare(phase.ar, `${field}.phases.${i}.ar`);
    if (ar.numerator > ar.denominator) throw new EngineError('INVALID_POLICY', `${field}.phases.${i}.ar: ${phase.ar} is more than the whole mint`);
    const isLast = i === phases.length - 1;
    if (isLast !== (phase.untilTickEnd === undefined)) {
      throw new EngineError('INVALID_POLICY', `${field}.phases.${i}.untilTickEnd: ${isLast ? 'the last phase must be open-ended' : 'required on every phase but the last'}`);
    }
    const untilTickEndMs = phase.untilTickEnd === undefined ? null : parseInstant(phase.untilTickEnd, `${field}.phases.${i}.untilTickEnd`);
    return { untilTickEndMs, ar, rounding: phase.rounding ?? 'floor' };
  });
  for (let i = 1; i < parsed.length - 1; i++) {
    if (parsed[i]!.untilTickEndMs! <= parsed[i - 1]!.untilTickEndMs!) {
      throw new EngineError('INVALID_POLICY', `${field}.phases.${i}.untilTickEnd: phases must end in increasing order`);
    }
  }
  return parsed;
}

/** A per-tick rate: 0 < rate < 1, or the curve would mint nothing or everything at once. */
function parseRate(text: string, field: string): Share {
  const rate = parseShare(text, field);
  if (rate.numerator === 0n || rate.numerator >= rate.denominator) {
    throw new EngineError('INVALID_POLICY', `${field}: ${text} is not a per-tick rate; expected a fraction strictly between 0 and 1`);
  }
  return rate;
}

/** A policy given as data in config or a scenario: every field required, checked field by field. */
export function policyFromData(data: unknown, field = 'policy'): Policy {
  const parsed = policyDataSchema.safeParse(data);
  if (!parsed.success) throw zodFailure(parsed.error, field);
  const d = parsed.data;
  let gate: GateRule;
  if ('mintCount' in d.gate) gate = { kind: 'mintCount', count: d.gate.mintCount };
  else {
    const share = parseShare(d.gate.supplyShare, `${field}.gate.supplyShare`);
    if (share.numerator === 0n || share.numerator > share.denominator) {
      throw new EngineError('INVALID_POLICY', `${field}.gate.supplyShare: ${d.gate.supplyShare} is not a share of the supply; expected a fraction in (0, 1]`);
    }
    gate = { kind: 'supplyShare', share };
  }
  return { id: d.id, version: d.version, curve: { rate: parseRate(d.rate, `${field}.rate`), arithmetic: d.arithmetic }, gate, phases: parsePhases(d.phases, field) };
}

/** A policy as a ledger tick recorded it: the current form, or the first wave's (the announced law). */
export function policyFromRecord(data: unknown, field = 'policy'): Policy {
  if (typeof data === 'object' && data !== null && !('rate' in data)) {
    const parsed = legacyDataSchema.safeParse(data);
    if (!parsed.success) throw zodFailure(parsed.error, field);
    return legacyLaw(parsed.data.id, parsePhases(parsed.data.phases, field));
  }
  return policyFromData(data, field);
}

const untilText = (p: SplitPhase) => (p.untilTickEndMs === null ? {} : { untilTickEnd: new Date(p.untilTickEndMs).toISOString() });

/** The canonical data form (stable key order), recorded with each tick and hashed into the journal. */
export function policyToData(policy: Policy): PolicyData | z.infer<typeof legacyDataSchema> {
  if (policy.legacyForm) return { id: policy.id, version: policy.version, phases: policy.phases.map((p) => ({ ...untilText(p), ar: shareText(p.ar) })) };
  return {
    id: policy.id,
    version: policy.version,
    rate: shareText(policy.curve.rate),
    arithmetic: policy.curve.arithmetic,
    gate: policy.gate.kind === 'mintCount' ? { mintCount: policy.gate.count } : { supplyShare: shareText(policy.gate.share) },
    phases: policy.phases.map((p) => ({ ...untilText(p), ar: shareText(p.ar), rounding: p.rounding })),
  };
}

/** "ao-mainnet@2": how a tick names the policy that split it. */
export const policyLabel = (policy: Policy): string => `${policy.id}@${policy.version}`;

/** Two policies are the same law when their recorded data forms are equal. */
export const samePolicy = (a: Policy, b: Policy): boolean => JSON.stringify(policyToData(a)) === JSON.stringify(policyToData(b));
