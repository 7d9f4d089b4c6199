import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Authorized,
  Keypair,
  Lockup,
  PublicKey,
  StakeAuthorizationLayout,
  StakeProgram,
  Transaction,
  type TransactionInstruction,
  VoteInit,
  VoteProgram,
} from '@solana/web3.js';
import { lamports as kitLamports } from '@solana/kit';
import { EpochSchedule as SvmEpochSchedule, FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { EngineError } from '../../src/errors.ts';
import { LiteSvmRpc } from './local-rpc.ts';
import { registrationInstructions } from '../../src/bridges/solana/registration.ts';

/**
 * A local Solana "cluster" for tests, benches and the demo: a litesvm VM (real System, Vote,
 * Stake and SPL Memo programs), the JSON-RPC adapter of local-rpc.ts, and that adapter served
 * over HTTP on 127.0.0.1:<ephemeral port> — so the SOL source talks to it through a normal URL.
 *
 * Every account is made by real transactions: the payer is funded by litesvm's airdrop, vote
 * accounts by VoteProgram.createAccount, stake accounts by StakeProgram.createAccount(+WithSeed)
 * and delegate/deactivate/withdraw/authorize, registrations by SPL Memo transactions.
 *
 * Epochs: the VM runs a short, warm-up-free epoch schedule (32 slots per epoch by default) so
 * tests can cross many epochs. litesvm does not maintain the StakeHistory sysvar (it stays
 * empty); with no history entry the Stake program — and the source, which computes activation
 * the same way — treat a delegation as fully active from the epoch after its activation epoch
 * and fully inactive from the epoch after its deactivation epoch (the runtime's "no history"
 * rule). Rate-limited warm-up/cool-down is covered by table tests of stake-activation.ts.
 */
export interface LocalSolanaOptions {
  readonly slotsPerEpoch?: number;
  /** Unix ms of slot 0, for block times; default 2024-06-18T15:00:00Z. */
  readonly genesisMs?: number;
  /** Lamports airdropped to the payer; default 10^17 (100 M SOL). */
  readonly payerLamports?: bigint;
}

export interface LocalStake {
  readonly stake: PublicKey;
  /** Staker and withdraw authority unless the stake was made by createStakes (staker = payer). */
  readonly authority: Keypair;
}

export interface LocalSolana {
  /** http://127.0.0.1:<port> — the JSON-RPC endpoint. */
  readonly url: string;
  readonly svm: LiteSVM;
  readonly rpc: LiteSvmRpc;
  readonly payer: Keypair;
  /** The bridge's vote account (created at start). */
  readonly bridgeVote: PublicKey;
  /** The registration reference address (see registration.ts). */
  readonly registry: PublicKey;
  readonly slot: number;
  readonly epoch: number;
  createVoteAccount(): PublicKey;
  /** Creates a stake account of `lamports` (incl. rent reserve) and delegates it to `voter` (default: the bridge) unless voter is null. */
  createStake(options: { lamports: bigint; authority?: Keypair; voter?: PublicKey | null }): LocalStake;
  /**
   * Many delegated stake accounts quickly: created with seeds from the payer (staker = payer),
   * several per transaction; withdraw authority = `withdrawers[i]`. Returns the stake addresses.
   */
  createStakes(options: { withdrawers: readonly PublicKey[]; lamports: bigint; voter?: PublicKey }): PublicKey[];
  delegate(stake: PublicKey, staker: Keypair, voter: PublicKey): void;
  deactivate(stake: PublicKey, staker: Keypair): void;
  withdraw(stake: PublicKey, withdrawer: Keypair, to: PublicKey, lamports: bigint): void;
  setWithdrawer(stake: PublicKey, withdrawer: Keypair, newWithdrawer: PublicKey): void;
  /** Posts a registration transaction: SPL Memo `memoText` signed by `withdrawer`, referencing the registry. Returns its signature. */
  register(withdrawer: Keypair, memoText: string): string;
  /** Sends any transaction (fee payer = the payer) and records it in the adapter's history. */
  send(instructions: readonly TransactionInstruction[], signers: readonly Keypair[]): string;
  advanceSlots(count?: number): void;
  /** Moves to the first slot of `epoch`. */
  warpToEpoch(epoch: number): void;
  stop(): Promise<void>;
}

const REQUEST_BYTES_MAX = 16 * 1024 * 1024;
/** Stake accounts per createStakes transaction: 3 instructions each, within the 1,232-byte packet. */
const STAKES_PER_TX = 3;

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const nativeKeys = new WeakMap<Keypair, KeyObject>();

/**
 * Signs with node:crypto's native Ed25519: web3.js signs and verifies in pure JS (~5 ms per
 * signature on this machine), which would dominate a 20,000-account set-up.
 */
function nativeKey(keypair: Keypair): KeyObject {
  let key = nativeKeys.get(keypair);
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, keypair.secretKey.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
    nativeKeys.set(keypair, key);
  }
  return key;
}

