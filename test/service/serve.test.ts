import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEthereum, type LocalEthereum } from '../../devnet/ethereum/local.ts';
import { TICK_MS, lastEndedTick, mintAt, AO_MAINNET } from '../../src/emission/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { spawnTs } from '../support/child.ts';
import { tempDir } from './support/harness.ts';

/**
 * `ao-emission serve --config FILE` as production runs it (system clock, cron trigger, sources
 * built from the config), against a real local EVM (Hardhat with the pre-bridge, stETH and a
 * Chainlink-style feed), with a genesis 5 ticks ago so the first run catches up 5 ticks.
 */
let eth: LocalEthereum;
beforeAll(async () => {
  eth = await startLocalEthereum();
  await eth.stake(eth.accounts[1]!, 10n * 10n ** 18n, 'A'.repeat(42) + 'E');
  await eth.rebase({ aprBps: 300, timeElapsedSec: 60 });
});
afterAll(async () => {
  await eth?.stop();
});

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('serve', () => {
  it('catches up the due ticks from a real local chain, serves /status, and exits 0 on SIGTERM', async () => {
    const dir = tempDir('serve');
    const genesisMs = Math.floor(Date.now() / 60_000) * 60_000 - 5 * TICK_MS;
    const port = await freePort();
    const config = join(dir, 'serve.json');
    writeFileSync(
      config,
      JSON.stringify({
        genesis: new Date(genesisMs).toISOString(),
        database: { url: 'sqlite:./db/ledger.db' },
        sources: { ethereum: { rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge: eth.preBridge, steth: eth.stETH, chainlinkEthUsd: eth.aggregator, finalityLagBlocks: 0, depositDelay: '0s' } }, // deposits count at once: the run is 5 ticks, not a day
        settlement: { steth: 'every-tick' },
        http: { port },
      }),
    );
    // A new ledger: asked for with --create (serve never makes one by itself).
    const child = spawnTs('bin/ao-emission.js', ['serve', '--create', '--config', config], {});
    const due = lastEndedTick(Date.now(), genesisMs);
    await child.waitFor((e) => e['msg'] === 'tick applied' && (e['tick'] as number) >= due, `tick ${due} applied`, 90_000);
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ leader: true, lastTick: due });
    const config0 = child.events.find((e) => e['msg'] === 'config loaded')!;
    expect(JSON.stringify(config0)).not.toContain('signerKey"');
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);

    const ledger = await openLedger({ url: `sqlite:${join(dir, 'db', 'ledger.db')}` });
    const tick1 = (await ledger.tick(1))!;
    expect(tick1.mint).toBe(mintAt(AO_MAINNET.curve, 1));
    // The stETH pool took the whole bridge part (the only bridge source configured) and settled it every tick.
    expect((await ledger.poolTotals()).find((p) => p.pool === 'steth')!.credited).toBeGreaterThan(0n);
    expect((await ledger.conservation()).ok).toBe(true);
    await ledger.close();
  });
});
