import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalAoNode } from '../../devnet/ao-node/server.ts';
import { createAoClient, reconcile } from '../../src/ledger/delivery/ao/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { runDemo } from '../../devnet/demo.ts';
import { tempDir } from '../service/support/harness.ts';

/**
 * After the demo (npm start, shortened), the local AO node is restarted from the demo's own
 * schedule file: its HyperBEAM reads — compute/balances/<address> and compute/token-info/supply —
 * equal the dry-run Balances and Total-Supply, and `ao reconcile --via hyperbeam` is equal.
 */
describe('the demo through the mainnet read paths', () => {
  it('compute/balances and token-info/supply equal the dry-run answers; reconcile via hyperbeam is equal', async () => {
    const dataDir = tempDir('demo-hb');
    const summary = await runDemo({ speed: 20, ticks: 12, dataDir, port: 0, seed: 11, out: () => undefined });
    expect(summary).toMatchObject({ reconciled: true, exitCode: 0 });
    expect(summary.delivered).toBeGreaterThanOrEqual(1);

    // The node records each process's spawn tags; the demo's minter is a fresh wallet, read back from there.
    const file = new Database(join(dataDir, 'ao-node.db'), { readonly: true });
    const { spec } = file.prepare('SELECT spec FROM processes').get() as { spec: string };
    file.close();
    const tags = (JSON.parse(spec) as { tags: Record<string, string> }).tags;
    const node = await startLocalAoNode({ dataDir, minter: tags['Minter']!, name: tags['Token-Name']!, ticker: tags['Ticker']!, gate: tags['Transfer-Gate']! });
    const ledger = await openLedger({ url: `sqlite:${join(dataDir, 'demo.sqlite')}` });
    try {
      const client = createAoClient({ muUrl: node.url, cuUrl: node.url });
      const dry = async (action: string) => (await client.dryrun({ process: node.processId, tags: [{ name: 'Action', value: action }] })).Messages?.[0]?.Data;
      const balances = JSON.parse((await dry('Balances'))!) as Record<string, string>;
      expect(Object.keys(balances).length).toBeGreaterThan(0);
      const read = async (path: string) => (await fetch(`${node.url}/${node.processId}~process@1.0/compute/${path}`)).text();
      for (const [address, quantity] of Object.entries(balances)) expect(await read(`balances/${address}`)).toBe(quantity);
      expect(await read('token-info/supply')).toBe(await dry('Total-Supply'));
      const report = await reconcile({ db: ledger.db, hyperbeam: { url: node.url }, processId: node.processId, basis: 'delivered' });
      expect(report).toMatchObject({ equal: true, via: 'hyperbeam', differences: [] });
      expect(report.recipients).toBe(Object.keys(balances).length);
    } finally {
      await ledger.close();
      await node.stop();
    }
  });
});
