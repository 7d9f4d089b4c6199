/**
 * The audit's reference model of the distribution, written from DESIGN.md §3–§4 alone. It shares
 * no code with the state machine it checks (src/ledger/distribution, accrual.ts, pool-state.ts,
 * settle.ts): only the types. `audit verify` feeds it the same weight changes and pool amounts as
 * its replay and reports every place where the two (or the stored rows) disagree, so a bug in the
 * ledger's distribution code is found instead of being replayed.
 *
 * Exact integers throughout (DESIGN.md §1). Per pool:
 *   SCALE = 10^36; N = P·SCALE + carry; step = floor(N / W); carry' = N − W·step   (W = 0: step 0, carry' = N)
 *   an account's entitlement (scaled) = banked + w · (I − I_at_last_change)
 *   owed at settlement = floor(entitlement / SCALE) − paid
 * and the pool-wide identity SCALE · Σ P = Σ_a entitlement_a + carry (checked by `conserves`).
 *
 * Delegation (DESIGN.md §9), from the rule as written there: a wallet's targets take
 * floor(units · factor / 10000) of the units due while their preferences are in force, the wallet
 * the rest; a change at tick c cuts the account's entitlement at the end of tick c − 1, and the
 * whole units due up to each cut follow the preferences in force before it.
 */
const UNIT = 10n ** 36n;
const BASIS = 10_000n;

interface RefAccount {
  readonly pool: string;
  weight: bigint;
  recipient: string | null;
  /** Entitlement up to the pool index `mark`, scaled. */
  banked: bigint;
  mark: bigint;
  /** Whole base units credited so far. */
  paid: bigint;
}

interface RefPool {
  index: bigint;
  carry: bigint;
  weight: bigint;
  received: bigint;
  /** Account ids in the order they joined. */
  readonly members: number[];
}

/** What the model says of one pool after a tick. */
export interface RefPoolView {
  readonly index: bigint;
  readonly residue: bigint;
  readonly totalWeight: bigint;
  readonly step: bigint;
}

/** What the model says of one account now. */
export interface RefAccountView {
  readonly weight: bigint;
  readonly recipient: string | null;
  /** Entitlement at the current index, scaled. */
  readonly entitlement: bigint;
  readonly paid: bigint;
}

/** What one account's settlement sends where: its recipient's share and each target's. */
export interface RefShares {
  readonly recipient: string;
  readonly owed: bigint;
  /** recipient and targets → base units (positive only). */
  readonly to: Map<string, bigint>;
}

export class ReferenceModel {
  readonly #pools = new Map<string, RefPool>();
  readonly #accounts = new Map<number, RefAccount>();
  /** wallet → its preference sets, each in force from its tick on. */
  readonly #prefs = new Map<string, { from: number; targets: readonly (readonly [string, number])[] }[]>();
  /** account → the entitlements at which its recipient's preferences changed, with the tick of the change. */
  readonly #cuts = new Map<number, { tick: number; at: bigint }[]>();
  /** recipient → the accounts it receives for (so a preference change touches only them). */
  readonly #byRecipient = new Map<string, Set<number>>();

