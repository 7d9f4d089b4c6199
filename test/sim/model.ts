import type { Snapshot } from '../../src/bridges/types.ts';

/**
 * The simulator's own bookkeeping of what the pipeline must have done, kept apart from the ledger:
 * exact rational pro-rata shares (DESIGN.md §4: each tick's pool amount divided by weight among the
 * accounts holding weight after the tick's changes, carried whole when the pool has no weight),
 * what each recipient must have been credited, and which batches the token process was sent. It
 * shares no code with src/ledger; it reads from the ledger only the per-pool amount of each tick
 * (the emission law's output, tested by test/emission) and checks the pool's total weight against
 * its own.
 */

/** A non-negative rational num/den, den > 0, kept reduced. */
interface Fraction {
  readonly num: bigint;
  readonly den: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};
const reduce = (num: bigint, den: bigint): Fraction => {
  const g = gcd(num, den);
  return g <= 1n ? { num, den } : { num: num / g, den: den / g };
};
const add = (a: Fraction, b: Fraction): Fraction => reduce(a.num * b.den + b.num * a.den, a.den * b.den);
const ZERO: Fraction = { num: 0n, den: 1n };

interface ModelAccount {
  recipient: string | null;
  weight: bigint;
  /** Exact units accrued since the account first held weight. */
  accrued: Fraction;
  /** Whole units credited so far. */
  credited: bigint;
}

export interface TickAmounts {
  readonly pool: string;
  /** The pool's share of the tick's mint (the ledger's AppliedTick.pools[].amount). */
  readonly amount: bigint;
  /** The ledger's total weight after the tick's changes: must equal the model's. */
  readonly totalWeight: bigint;
}

export class PipelineModel {
  tick = 0;
  readonly #accounts = new Map<string, Map<string, ModelAccount>>();
  /** Amount of a pool carried to the next tick because it had no weight. */
  readonly #carry = new Map<string, bigint>();
  /** Σ whole units each recipient must have been credited, over every settlement so far. */
  readonly credited = new Map<string, bigint>();
  /** How many accounts have credited each recipient: bounds the rounding allowance. */
  readonly #creditors = new Map<string, Set<string>>();
  /** Batch ids the model knows the ledger wrote, with their payloads as the model read them. */
  readonly batches = new Map<string, Map<string, bigint>>();
  /** Batch ids the token process was sent at least once (first send applies; later ones must not). */
  readonly posted = new Set<string>();
  /** Expected token balances: Σ of the first send of each posted batch. */
  readonly balances = new Map<string, bigint>();
  /** Message ids answered Mint-Batch-Notice per batch id: more than one is a double delivery. */
  readonly notices = new Map<string, Set<string>>();
  minted = 0n;

  #pool(pool: string): Map<string, ModelAccount> {
    let accounts = this.#accounts.get(pool);
    if (accounts === undefined) this.#accounts.set(pool, (accounts = new Map()));
    return accounts;
  }

  /** The tick's changes, then each pool's amount shared pro rata; returns the problems found. */
  applyTick(tick: number, snapshots: readonly Snapshot[], amounts: readonly TickAmounts[]): string[] {
    const problems: string[] = [];
    if (tick !== this.tick + 1) problems.push(`model: tick ${tick} applied after ${this.tick}`);
    this.tick = tick;
    for (const s of snapshots) {
      const accounts = this.#pool(s.pool);
      if (s.complete) {
        const listed = new Set(s.updates.map((u) => u.account));
        for (const [key, a] of accounts) if (!listed.has(key)) a.weight = 0n;
      }
      for (const u of s.updates) {
        const a = accounts.get(u.account);
        if (a === undefined) accounts.set(u.account, { recipient: u.recipient, weight: u.weight, accrued: ZERO, credited: 0n });
        else {
          a.weight = u.weight;
          a.recipient = u.recipient;
        }
      }
    }
    for (const { pool, amount, totalWeight } of amounts) {
      const accounts = [...this.#pool(pool).values()];
      const weight = accounts.reduce((sum, a) => sum + a.weight, 0n);
      if (weight !== totalWeight) problems.push(`tick ${tick} pool ${pool}: ledger total weight ${totalWeight}, model ${weight}`);
      this.minted += amount;
      const share = amount + (this.#carry.get(pool) ?? 0n);
      if (weight === 0n) {
        this.#carry.set(pool, share);
        continue;
      }
      this.#carry.set(pool, 0n);
      for (const a of accounts) if (a.weight > 0n) a.accrued = add(a.accrued, reduce(share * a.weight, weight));
    }
    return problems;
  }

  /**
   * A settlement of the pool: every account with a recipient is credited its whole accrued units
   * not yet credited. Returns the credit per recipient the model expects.
   */
  settle(pool: string): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const [key, a] of this.#pool(pool)) {
      if (a.recipient === null) continue;
      const owed = a.accrued.num / a.accrued.den - a.credited;
      if (owed <= 0n) continue;
      a.credited += owed;
      out.set(a.recipient, (out.get(a.recipient) ?? 0n) + owed);
      this.credited.set(a.recipient, (this.credited.get(a.recipient) ?? 0n) + owed);
      let creditors = this.#creditors.get(a.recipient);
      if (creditors === undefined) this.#creditors.set(a.recipient, (creditors = new Set()));
      creditors.add(`${pool}/${key}`);
    }
    return out;
  }

  /**
   * The ledger's cumulative credits per recipient against the model's. The ledger's index rounds
   * each tick's share down to 1/SCALE (10^-36) of a unit and carries the remainder, so an account's
   * total can sit just below the exact one and floor one unit lower; hence one unit per crediting
   * account, never more.
   */
  compareCredits(ledger: ReadonlyMap<string, bigint>): string[] {
    const problems: string[] = [];
    for (const recipient of new Set([...ledger.keys(), ...this.credited.keys()])) {
      const l = ledger.get(recipient) ?? 0n;
      const m = this.credited.get(recipient) ?? 0n;
      const allowance = BigInt(this.#creditors.get(recipient)?.size ?? 0);
      if (l > m || m - l > allowance) problems.push(`recipient ${recipient}: ledger credited ${l}, model ${m} (allowance ${allowance})`);
    }
    return problems;
  }

  /** A Mint-Batch the token process was sent; the first send of a batch id credits, later ones must not. */
  post(batchId: string, payload: string): void {
    if (this.posted.has(batchId)) return;
    this.posted.add(batchId);
    for (const [recipient, quantity] of JSON.parse(payload) as [string, string][]) this.balances.set(recipient, (this.balances.get(recipient) ?? 0n) + BigInt(quantity));
  }
}
