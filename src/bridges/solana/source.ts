import { Connection, PublicKey } from '@solana/web3.js';
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { type ArweaveAddress, parseArweaveAddress } from '../../address.ts';
import { DEFAULT_GENESIS_MS, tickAt } from '../../emission/ticks.ts';
import { EngineError } from '../../errors.ts';
import { lamports } from '../../units.ts';
import type { Lamports } from '../../units.ts';
import { parseCursor } from '../cursor.ts';
import { OwnSourceState } from '../source-state.ts';
import type { Snapshot, Source, SourceStateChange, SourceStateReader, WeightUpdate, YieldQuote } from '../types.ts';
import { settleEpochs } from './deposit-delay.ts';
import { decodeStakeAccount, STAKE_ACCOUNT_BYTES, STAKE_PROGRAM_ID, U64_MAX, VOTER_OFFSET } from './stake-account.ts';
import { decodeStakeHistory, STAKE_HISTORY_SYSVAR, stakeActivation } from './stake-activation.ts';
import { MEMO_PROGRAM_ID, parseRegistrationMemo, type MemoInstruction } from './registration.ts';
import { createFailoverFetch, type FetchLike } from './transport.ts';
import { aprFromRewards, configDecimal, toDecimal18 } from './yield-quote.ts';

/**
 * The SOL bridge source (pool 'sol').
 *
 * On-chain model. Depositors keep custody and keep earning: a deposit is a native stake account
 * delegated to one of the bridge's vote accounts. The source lists them the standard way —
 * getProgramAccounts on the Stake program with dataSize = 200 and a memcmp on the delegation's
 * voter field (offset 124) — at a finalized slot.
 *
 * Account = the stake accounts' WITHDRAW AUTHORITY (base58), not each stake account: it is who
 * owns the SOL, who signs the recipient registration, and who can prove it later to claim AO
 * accrued while unregistered. A depositor's stake accounts add up; splitting/merging stake
 * accounts changes nothing; handing the withdraw authority to someone else moves the weight.
 *
 * Weight = effective ("active") delegated lamports at the pinned slot's epoch, computed as the
 * runtime does from the delegation and the StakeHistory sysvar (stake-activation.ts): stake
 * still warming up does not count yet, stake cooling down counts until it is inactive.
 * Deactivated, withdrawn, closed or re-delegated-elsewhere accounts drop out of the listing.
 *
 * Recipient = the Arweave address of the depositor's latest valid `ao:<address>` memo
 * registration (registration.ts), found through the registry address; null until then — the
 * ledger accrues it under the depositor's address as unclaimed, never dropped.
 *
 * Snapshots are complete (every depositor with weight > 0); the cursor carries the pinned slot,
 * the newest registration signature processed and how many signers have registered; the
 * registrations themselves are source-state rows (kind "recipient": signer → Arweave address)
 * that the snapshot reads for its depositors and returns as changes (bridges/types.ts).
 *
 * Deposit delay (depositDelaySec > 0, deposit-delay.ts): a stake account's effective stake counts
 * from the first tick starting at or after its first effective epoch's first block time + the
 * delay; the cursor then also carries the latest epoch already due (settledEpoch), and the start
 * times of the epochs still in their delay are source-state rows (kind "epoch-start").
 */
