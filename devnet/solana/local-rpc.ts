import { getBase58Decoder, getBase58Encoder, getTransactionDecoder, type EncodedAccount, type Transaction as KitTransaction } from '@solana/kit';
import { EpochSchedule, PublicKey, VersionedTransaction, type Transaction } from '@solana/web3.js';
import { Clock, FailedTransactionMetadata, type LiteSVM } from 'litesvm';
import { EngineError } from '../../src/errors.ts';
import { MEMO_PROGRAM_ID } from '../../src/bridges/solana/registration.ts';

/**
 * A JSON-RPC 2.0 front for a litesvm VM, so code written against a real Solana RPC node (through
 * web3.js's `Connection`) runs unchanged against a local VM in tests, benches and the demo.
 *
 * It answers exactly the methods the SOL source and its bench call, with the response shapes of
 * the Solana RPC documentation (https://solana.com/docs/rpc/http):
 *   getSlot, getEpochInfo, getEpochSchedule, getBlock (transactionDetails "none"), getBlocks, getAccountInfo,
 *   getProgramAccounts (dataSize/memcmp filters, withContext), getSignaturesForAddress,
 *   getTransaction (json encoding), getInflationRate, getInflationReward.
 * Anything else answers -32601 "Method not found"; a bad parameter answers -32602.
 *
 * What litesvm does not have, and how this adapter stands in — honestly, without inventing state:
 * - Blocks and history. litesvm keeps accounts and a clock, not a ledger. The adapter records
 *   each transaction it submits (wire bytes, slot, logs, balances before/after read from the VM)
 *   and one block per slot it advances to (blockhash = the VM's blockhash for that slot,
 *   blockTime = genesis + slot · 400 ms). Transactions sent to the VM directly, bypassing
 *   `sendTransaction` here, are invisible to getSignaturesForAddress/getTransaction.
 * - Commitment. One VM, no forks: processed = confirmed = finalized = the current slot.
 *   `minContextSlot` above the current slot answers -32016 like a node that is behind.
 * - Inflation. litesvm pays no epoch rewards, so getInflationReward answers null for every
 *   address (the RPC's answer for "no reward"); getInflationRate evaluates the cluster's default
 *   inflation schedule (8 % initial, −15 %/year taper, 1.5 % terminal, 5 % foundation for 7 years)
 *   at the current epoch's first slot, as the bank does.
 * - Fees: 5,000 lamports per signature, litesvm's default fee structure.
 * - getProgramAccounts is served from an owner → accounts index: filled from the VM the first
 *   time a program is queried, then refreshed from the VM for every writable account of each
 *   transaction submitted here (litesvm's own getProgramAccounts re-marshals every account on
 *   each call: ~0.1–0.2 ms per account). Mutate the VM through `sendTransaction` here, not behind
 *   the adapter's back (e.g. svm.setAccount), or call `reindex()` afterwards.
 * - Transactions with address-table lookups are refused (their loaded keys would not be indexed).
 */

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface RecordedTransaction {
  readonly signature: string;
  readonly slot: number;
  readonly blockTime: number;
  readonly wire: Uint8Array;
  readonly logs: readonly string[];
  readonly computeUnits: number;
  readonly preBalances: readonly number[];
  readonly postBalances: readonly number[];
  readonly memo: string | null;
}

interface Block {
  readonly slot: number;
  readonly parentSlot: number;
  readonly blockhash: string;
  readonly previousBlockhash: string;
  readonly blockTime: number;
  readonly blockHeight: number;
}

export const LAMPORTS_PER_SIGNATURE = 5_000;
export const MS_PER_SLOT = 400;
const SIGNATURES_LIMIT_MAX = 1_000;
const FILTERS_MAX = 4;
const MEMCMP_BYTES_MAX = 128;
/** Solana's SECONDS_PER_YEAR (365.242199 days) at 400 ms per slot: the bank's slots_per_year. */
export const SLOTS_PER_YEAR = (365.242_199 * 24 * 60 * 60 * 1000) / MS_PER_SLOT;
const MEMO_PROGRAMS = new Set([MEMO_PROGRAM_ID, 'Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo']);

