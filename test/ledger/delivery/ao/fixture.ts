import Arweave from 'arweave';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArweaveAddress } from '../../../../src/address.ts';
import { ManualClock } from '../../../../src/clock.ts';
import { AO_MAINNET } from '../../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../../src/emission/ticks.ts';
import { openLedger } from '../../../../src/ledger/index.ts';
import type { Ledger, SettlementResult } from '../../../../src/ledger/index.ts';
import type { ArweaveJwk } from '../../../../src/ledger/delivery/ao/index.ts';
import { winston } from '../../../../src/units.ts';

/** Shared set-up for the writer tests: real wallets, a real SQLite ledger with real settlements. */
export const arweave = Arweave.init({});

/**
 * A test wallet, generated at test time. RSA-4096 generation takes seconds (far more on a busy
 * machine), so each named key is generated once per machine boot and kept in the temp directory
 * for the other test files (written atomically: a concurrent file at worst generates its own).
 */
export async function wallet(name: string): Promise<{ jwk: ArweaveJwk; address: string }> {
  const path = join(tmpdir(), `ao-emission-test-wallet-${name}.json`);
  let jwk: ArweaveJwk;
  if (existsSync(path)) {
    jwk = JSON.parse(readFileSync(path, 'utf8')) as ArweaveJwk;
  } else {
    jwk = (await arweave.wallets.generate()) as unknown as ArweaveJwk;
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, JSON.stringify(jwk), { mode: 0o600 });
    renameSync(partial, path);
  }
  return { jwk, address: await arweave.wallets.jwkToAddress(jwk as never) };
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'ao-writer-'));

/** The 32-byte address of holder i (distinct, sortable, valid). */
export const holder = (i: number, salt = 0): ArweaveAddress => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(salt, 0);
  b.writeUInt32BE(i, 28);
  return b.toString('base64url') as ArweaveAddress;
};

export async function freshLedger(dir: string): Promise<Ledger> {
  const ledger = await openLedger({ url: `sqlite:${join(dir, 'ledger.db')}`, clock: new ManualClock(1_700_000_000_000) });
  await ledger.migrate();
  return ledger;
}

/**
 * Applies the next tick with `holders` AR accounts of distinct weights (each its own recipient) and
 * settles the AR pool in batches of batchSize: one settlement of `holders` credits.
 */
export async function settleTick(ledger: Ledger, holders: number, batchSize: number, salt = 0): Promise<SettlementResult> {
  const tick = (await ledger.lastAppliedTick()) + 1;
  const updates = Array.from({ length: holders }, (_, i) => ({ account: holder(i, salt), recipient: holder(i, salt), weight: winston(10n ** 12n + BigInt(i)) }));
  await ledger.applyTick({
    tick,
    genesisMs: DEFAULT_GENESIS_MS,
    policy: AO_MAINNET,
    snapshots: [{ pool: 'ar', pin: { chain: 'arweave', height: String(tick), hash: `h${tick}`, timeMs: DEFAULT_GENESIS_MS }, complete: false, updates, cursor: `c${tick}`, notes: [] }],
  });
  const settlement = await ledger.settle('ar', tick, { batchSize });
  if (settlement === null) throw new Error('fixture: nothing settled');
  return settlement;
}