export interface SolanaSourceOptions {
  /** RPC URLs in failover order, or an in-process fetch (e.g. LiteSvmRpc.fetch). */
  readonly rpcUrls: readonly string[] | { readonly fetch: FetchLike };
  /** The bridge's vote accounts (base58). */
  readonly voteAccounts: readonly string[];
  /** The registration reference address (base58), see registration.ts. */
  readonly registry: string;
  readonly commitment?: 'finalized' | 'confirmed';
  /** SOL/USD, decimal string; or a feed. One of the two is required. */
  readonly priceUsd?: string;
  readonly priceFeed?: (signal?: AbortSignal) => Promise<{ priceUsd: string; source: string }>;
  /** Static APR override (fraction, decimal string). */
  readonly apr?: string;
  /** Rounds over the RPC URLs per request, the first included (default 3), per-attempt timeout (default 30 s), first backoff (default 250 ms). */
  readonly attemptsMax?: number;
  readonly timeoutMs?: number;
  readonly backoffMsBase?: number;
  readonly backoffMsMax?: number;
  /** Epoch from which the 9 % warm-up/cool-down rate applies; mainnet-beta 565, null = always 25 %. */
  readonly newRateActivationEpoch?: bigint | null;
  /** Bridge stake accounts sampled (largest first) for getInflationReward; default 64. */
  readonly aprSampleMax?: number;
  /** Pages of 1,000 registry signatures read per snapshot before giving up with LIMIT_EXCEEDED; default 100. */
  readonly registrationPagesMax?: number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Seconds after its stake first counts on chain before it counts here (DESIGN.md §3); default 0: no delay. */
  readonly depositDelaySec?: number;
  /** The tick grid the deposit delay counts on (DESIGN.md §2). Default: the default genesis. */
  readonly genesisMs?: number;
  /** The registrations as of the cursor's tick (the ledger's, service/sources.ts); default: kept in memory (source-state.ts). */
  readonly state?: SourceStateReader;
}

const CURSOR_VERSION = 2;
const SIGNATURES_PAGE = 1_000;
const TRANSACTIONS_BATCH = 100;
const MAINNET_NEW_RATE_EPOCH = 565n;
/** A year: the Ethereum assets' bound too (bridges/ethereum/context.ts). */
const MAX_DELAY_SEC = 365 * 86_400;
/** The source-state kind of a registration: key = the signer (withdraw authority), value = its Arweave address. */
export const RECIPIENT_KIND = 'recipient';

const slot = z.string().regex(/^[0-9]+$/);
/** Version 1 (before the source-state rows) carried every registration; read once, they become source-state rows. */
const cursorV1 = z.object({ v: z.literal(1), slot, lastSignature: z.string().nullable(), recipients: z.record(z.string(), z.string()) });
/** settledEpoch: with a deposit delay, the latest first-effective epoch already due (absent: none yet, or no delay). */
const cursorV2 = z.object({
  v: z.literal(CURSOR_VERSION),
  slot,
  lastSignature: z.string().nullable(),
  registrations: z.number().int().nonnegative(),
  settledEpoch: z.number().int().nonnegative().optional(),
});
const cursorSchema = z.discriminatedUnion('v', [cursorV1, cursorV2]);

interface Cursor {
  readonly slot: string;
  readonly lastSignature: string | null;
  /** Rows of kind "recipient" in the source state. */
  readonly registrations: number;
  /** The registrations a version-1 cursor carried; set = the stored rows are replaced (reset). */
  readonly carried: Readonly<Record<string, string>> | null;
  readonly settledEpoch: number | null;
}

function decodeCursor(text: string | null): Cursor {
  if (text === null) return { slot: '0', lastSignature: null, registrations: 0, carried: {}, settledEpoch: null };
  const c = parseCursor('sol', text, cursorSchema);
  if (c.v === 1) return { slot: c.slot, lastSignature: c.lastSignature, registrations: Object.keys(c.recipients).length, carried: c.recipients, settledEpoch: null };
  return { slot: c.slot, lastSignature: c.lastSignature, registrations: c.registrations, carried: null, settledEpoch: c.settledEpoch ?? null };
}

function base58Key(text: string, field: string): string {
  try {
    return new PublicKey(text).toBase58();
  } catch {
    throw new EngineError('INVALID_CONFIG', `${field}: ${JSON.stringify(text)} is not a base58 Solana address`);
  }
}

/** Wraps anything thrown while talking to the cluster so the tick fails cleanly with one coded error. */
function unavailable(error: unknown, step: string): EngineError {
  if (error instanceof EngineError) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new EngineError('SOURCE_UNAVAILABLE', `sol snapshot: ${step} failed: ${why}`, { cause: error });
}