const base58 = getBase58Decoder();
const base58Bytes = getBase58Encoder();
const kitTransaction = getTransactionDecoder();

type Params = readonly unknown[];
type Config = Record<string, unknown>;

function configOf(params: Params, index: number): Config {
  const c = params[index];
  if (c === undefined || c === null) return {};
  if (typeof c !== 'object' || Array.isArray(c)) throw new RpcError(-32602, `Invalid params: argument ${index} must be a config object`);
  return c as Config;
}

function pubkeyParam(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new RpcError(-32602, `Invalid params: ${what} must be a base58 string`);
  try {
    return new PublicKey(value).toBase58();
  } catch {
    throw new RpcError(-32602, `Invalid params: ${what} ${JSON.stringify(value)} is not a public key`);
  }
}

function encodingOf(config: Config): void {
  const encoding = config.encoding ?? 'base64';
  if (encoding !== 'base64') throw new RpcError(-32602, `Invalid params: encoding ${JSON.stringify(encoding)} is not served by the local adapter; use "base64"`);
}

export class LiteSvmRpc {
  readonly svm: LiteSVM;
  readonly #genesisMs: number;
  readonly #schedule: EpochSchedule;
  readonly #history: RecordedTransaction[] = [];
  readonly #bySignature = new Map<string, RecordedTransaction>();
  /** address → indices into #history, oldest first. */
  readonly #byAddress = new Map<string, number[]>();
  readonly #blocks = new Map<number, Block>();
  /** owner → address → account, for the owners queried so far (see the header). */
  readonly #byOwner = new Map<string, Map<string, EncodedAccount>>();
  readonly #ownerOf = new Map<string, string>();

  /** Takes over the VM's clock: slot `startSlot`, epoch from the VM's epoch schedule, a recorded block. */
  constructor(svm: LiteSVM, options: { genesisMs: number; startSlot?: number }) {
    this.svm = svm;
    this.#genesisMs = options.genesisMs;
    const s = svm.getEpochSchedule();
    this.#schedule = new EpochSchedule(Number(s.slotsPerEpoch), Number(s.leaderScheduleSlotOffset), s.warmup, Number(s.firstNormalEpoch), Number(s.firstNormalSlot));
    this.#produceBlock(options.startSlot ?? 1, null);
  }