  /** A wallet's new preference set from `tick` on: every account it receives for is cut at its entitlement now (the end of tick − 1). */
  delegate(wallet: string, targets: readonly (readonly [string, number])[], tick: number): void {
    let list = this.#prefs.get(wallet);
    if (list === undefined) this.#prefs.set(wallet, (list = []));
    list.push({ from: tick, targets });
    for (const id of this.#byRecipient.get(wallet) ?? []) {
      const a = this.#accounts.get(id)!;
      let cuts = this.#cuts.get(id);
      if (cuts === undefined) this.#cuts.set(id, (cuts = []));
      cuts.push({ tick, at: this.#entitlement(a) });
    }
  }

  #targetsAt(wallet: string, tick: number): readonly (readonly [string, number])[] {
    let targets: readonly (readonly [string, number])[] = [];
    for (const p of this.#prefs.get(wallet) ?? []) if (p.from <= tick) targets = p.targets;
    return targets;
  }

  /**
   * Where an account's owed units go, for a settlement whose first tick is `fromTick`: the units due
   * before each cut (cuts after fromTick) by the preferences in force then, the rest by the current ones.
   */
  #shares(id: number, a: RefAccount, owed: bigint, fromTick: number): Map<string, bigint> {
    const recipient = a.recipient!;
    const to = new Map<string, bigint>();
    const give = (who: string, n: bigint): void => {
      if (n > 0n) to.set(who, (to.get(who) ?? 0n) + n);
    };
    let paidUpTo = a.paid;
    let segmentStart = fromTick;
    const cuts = (this.#cuts.get(id) ?? []).filter((c) => c.tick > fromTick);
    for (const end of [...cuts, { tick: Number.MAX_SAFE_INTEGER, at: this.#entitlement(a) }]) {
      const wholeUnits = end.at / UNIT;
      const due = wholeUnits > paidUpTo ? wholeUnits - paidUpTo : 0n;
      if (wholeUnits > paidUpTo) paidUpTo = wholeUnits;
      let left = due;
      for (const [target, factor] of this.#targetsAt(recipient, segmentStart)) {
        const part = (due * BigInt(factor)) / BASIS;
        give(target, part);
        left -= part;
      }
      give(recipient, left);
      segmentStart = end.tick;
    }
    const sum = [...to.values()].reduce((x, y) => x + y, 0n);
    if (sum !== owed) throw new Error(`reference model: account ${id}'s shares add up to ${sum}, not ${owed}`);
    this.#cuts.delete(id);
    return to;
  }

  #pool(pool: string): RefPool {
    let p = this.#pools.get(pool);
    if (p === undefined) this.#pools.set(pool, (p = { index: 0n, carry: 0n, weight: 0n, received: 0n, members: [] }));
    return p;
  }

  /** Opens a pool (from its first snapshot on it takes part in every tick). */
  open(pool: string): void {
    this.#pool(pool);
  }

  /**
   * A weight change logged in the current tick, before the tick's index step: the entitlement up to
   * the current index (I_{k−1}) is banked, then the weight changes. recipient undefined: unchanged.
   */
  change(pool: string, id: number, weight: bigint, recipient: string | null | undefined): void {
    const p = this.#pool(pool);
    let a = this.#accounts.get(id);
    if (a === undefined) {
      a = { pool, weight: 0n, recipient: null, banked: 0n, mark: p.index, paid: 0n };
      this.#accounts.set(id, a);
      p.members.push(id);
    }
    a.banked += a.weight * (p.index - a.mark);
    a.mark = p.index;
    p.weight += weight - a.weight;
    a.weight = weight;
    if (recipient !== undefined && recipient !== a.recipient) {
      if (a.recipient !== null) this.#byRecipient.get(a.recipient)?.delete(id);
      if (recipient !== null) {
        let ids = this.#byRecipient.get(recipient);
        if (ids === undefined) this.#byRecipient.set(recipient, (ids = new Set()));
        ids.add(id);
      }
      a.recipient = recipient;
    }
  }

  /** The index step of one pool receiving `amount` base units this tick. */
  receive(pool: string, amount: bigint): RefPoolView {
    const p = this.#pool(pool);
    const n = amount * UNIT + p.carry;
    const step = p.weight === 0n ? 0n : n / p.weight;
    p.carry = n - step * p.weight;
    p.index += step;
    p.received += amount;
    return { index: p.index, residue: p.carry, totalWeight: p.weight, step };
  }

  #entitlement(a: RefAccount): bigint {
    return a.banked + a.weight * (this.#pools.get(a.pool)!.index - a.mark);
  }

  /**
   * A settlement of the pool at the current index, its first tick `fromTick`: what each account with
   * a recipient is owed (> 0), by id, and where it goes (delegation).
   */
  settle(pool: string, fromTick = 1): Map<number, RefShares> {
    const out = new Map<number, RefShares>();
    for (const id of this.#pools.get(pool)?.members ?? []) {
      const a = this.#accounts.get(id)!;
      if (a.recipient === null) continue;
      const owed = this.#entitlement(a) / UNIT - a.paid;
      if (owed === 0n) {
        this.#cuts.delete(id);
        continue;
      }
      out.set(id, { recipient: a.recipient, owed, to: this.#shares(id, a, owed, fromTick) });
      a.paid += owed;
    }
    return out;
  }

  pool(pool: string): RefPoolView | undefined {
    const p = this.#pools.get(pool);
    return p === undefined ? undefined : { index: p.index, residue: p.carry, totalWeight: p.weight, step: 0n };
  }

  account(id: number): RefAccountView | undefined {
    const a = this.#accounts.get(id);
    return a === undefined ? undefined : { weight: a.weight, recipient: a.recipient, entitlement: this.#entitlement(a), paid: a.paid };
  }

  /**
   * DESIGN.md §4's identity for every pool, over its accounts: SCALE · Σ P = Σ entitlement + carry,
   * and Σ paid ≤ Σ entitlement / SCALE. O(accounts); the pools that break it.
   */
  conserves(): string[] {
    const problems: string[] = [];
    for (const [pool, p] of this.#pools) {
      let entitled = 0n;
      let paid = 0n;
      for (const id of p.members) {
        const a = this.#accounts.get(id)!;
        entitled += this.#entitlement(a);
        paid += a.paid;
      }
      if (p.received * UNIT !== entitled + p.carry) problems.push(`pool ${pool}: SCALE·Σ P ${p.received * UNIT} ≠ Σ entitlement ${entitled} + carry ${p.carry}`);
      if (paid * UNIT > entitled) problems.push(`pool ${pool}: paid ${paid} exceeds the entitlement ${entitled / UNIT}`);
    }
    return problems;
  }
}