/** A fresh keypair from node:crypto (Keypair.generate derives the public key in pure JS). */
export function generateKeypair(): Keypair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const keypair = Keypair.fromSecretKey(Buffer.concat([seed, pub]), { skipValidation: true });
  nativeKeys.set(keypair, privateKey);
  return keypair;
}

/** PublicKey.createWithSeed, synchronously: sha256(base ‖ seed ‖ program id). */
function addressWithSeed(base: PublicKey, seed: string, programId: PublicKey): PublicKey {
  return new PublicKey(createHash('sha256').update(base.toBuffer()).update(seed).update(programId.toBuffer()).digest());
}

function serve(rpc: LiteSvmRpc): Server {
  return createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > REQUEST_BYTES_MAX) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      let reply: unknown;
      try {
        reply = rpc.handle(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reply = error instanceof SyntaxError ? { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } } : { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
}

export async function startLocalSolana(options: LocalSolanaOptions = {}): Promise<LocalSolana> {
  const slotsPerEpoch = options.slotsPerEpoch ?? 32;
  // litesvm's airdrop faucet starts with less than 10^15 lamports; give it enough for the payer.
  const svm = new LiteSVM().withLamports(10n ** 18n);
  svm.setEpochSchedule(new SvmEpochSchedule(BigInt(slotsPerEpoch), BigInt(slotsPerEpoch), false, 0n, 0n));
  const rpc = new LiteSvmRpc(svm, { genesisMs: options.genesisMs ?? Date.parse('2024-06-18T15:00:00Z') });
  const payer = generateKeypair();
  const funded = svm.airdrop(payer.publicKey.toBase58() as never, kitLamports(options.payerLamports ?? 10n ** 17n));
  if (funded === null || funded instanceof FailedTransactionMetadata) {
    throw new EngineError('SOURCE_UNAVAILABLE', `local solana: airdrop to the payer failed: ${funded?.err().toString() ?? 'no result'}`);
  }

  const send = (instructions: readonly TransactionInstruction[], signers: readonly Keypair[]): string => {
    const tx = new Transaction().add(...instructions);
    tx.feePayer = payer.publicKey;
    tx.recentBlockhash = svm.latestBlockhash();
    const unique = [...new Map([payer, ...signers].map((k) => [k.publicKey.toBase58(), k])).values()];
    tx.signatures = unique.map((k) => ({ publicKey: k.publicKey, signature: null }));
    const message = tx.serializeMessage();
    for (const k of unique) tx.addSignature(k.publicKey, sign(null, message, nativeKey(k)));
    return rpc.sendTransaction(tx);
  };

  const createVoteAccount = (): PublicKey => {
    const vote = generateKeypair();
    const node = generateKeypair();
    const tx = VoteProgram.createAccount({
      fromPubkey: payer.publicKey,
      votePubkey: vote.publicKey,
      voteInit: new VoteInit(node.publicKey, payer.publicKey, payer.publicKey, 0),
      lamports: Number(svm.minimumBalanceForRentExemption(BigInt(VoteProgram.space))),
    });
    send(tx.instructions, [vote, node]);
    return vote.publicKey;
  };

  const bridgeVote = createVoteAccount();
  const registry = generateKeypair().publicKey;
  let seedsUsed = 0;

  const server = serve(rpc);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    svm,
    rpc,
    payer,
    bridgeVote,
    registry,
    get slot() {
      return rpc.slot;
    },
    get epoch() {
      return rpc.epoch;
    },
    createVoteAccount,
    createStake({ lamports, authority = generateKeypair(), voter = bridgeVote }) {
      const stake = generateKeypair();
      const create = StakeProgram.createAccount({
        fromPubkey: payer.publicKey,
        stakePubkey: stake.publicKey,
        authorized: new Authorized(authority.publicKey, authority.publicKey),
        lockup: new Lockup(0, 0, PublicKey.default),
        lamports: Number(lamports),
      });
      const ixs = [...create.instructions];
      if (voter !== null) ixs.push(...StakeProgram.delegate({ stakePubkey: stake.publicKey, authorizedPubkey: authority.publicKey, votePubkey: voter }).instructions);
      send(ixs, voter === null ? [stake] : [stake, authority]);
      return { stake: stake.publicKey, authority };
    },
    createStakes({ withdrawers, lamports, voter = bridgeVote }) {
      const stakes: PublicKey[] = [];
      for (let i = 0; i < withdrawers.length; i += STAKES_PER_TX) {
        const ixs: TransactionInstruction[] = [];
        for (const withdrawer of withdrawers.slice(i, i + STAKES_PER_TX)) {
          const seed = `stake-${seedsUsed++}`;
          const stake = addressWithSeed(payer.publicKey, seed, StakeProgram.programId);
          ixs.push(
            ...StakeProgram.createAccountWithSeed({
              fromPubkey: payer.publicKey,
              stakePubkey: stake,
              basePubkey: payer.publicKey,
              seed,
              authorized: new Authorized(payer.publicKey, withdrawer),
              lamports: Number(lamports),
            }).instructions,
            ...StakeProgram.delegate({ stakePubkey: stake, authorizedPubkey: payer.publicKey, votePubkey: voter }).instructions,
          );
          stakes.push(stake);
        }
        send(ixs, []);
      }
      return stakes;
    },
    delegate(stake, staker, voter) {
      send(StakeProgram.delegate({ stakePubkey: stake, authorizedPubkey: staker.publicKey, votePubkey: voter }).instructions, [staker]);
    },
    deactivate(stake, staker) {
      send(StakeProgram.deactivate({ stakePubkey: stake, authorizedPubkey: staker.publicKey }).instructions, [staker]);
    },
    withdraw(stake, withdrawer, to, lamports) {
      send(StakeProgram.withdraw({ stakePubkey: stake, authorizedPubkey: withdrawer.publicKey, toPubkey: to, lamports: Number(lamports) }).instructions, [withdrawer]);
    },
    setWithdrawer(stake, withdrawer, newWithdrawer) {
      const ix = StakeProgram.authorize({
        stakePubkey: stake,
        authorizedPubkey: withdrawer.publicKey,
        newAuthorizedPubkey: newWithdrawer,
        stakeAuthorizationType: StakeAuthorizationLayout.Withdrawer,
      });
      send(ix.instructions, [withdrawer]);
    },
    register(withdrawer, memoText) {
      return send(registrationInstructions(withdrawer.publicKey, registry, memoText), [withdrawer]);
    },
    send,
    advanceSlots(count = 1) {
      rpc.advanceToSlot(rpc.slot + count);
    },
    warpToEpoch(epoch) {
      rpc.advanceToSlot(rpc.epochSchedule.getFirstSlotInEpoch(epoch));
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