export function createSolanaSource(options: SolanaSourceOptions): Source<Lamports> {
  const voteAccounts = options.voteAccounts.map((v, i) => base58Key(v, `solana voteAccounts[${i}]`));
  if (voteAccounts.length === 0) throw new EngineError('INVALID_CONFIG', 'solana voteAccounts: empty; expected the bridge vote account(s)');
  const registry = base58Key(options.registry, 'solana registry');
  if (options.priceUsd === undefined && options.priceFeed === undefined) {
    throw new EngineError('INVALID_CONFIG', 'solana priceUsd: missing; expected a SOL/USD price like "150.25" or a priceFeed');
  }
  const priceUsd = options.priceUsd === undefined ? undefined : configDecimal(options.priceUsd, 'solana priceUsd');
  const apr = options.apr === undefined ? undefined : configDecimal(options.apr, 'solana apr');
  const commitment = options.commitment ?? 'finalized';
  const newRate = options.newRateActivationEpoch === undefined ? MAINNET_NEW_RATE_EPOCH : options.newRateActivationEpoch;
  const aprSampleMax = options.aprSampleMax ?? 64;
  const pagesMax = options.registrationPagesMax ?? 100;
  const delaySec = options.depositDelaySec ?? 0;
  if (!Number.isSafeInteger(delaySec) || delaySec < 0 || delaySec > MAX_DELAY_SEC) {
    throw new EngineError('INVALID_CONFIG', `solana depositDelaySec: ${delaySec}; expected whole seconds from 0 to ${MAX_DELAY_SEC}`);
  }
  const genesisMs = options.genesisMs ?? DEFAULT_GENESIS_MS;
  if (!Number.isSafeInteger(genesisMs)) throw new EngineError('INVALID_CONFIG', `solana genesisMs: ${genesisMs} is not an integer millisecond instant`);
  const inProcess = !Array.isArray(options.rpcUrls) ? (options.rpcUrls as { fetch: FetchLike }).fetch : undefined;
  const urls = inProcess ? ['http://in-process.invalid/'] : (options.rpcUrls as readonly string[]);
  // Validate the transport options now (fail fast at start-up, not at the first tick).
  createFailoverFetch({ urls, attemptsMax: options.attemptsMax });

  const connect = (signal?: AbortSignal): Connection => {
    const fetch = createFailoverFetch({
      urls,
      fetch: inProcess,
      attemptsMax: options.attemptsMax,
      timeoutMs: options.timeoutMs,
      backoffMsBase: options.backoffMsBase,
      backoffMsMax: options.backoffMsMax,
      sleep: options.sleep,
      signal,
    });
    return new Connection(urls[0]!, { commitment, fetch: fetch as never, disableRetryOnRateLimit: true });
  };

  const own = options.state === undefined ? new OwnSourceState('sol') : null;
  const sourceState: SourceStateReader = options.state ?? own!.state;

  /** The registrations after the cursor's signature, up to the pinned slot: signer → recipient, the latest winning. */
  async function readRegistrations(conn: Connection, cursor: Cursor, pinSlot: number, notes: string[]): Promise<{ lastSignature: string | null; recipients: Map<string, string> }> {
    // Newest first, back to the cursor's signature; only signatures at or below the pinned slot count.
    const pages: { signature: string; slot: number; err: unknown }[] = [];
    let before: string | undefined;
    for (let page = 0; ; page++) {
      if (page === pagesMax) {
        throw new EngineError('LIMIT_EXCEEDED', `sol snapshot: more than ${pagesMax * SIGNATURES_PAGE} new registry signatures; raise registrationPagesMax`);
      }
      const batch = await conn.getSignaturesForAddress(new PublicKey(registry), { limit: SIGNATURES_PAGE, before, until: cursor.lastSignature ?? undefined }, commitment as 'finalized');
      pages.push(...batch);
      if (batch.length < SIGNATURES_PAGE) break;
      before = batch[batch.length - 1]!.signature;
    }
    const due = pages.filter((s) => s.slot <= pinSlot && s.err === null).reverse();
    const recipients = new Map<string, string>();
    for (let i = 0; i < due.length; i += TRANSACTIONS_BATCH) {
      const chunk = due.slice(i, i + TRANSACTIONS_BATCH);
      const txs = await conn.getTransactions(chunk.map((s) => s.signature), { commitment: commitment as 'finalized', maxSupportedTransactionVersion: 0 });
      for (const [j, tx] of txs.entries()) {
        const signature = chunk[j]!.signature;
        if (tx === null) throw new EngineError('SOURCE_UNAVAILABLE', `sol snapshot: registry transaction ${signature} not found at ${commitment}`);
        if (tx.meta?.err) continue;
        const message = tx.transaction.message;
        const keys = message.staticAccountKeys.map((k) => k.toBase58());
        const signerCount = message.header.numRequiredSignatures;
        for (const ix of message.compiledInstructions) {
          if (keys[ix.programIdIndex] !== MEMO_PROGRAM_ID) continue;
          const memo: MemoInstruction = {
            text: Buffer.from(ix.data).toString('utf8'),
            // The Memo program already refused non-signers; re-check against the header anyway.
            signers: ix.accountKeyIndexes.filter((k) => k < signerCount).map((k) => keys[k]!),
          };
          const verdict = parseRegistrationMemo(memo);
          if (verdict.ok) recipients.set(verdict.signer, verdict.recipient);
          else notes.push(`ignored registration ${signature}: ${verdict.reason}`);
        }
      }
    }
    const newest = pages.find((s) => s.slot <= pinSlot);
    return { lastSignature: newest?.signature ?? cursor.lastSignature, recipients };
  }

  async function quote(conn: Connection, bridgeStakes: readonly { address: PublicKey; effective: bigint }[], epoch: number, slotsPerEpoch: number, signal?: AbortSignal): Promise<YieldQuote> {
    let price: { priceUsd: string; source: string };
    if (priceUsd !== undefined) price = { priceUsd, source: 'config' };
    else {
      const fed = await options.priceFeed!(signal);
      price = { priceUsd: configDecimal(fed.priceUsd, 'solana priceFeed priceUsd'), source: fed.source };
    }
    if (apr !== undefined) return { asset: 'SOL', decimals: 9, priceUsd: price.priceUsd, apr, priceSource: price.source, aprSource: 'config' };
    const sample = [...bridgeStakes]
      .filter((s) => s.effective > 0n)
      .sort((a, b) => (a.effective === b.effective ? 0 : a.effective > b.effective ? -1 : 1))
      .slice(0, aprSampleMax);
    if (epoch > 0 && sample.length > 0) {
      const rewards = await conn.getInflationReward(sample.map((s) => s.address), epoch - 1, commitment as 'finalized');
      const measured = aprFromRewards(
        rewards.flatMap((r) => (r === null ? [] : [{ amount: BigInt(r.amount), postBalance: BigInt(r.postBalance) }])),
        slotsPerEpoch,
      );
      if (measured !== null) {
        return { asset: 'SOL', decimals: 9, priceUsd: price.priceUsd, apr: measured, priceSource: price.source, aprSource: `solana:inflationReward epoch ${epoch - 1} (${sample.length} bridge stake accounts)` };
      }
    }
    const rate = await conn.getInflationRate();
    return {
      asset: 'SOL',
      decimals: 9,
      priceUsd: price.priceUsd,
      apr: toDecimal18(new Decimal(rate.validator), 'solana inflation rate'),
      priceSource: price.source,
      aprSource: `solana:inflationRate validator epoch ${rate.epoch} (nominal; no bridge reward observed)`,
    };
  }

  return {
    pool: 'sol',
    async snapshot(cursorText, signal, at) {
      const cursor = decodeCursor(cursorText);
      own?.continueFrom(cursorText);
      const conn = connect(signal);
      const notes: string[] = [];
      let step = 'getEpochSchedule';
      try {
        const schedule = await conn.getEpochSchedule();
        // 1. Delegations to each bridge vote account, at the commitment level, never older than the cursor's slot.
        step = 'getProgramAccounts';
        const minContextSlot = Number(cursor.slot);
        const listings = [];
        for (const voter of voteAccounts) {
          listings.push(
            await conn.getProgramAccounts(new PublicKey(STAKE_PROGRAM_ID), {
              commitment,
              minContextSlot,
              withContext: true,
              encoding: 'base64',
              filters: [{ dataSize: STAKE_ACCOUNT_BYTES }, { memcmp: { offset: VOTER_OFFSET, bytes: voter } }],
            }),
          );
        }
        const pinSlot = Math.max(...listings.map((l) => l.context.slot));
        if (listings.some((l) => l.context.slot !== pinSlot)) notes.push(`vote-account listings answered at slots ${listings.map((l) => l.context.slot).join(', ')}; pinned to the latest`);
        const epoch = schedule.getEpoch(pinSlot);

        step = 'getAccountInfo(StakeHistory)';
        const historyAccount = await conn.getAccountInfoAndContext(new PublicKey(STAKE_HISTORY_SYSVAR), { commitment, minContextSlot: pinSlot });
        if (historyAccount.value === null) throw new EngineError('MALFORMED_RESPONSE', 'sol snapshot: the StakeHistory sysvar is missing');
        const history = decodeStakeHistory(historyAccount.value.data);

        step = 'getBlock';
        const block = await conn.getBlock(pinSlot, { commitment: commitment as 'finalized', transactionDetails: 'none', rewards: false, maxSupportedTransactionVersion: 0 });
        if (block === null || block.blockTime === null) throw new EngineError('SOURCE_UNAVAILABLE', `sol snapshot: block ${pinSlot} has no block time yet`);

        // 2. Effective stake per withdraw authority.
        const bridgeStakes: { address: PublicKey; effective: bigint; withdrawer: string; firstEpoch: number | null }[] = [];
        for (const listing of listings) {
          for (const { pubkey: address, account } of listing.value) {
            const stake = decodeStakeAccount(account.data, address);
            if (stake.delegation === null || stake.withdrawer === null) continue;
            const { effective } = stakeActivation(stake.delegation, BigInt(epoch), history, newRate);
            // Effective stake exists from the epoch after activation on; bootstrap stake (activation u64::MAX) since genesis.
            const firstEpoch = stake.delegation.activationEpoch === U64_MAX ? null : Number(stake.delegation.activationEpoch) + 1;
            bridgeStakes.push({ address, effective, withdrawer: stake.withdrawer, firstEpoch });
          }
        }
        const reset = cursor.carried !== null;

        // 2b. The deposit delay: stake whose first effective epoch is not due by the tick does not count yet.
        let settledEpoch: number | null = null;
        const delayChanges: SourceStateChange[] = [];
        let counts = (_s: (typeof bridgeStakes)[number]): boolean => true;
        if (delaySec > 0) {
          step = 'deposit delay';
          const pinMs = block.blockTime * 1000;
          const tick = at?.tick ?? (pinMs >= genesisMs ? tickAt(pinMs, genesisMs) : 0);
          const effectiveEpochs = new Set(bridgeStakes.flatMap((s) => (s.effective > 0n && s.firstEpoch !== null ? [s.firstEpoch] : [])));
          const delay = await settleEpochs({ conn, schedule, commitment, sourceState, reset, delaySec, genesisMs, tick, pinSlot, cursorSlot: minContextSlot, settledEpoch: cursor.settledEpoch, epochs: effectiveEpochs });
          settledEpoch = delay.settledEpoch;
          delayChanges.push(...delay.changes);
          counts = (s) => s.firstEpoch === null || (settledEpoch !== null && s.firstEpoch <= settledEpoch);
          const waiting = bridgeStakes.filter((s) => s.effective > 0n && !counts(s));
          if (waiting.length > 0) {
            const lamports = waiting.reduce((sum, s) => sum + s.effective, 0n);
            notes.push(`${waiting.length} stake account(s) with ${lamports} effective lamports in the deposit delay (the first counts from tick ${Math.min(...delay.queued.values())}); tick ${tick} counts what is due by its start`);
          }
        }
        const weights = new Map<string, bigint>();
        for (const s of bridgeStakes) if (s.effective > 0n && counts(s)) weights.set(s.withdrawer, (weights.get(s.withdrawer) ?? 0n) + s.effective);

        // 3. Registrations up to the pinned slot.
        step = 'registrations';
        const registrations = await readRegistrations(conn, cursor, pinSlot, notes);
        step = 'source state';
        if (!reset) {
          const held = await sourceState.count('sol', RECIPIENT_KIND);
          if (held !== cursor.registrations) throw new EngineError('INVALID_ARGUMENT', `sol cursor: counts ${cursor.registrations} registrations but the source state holds ${held}; the state is not the cursor's`);
        }
        // The recipient of each depositor: registered in this snapshot, else as stored (or carried by a v1 cursor).
        const unregistered = [...weights.keys()].filter((a) => !registrations.recipients.has(a));
        const stored = reset ? new Map(Object.entries(cursor.carried!).filter(([a]) => weights.has(a))) : await sourceState.read('sol', RECIPIENT_KIND, unregistered);
        const newSigners = [...registrations.recipients.keys()];
        const before = reset ? new Map<string, string>() : await sourceState.read('sol', RECIPIENT_KIND, newSigners);
        const changes: SourceStateChange[] = [];
        let count = reset ? 0 : cursor.registrations;
        if (reset) {
          for (const [signer, recipient] of Object.entries(cursor.carried!)) {
            if (registrations.recipients.has(signer)) continue;
            changes.push({ kind: RECIPIENT_KIND, key: signer, value: recipient });
            count++;
          }
        }
        for (const [signer, recipient] of registrations.recipients) {
          if (before.get(signer) === recipient) continue;
          changes.push({ kind: RECIPIENT_KIND, key: signer, value: recipient });
          if (!before.has(signer)) count++;
        }
        changes.push(...delayChanges);
        const order = (a: SourceStateChange): string => `${a.kind}\u0000${a.key}`;
        changes.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));

        step = 'yield';
        const yieldQuote = await quote(conn, bridgeStakes, epoch, schedule.slotsPerEpoch, signal);

        // Branded here, where the decoded stake accounts become the pool's weights: lamports from now on.
        const updates: WeightUpdate<Lamports>[] = [...weights]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([account, weight]) => {
            const registered = registrations.recipients.get(account) ?? stored.get(account);
            const recipient: ArweaveAddress | null = registered === undefined ? null : parseArweaveAddress(registered, `sol source state recipient of ${account}`);
            return { account, recipient, weight: lamports(weight, `sol effective stake of ${account}`) };
          });
        const unclaimed = updates.filter((u) => u.recipient === null).length;
        if (unclaimed > 0) notes.push(`${unclaimed} depositor(s) without a registered recipient: accruing unclaimed`);
        const next: z.infer<typeof cursorV2> = {
          v: CURSOR_VERSION,
          slot: String(pinSlot),
          lastSignature: registrations.lastSignature,
          registrations: count,
          ...(settledEpoch === null ? {} : { settledEpoch }),
        };
        const snapshot: Snapshot<Lamports> = {
          pool: 'sol',
          pin: { chain: 'solana', height: String(pinSlot), hash: block.blockhash, timeMs: block.blockTime * 1000 },
          complete: true,
          updates,
          yield: yieldQuote,
          cursor: JSON.stringify(next),
          sourceState: { reset, changes },
          notes,
        };
        own?.returned(snapshot);
        return snapshot;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw unavailable(error, step);
      }
    },
  };
}
