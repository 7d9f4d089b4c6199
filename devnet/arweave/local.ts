import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ArLocalModule from 'arlocal';
import Arweave from 'arweave';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import type { ArweaveAddress } from '../../src/address.ts';
import { EngineError } from '../../src/errors.ts';

/**
 * A real local Arweave gateway (arlocal 1.1.66) on 127.0.0.1 at an ephemeral port, with its sqlite
 * state in a fresh temp directory removed on stop. For tests and for the service's demo (works
 * outside vitest). Starting takes ≈ 1 s (Apollo GraphQL server + sqlite schema).
 *
 * arlocal's constructor turns port 0 into its default 1984, so the port is set to 0 after
 * construction (its own field, read by `start`) and the real port read from the listening server.
 */
export interface LocalArweave {
  /** e.g. "http://127.0.0.1:39211" */
  readonly url: string;
  readonly port: number;
  /** arweave-js client bound to this gateway. */
  readonly arweave: Arweave;
  /**
   * Mines `blocks` blocks (default 1). Returns the new height. With blocks > 1 arlocal files the
   * pending txs under the last block but its GraphQL lists them under the first (the height they got
   * when posted): mine one block at a time when txs are pending.
   */
  mine(blocks?: number): Promise<number>;
  /** Adds winston to an address outside any block (arlocal's faucet). */
  mint(address: string, winston: bigint): Promise<void>;
  /** A fresh RSA wallet and its address. */
  newWallet(): Promise<{ jwk: JWKInterface; address: ArweaveAddress }>;
  /** Signs and posts an AR transfer; arlocal applies it to balances at once, a block includes it at the next mine(). Returns the tx id. */
  transfer(from: JWKInterface, to: string, winston: bigint): Promise<string>;
  /** The current height. */
  height(): Promise<number>;
  stop(): Promise<void>;
}

interface ArLocalInstance {
  start(): Promise<void>;
  stop(): Promise<void>;
  getServer(): Server;
}
type ArLocalCtor = new (port?: number, showLogs?: boolean, dbPath?: string, persist?: boolean) => ArLocalInstance;

// arlocal is CommonJS with `exports.default`; under tsx/Node ESM interop the class may sit one level down.
const ArLocal = ((ArLocalModule as unknown as { default?: ArLocalCtor }).default ?? ArLocalModule) as unknown as ArLocalCtor;
const ArweaveCtor = ((Arweave as unknown as { default?: typeof Arweave }).default ?? Arweave) as typeof Arweave;

async function call(url: string, what: string): Promise<string> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new EngineError('SOURCE_UNAVAILABLE', `arlocal: ${what} answered HTTP ${res.status} ${text.slice(0, 80)}`);
  return text;
}

export async function startLocalArweave(options: { showLogs?: boolean } = {}): Promise<LocalArweave> {
  const dir = mkdtempSync(join(tmpdir(), 'arlocal-'));
  const instance = new ArLocal(1, options.showLogs ?? false, dir, false);
  (instance as unknown as { port: number }).port = 0;
  // arlocal prints "arlocal started on port …" with console.log regardless of showLogs.
  const log = console.log;
  if (!(options.showLogs ?? false)) console.log = () => undefined;
  let server: Server;
  try {
    await instance.start();
    server = instance.getServer();
    if (!server.listening) await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    // Its listen callback (the log line) runs after 'listening' is emitted: let it run while muted.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    console.log = log;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const arweave = ArweaveCtor.init({ host: '127.0.0.1', port, protocol: 'http', logging: false });
  let stopped = false;

  const local: LocalArweave = {
    url,
    port,
    arweave,
    async mine(blocks = 1) {
      const info = JSON.parse(await call(`${url}/mine/${blocks}`, 'mine')) as { height: number };
      return info.height;
    },
    async mint(address, winston) {
      await call(`${url}/mint/${address}/${winston}`, 'mint');
    },
    async newWallet() {
      const jwk = await arweave.wallets.generate();
      return { jwk, address: (await arweave.wallets.jwkToAddress(jwk)) as ArweaveAddress };
    },
    async transfer(from, to, winston) {
      const tx = await arweave.createTransaction({ target: to, quantity: winston.toString() }, from);
      await arweave.transactions.sign(tx, from);
      const res = await arweave.transactions.post(tx);
      if (res.status !== 200) throw new EngineError('SOURCE_UNAVAILABLE', `arlocal: posting a transfer answered HTTP ${res.status}`);
      return tx.id;
    },
    async height() {
      return (JSON.parse(await call(`${url}/info`, 'info')) as { height: number }).height;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // arlocal's stop() closes the server without waiting for idle keep-alive sockets: close them too.
      server.closeAllConnections();
      await instance.stop();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return local;
}