  get slot(): number {
    return Number(this.svm.getClock().slot);
  }
  get epoch(): number {
    return this.#schedule.getEpoch(this.slot);
  }
  get epochSchedule(): EpochSchedule {
    return this.#schedule;
  }
  blockTimeOf(slot: number): number {
    return Math.floor((this.#genesisMs + slot * MS_PER_SLOT) / 1000);
  }

  /** Moves the VM to `slot` (> current): clock sysvar (slot, epoch, timestamps) and a new block with a fresh blockhash. */
  advanceToSlot(slot: number): void {
    if (!Number.isSafeInteger(slot) || slot <= this.slot) throw new EngineError('INVALID_ARGUMENT', `slot: ${slot}; expected an integer above the current slot ${this.slot}`);
    this.#produceBlock(slot, this.#blocks.get(this.slot) ?? null);
  }

  #produceBlock(slot: number, parent: Block | null): void {
    const epoch = this.#schedule.getEpoch(slot);
    const epochStart = this.#schedule.getFirstSlotInEpoch(epoch);
    this.svm.setClock(new Clock(BigInt(slot), BigInt(this.blockTimeOf(epochStart)), BigInt(epoch), BigInt(epoch + 1), BigInt(this.blockTimeOf(slot))));
    if (parent !== null) this.svm.expireBlockhash();
    const blockhash = this.svm.latestBlockhash();
    this.#blocks.set(slot, {
      slot,
      parentSlot: parent?.slot ?? slot,
      blockhash,
      previousBlockhash: parent?.blockhash ?? blockhash,
      blockTime: this.blockTimeOf(slot),
      blockHeight: (parent?.blockHeight ?? -1) + 1,
    });
  }

  /**
   * Executes a signed web3.js transaction in the VM at the current slot and records it for
   * getSignaturesForAddress/getTransaction. Throws (and records nothing) if the VM rejects it:
   * litesvm does not commit failed transactions.
   */
  sendTransaction(tx: Transaction | VersionedTransaction): string {
    // The VM verifies the signatures natively; web3.js's own check is pure-JS ed25519 and slow.
    const wire = 'version' in tx ? tx.serialize() : tx.serialize({ requireAllSignatures: true, verifySignatures: false });
    const message = VersionedTransaction.deserialize(wire).message;
    if (message.addressTableLookups.length > 0) throw new EngineError('INVALID_ARGUMENT', 'transaction: address-table lookups are not supported by the local adapter');
    const keys = message.staticAccountKeys.map((k) => k.toBase58());
    const balance = (k: string): number => Number(this.svm.getBalance(k as never) ?? 0n);
    const preBalances = keys.map(balance);
    const result = this.svm.sendTransaction(kitTransaction.decode(wire) as KitTransaction);
    if (result instanceof FailedTransactionMetadata) {
      throw new EngineError('INVALID_ARGUMENT', `transaction failed in the VM: ${result.err().toString()}; logs: ${result.meta().logs().join(' | ')}`);
    }
    const signature = base58.decode(result.signature());
    const memos = message.compiledInstructions
      .filter((ix) => MEMO_PROGRAMS.has(keys[ix.programIdIndex]!))
      .map((ix) => {
        const text = Buffer.from(ix.data).toString('utf8');
        return `[${Buffer.byteLength(text)}] ${text}`;
      });
    const record: RecordedTransaction = {
      signature,
      slot: this.slot,
      blockTime: this.blockTimeOf(this.slot),
      wire,
      logs: result.logs(),
      computeUnits: Number(result.computeUnitsConsumed()),
      preBalances,
      postBalances: keys.map(balance),
      memo: memos.length > 0 ? memos.join('; ') : null,
    };
    keys.forEach((k, i) => {
      if (message.isAccountWritable(i)) this.#refresh(k);
    });
    const index = this.#history.push(record) - 1;
    this.#bySignature.set(signature, record);
    for (const k of new Set(keys)) {
      const list = this.#byAddress.get(k);
      if (list) list.push(index);
      else this.#byAddress.set(k, [index]);
    }
    return signature;
  }

  /** Forgets the account index; the next getProgramAccounts re-reads the VM. */
  reindex(): void {
    this.#byOwner.clear();
    this.#ownerOf.clear();
  }

  #programAccounts(program: string): Map<string, EncodedAccount> {
    let accounts = this.#byOwner.get(program);
    if (accounts === undefined) {
      accounts = new Map(this.svm.getProgramAccounts(program as never).map((a) => [a.address as string, a]));
      this.#byOwner.set(program, accounts);
      for (const address of accounts.keys()) this.#ownerOf.set(address, program);
    }
    return accounts;
  }

  #refresh(address: string): void {
    const previousOwner = this.#ownerOf.get(address);
    if (previousOwner !== undefined) {
      this.#byOwner.get(previousOwner)?.delete(address);
      this.#ownerOf.delete(address);
    }
    const account = this.svm.getAccount(address as never);
    if (!account.exists) return;
    const indexed = this.#byOwner.get(account.programAddress);
    if (indexed === undefined) return;
    indexed.set(address, account);
    this.#ownerOf.set(address, account.programAddress);
  }

  /** Answers one JSON-RPC request object or a batch (array), as a node's HTTP endpoint would. */
  handle(body: unknown): unknown {
    if (Array.isArray(body)) return body.map((item) => this.#handleOne(item));
    return this.#handleOne(body);
  }

  /** A `fetch` for web3.js's ConnectionConfig that answers in-process (no HTTP). */
  readonly fetch = async (_input: string, init?: RequestInit): Promise<Response> => {
    let body: unknown;
    try {
      body = JSON.parse(String(init?.body ?? ''));
    } catch {
      return Response.json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    return Response.json(this.handle(body));
  };

  #handleOne(request: unknown): unknown {
    const r = request as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown } | null;
    const id = r?.id ?? null;
    if (r === null || typeof r !== 'object' || r.jsonrpc !== '2.0' || typeof r.method !== 'string') {
      return { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } };
    }
    try {
      const params = r.params === undefined ? [] : r.params;
      if (!Array.isArray(params)) throw new RpcError(-32602, 'Invalid params: expected an array');
      return { jsonrpc: '2.0', id, result: this.#dispatch(r.method, params) };
    } catch (error) {
      if (error instanceof RpcError) return { jsonrpc: '2.0', id, error: { code: error.code, message: error.message } };
      throw error;
    }
  }

  #dispatch(method: string, params: Params): unknown {
    switch (method) {
      case 'getSlot':
        return this.#contextSlot(configOf(params, 0));
      case 'getEpochInfo':
        return this.#getEpochInfo(configOf(params, 0));
      case 'getEpochSchedule':
        return { ...this.#scheduleJson() };
      case 'getBlock':
        return this.#getBlock(params);
      case 'getBlocks':
        return this.#getBlocks(params);
      case 'getAccountInfo':
        return this.#getAccountInfo(params);
      case 'getProgramAccounts':
        return this.#getProgramAccounts(params);
      case 'getSignaturesForAddress':
        return this.#getSignaturesForAddress(params);
      case 'getTransaction':
        return this.#getTransaction(params);
      case 'getInflationRate':
        return this.#getInflationRate();
      case 'getInflationReward':
        return this.#getInflationReward(params);
      default:
        throw new RpcError(-32601, 'Method not found');
    }
  }

  /** The slot an answer reflects; -32016 if the caller needs a later one (as a lagging node answers). */
  #contextSlot(config: Config): number {
    const slot = this.slot;
    const min = config.minContextSlot;
    if (min !== undefined && (typeof min !== 'number' || min > slot)) throw new RpcError(-32016, 'Minimum context slot has not been reached');
    return slot;
  }

  #context(config: Config): { slot: number; apiVersion: string } {
    return { slot: this.#contextSlot(config), apiVersion: '2.2.0' };
  }

  #scheduleJson(): Record<string, number | boolean> {
    const s = this.#schedule;
    return { slotsPerEpoch: s.slotsPerEpoch, leaderScheduleSlotOffset: s.leaderScheduleSlotOffset, warmup: s.warmup, firstNormalEpoch: s.firstNormalEpoch, firstNormalSlot: s.firstNormalSlot };
  }

  #getEpochInfo(config: Config): unknown {
    const slot = this.#contextSlot(config);
    const epoch = this.#schedule.getEpoch(slot);
    const first = this.#schedule.getFirstSlotInEpoch(epoch);
    return {
      absoluteSlot: slot,
      blockHeight: this.#blocks.get(slot)?.blockHeight ?? 0,
      epoch,
      slotIndex: slot - first,
      slotsInEpoch: this.#schedule.getSlotsInEpoch(epoch),
      transactionCount: this.#history.length,
    };
  }

  #getBlock(params: Params): unknown {
    const slot = params[0];
    if (typeof slot !== 'number' || !Number.isSafeInteger(slot) || slot < 0) throw new RpcError(-32602, 'Invalid params: slot must be a non-negative integer');
    const config = configOf(params, 1);
    if ((config.transactionDetails ?? 'full') !== 'none') {
      throw new RpcError(-32602, 'Invalid params: the local adapter serves getBlock with transactionDetails "none" only');
    }
    const block = this.#blocks.get(slot);
    if (block === undefined) throw new RpcError(-32007, `Slot ${slot} was skipped, or missing due to ledger jump to recent snapshot`);
    const { blockhash, previousBlockhash, parentSlot, blockTime, blockHeight } = block;
    return { blockhash, previousBlockhash, parentSlot, blockTime, blockHeight, ...(config.rewards === false ? {} : { rewards: [] }) };
  }

  /** The slots in [start, end] that have a block (a slot the VM skipped over has none), as a node answers; at most 500,000 slots wide. */
  #getBlocks(params: Params): number[] {
    const [start, end] = params;
    if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) throw new RpcError(-32602, 'Invalid params: start slot must be a non-negative integer');
    const last = typeof end === 'number' ? end : this.slot;
    if (!Number.isSafeInteger(last) || last < start || last - start > 500_000) throw new RpcError(-32602, 'Invalid params: end slot must be at or above start and within 500,000 slots');
    return [...this.#blocks.keys()].filter((slot) => slot >= start && slot <= Math.min(last, this.slot)).sort((a, b) => a - b);
  }

  #accountJson(account: EncodedAccount, dataSlice: unknown): unknown {
    let data = account.data;
    if (dataSlice !== undefined) {
      const { offset, length } = (dataSlice ?? {}) as { offset?: unknown; length?: unknown };
      if (typeof offset !== 'number' || typeof length !== 'number') throw new RpcError(-32602, 'Invalid params: dataSlice needs numeric offset and length');
      data = data.subarray(offset, offset + length);
    }
    return {
      data: [Buffer.from(data).toString('base64'), 'base64'],
      executable: account.executable,
      lamports: Number(account.lamports),
      owner: account.programAddress,
      rentEpoch: 2 ** 64, // u64::MAX as the real RPC sends it; a JSON number parses to this same double
      space: Number(account.space),
    };
  }

  #getAccountInfo(params: Params): unknown {
    const address = pubkeyParam(params[0], 'account');
    const config = configOf(params, 1);
    encodingOf(config);
    const context = this.#context(config);
    const account = this.svm.getAccount(address as never);
    return { context, value: account.exists ? this.#accountJson(account, config.dataSlice) : null };
  }

  #getProgramAccounts(params: Params): unknown {
    const program = pubkeyParam(params[0], 'program id');
    const config = configOf(params, 1);
    encodingOf(config);
    const filters = (config.filters ?? []) as unknown;
    if (!Array.isArray(filters) || filters.length > FILTERS_MAX) throw new RpcError(-32602, `Invalid params: filters must be an array of at most ${FILTERS_MAX}`);
    const tests = filters.map((f: unknown): ((data: EncodedAccount['data']) => boolean) => {
      const filter = f as { dataSize?: unknown; memcmp?: { offset?: unknown; bytes?: unknown; encoding?: unknown } };
      if (typeof filter.dataSize === 'number') {
        const size = filter.dataSize;
        return (data) => data.length === size;
      }
      const m = filter.memcmp;
      if (m && typeof m.offset === 'number' && typeof m.bytes === 'string') {
        const encoding = m.encoding ?? 'base58';
        const bytes = encoding === 'base58' ? base58Bytes.encode(m.bytes) : encoding === 'base64' ? Buffer.from(m.bytes, 'base64') : null;
        if (bytes === null || bytes.length > MEMCMP_BYTES_MAX) throw new RpcError(-32602, 'Invalid params: memcmp bytes must be base58 or base64, at most 128 bytes');
        const offset = m.offset;
        return (data) => offset + bytes.length <= data.length && Buffer.compare(Buffer.from(data.buffer, data.byteOffset + offset, bytes.length), Buffer.from(bytes)) === 0;
      }
      throw new RpcError(-32602, 'Invalid params: each filter must be {dataSize} or {memcmp: {offset, bytes}}');
    });
    const context = this.#context(config);
    const value = [...this.#programAccounts(program).values()]
      .filter((a) => tests.every((t) => t(a.data)))
      .map((a) => ({ pubkey: a.address, account: this.#accountJson(a, config.dataSlice) }));
    return config.withContext === true ? { context, value } : value;
  }

  #getSignaturesForAddress(params: Params): unknown {
    const address = pubkeyParam(params[0], 'address');
    const config = configOf(params, 1);
    this.#contextSlot(config);
    const limit = config.limit ?? SIGNATURES_LIMIT_MAX;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > SIGNATURES_LIMIT_MAX) {
      throw new RpcError(-32602, `Invalid params: limit must be 1..${SIGNATURES_LIMIT_MAX}`);
    }
    const indices = this.#byAddress.get(address) ?? [];
    let start = indices.length - 1;
    if (typeof config.before === 'string') {
      const at = indices.findIndex((i) => this.#history[i]!.signature === config.before);
      start = at === -1 ? -1 : at - 1;
    }
    const out: unknown[] = [];
    for (let i = start; i >= 0 && out.length < limit; i--) {
      const tx = this.#history[indices[i]!]!;
      if (tx.signature === config.until) break;
      out.push({ signature: tx.signature, slot: tx.slot, err: null, memo: tx.memo, blockTime: tx.blockTime, confirmationStatus: 'finalized' });
    }
    return out;
  }

  #getTransaction(params: Params): unknown {
    if (typeof params[0] !== 'string') throw new RpcError(-32602, 'Invalid params: signature must be a base58 string');
    const config = configOf(params, 1);
    if ((config.encoding ?? 'json') !== 'json') throw new RpcError(-32602, 'Invalid params: the local adapter serves encoding "json" only');
    const tx = this.#bySignature.get(params[0]);
    if (tx === undefined) return null;
    const vtx = VersionedTransaction.deserialize(tx.wire);
    const m = vtx.message;
    const maxVersion = config.maxSupportedTransactionVersion;
    if (m.version !== 'legacy' && maxVersion === undefined) {
      throw new RpcError(-32015, `Transaction version (${m.version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0`);
    }
    return {
      slot: tx.slot,
      blockTime: tx.blockTime,
      ...(maxVersion === undefined ? {} : { version: m.version }),
      transaction: {
        signatures: vtx.signatures.map((s) => base58.decode(s)),
        message: {
          accountKeys: m.staticAccountKeys.map((k) => k.toBase58()),
          header: m.header,
          instructions: m.compiledInstructions.map((ix) => ({ programIdIndex: ix.programIdIndex, accounts: ix.accountKeyIndexes, data: base58.decode(ix.data), stackHeight: null })),
          recentBlockhash: m.recentBlockhash,
          ...(m.version === 'legacy' ? {} : { addressTableLookups: [] }),
        },
      },
      meta: {
        err: null,
        status: { Ok: null },
        fee: LAMPORTS_PER_SIGNATURE * vtx.signatures.length,
        preBalances: tx.preBalances,
        postBalances: tx.postBalances,
        innerInstructions: [],
        logMessages: tx.logs,
        preTokenBalances: [],
        postTokenBalances: [],
        rewards: [],
        loadedAddresses: { writable: [], readonly: [] },
        computeUnitsConsumed: tx.computeUnits,
      },
    };
  }

  #getInflationRate(): unknown {
    const epoch = this.epoch;
    const year = this.#schedule.getFirstSlotInEpoch(epoch) / SLOTS_PER_YEAR;
    const total = Math.max(0.08 * (1 - 0.15) ** year, 0.015);
    const foundation = year < 7 ? total * 0.05 : 0;
    return { total, validator: total - foundation, foundation, epoch };
  }

  #getInflationReward(params: Params): unknown {
    const addresses = params[0];
    if (!Array.isArray(addresses)) throw new RpcError(-32602, 'Invalid params: addresses must be an array');
    addresses.forEach((a, i) => pubkeyParam(a, `addresses[${i}]`));
    const config = configOf(params, 1);
    this.#contextSlot(config);
    const epoch = config.epoch ?? this.epoch - 1;
    if (typeof epoch !== 'number' || epoch < 0 || epoch >= this.epoch) throw new RpcError(-32602, `Invalid params: epoch ${String(epoch)} has not ended (current epoch ${this.epoch})`);
    return addresses.map(() => null);
  }
}
