import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Keypair } from '@solana/web3.js';
import type { ArweaveAddress } from '../src/address.ts';
import { createArweaveSource } from '../src/bridges/arweave/index.ts';
import { startLocalArweave, type LocalArweave } from './arweave/local.ts';
import { createEthereumSource } from '../src/bridges/ethereum/index.ts';
import { startLocalEthereum, type LocalEthereum } from './ethereum/local.ts';
import { createSolanaSource } from '../src/bridges/solana/index.ts';
import { startLocalSolana, type LocalSolana } from './solana/local-cluster.ts';
import type { Source } from '../src/bridges/types.ts';
import { AO_MAINNET, gateTick, policyLabel, TICK_MS, tickEndMs, toIso } from '../src/emission/index.ts';
import { reconcile, createAoClient, type ArweaveJwk } from '../src/ledger/delivery/ao/index.ts';
import { reconcileReports } from '../src/ledger/delivery/ao/reconcile-reports.ts';
import { createDelegationSource } from '../src/bridges/ao/delegation-source.ts';
import { startLocalAoNode, type LocalAoNode } from './ao-node/server.ts';
import { xorshift32 } from '../src/prng.ts';
import { formatUnits } from '../src/units.ts';
import { acceleratedClock } from './accelerated-clock.ts';
import { lockDataDir, makeDataDir } from '../src/service/data-lock.ts';
import { aoDeliverer } from '../src/service/delivery.ts';
import { createLogger, type Logger } from '../src/service/logger.ts';
import type { TickReport } from '../src/service/runner.ts';
import { intervalTrigger } from '../src/service/scheduler.ts';
import { startService, type ServiceHandle } from '../src/service/service.ts';
import { runUntilSignal } from '../src/service/signals.ts';

/**
 * `ao-emission demo` (what `npm start` runs): the production service on an embedded network —
 * a SQLite ledger under --data, arlocal (Arweave), Hardhat (AO's stETH, DAI and USDS bridges, with the
 * Pot, sUSDS and price feeds), litesvm (the SOL bridge) and the local AO node with the token process —
 * seeded with a small population that
 * keeps changing (new holders, transfers, stakes, withdrawals), on a clock that runs --speed ticks
 * per second. Prints one line per tick. Everything is local: no network is needed.
 *
 * The local chains live in memory, so every demo starts a fresh ledger (--data/demo.sqlite is
 * recreated): a ledger's source cursors only make sense against the chains it was built from.
 */
export interface DemoOptions {
  readonly speed: number;
  /** Stop after this many ticks; 0 = until Ctrl-C. */
  readonly ticks: number;
  readonly dataDir: string;
  readonly port: number;
  readonly seed: number;
  readonly out?: (line: string) => void;
  /** Called once the service is up and its own signal handling has taken over. */
  readonly onStarted?: () => void;
}

export interface DemoSummary {
  readonly lastTick: number;
  readonly conservationOk: boolean;
  readonly reconciled: boolean;
  /** Every project's per-user totals (Get-Yield) equal the ledger's delegated credits of delivered reports. */
  readonly delegationReconciled: boolean;
  /** Base units the ledger delegated to projects. */
  readonly delegated: bigint;
  readonly delivered: number;
  readonly exitCode: number;
}

const AO = (units: bigint): string => formatUnits(units, 12);
const short = (units: bigint): string => {
  const [whole, frac = ''] = AO(units).split('.');
  return `${whole}.${frac.slice(0, 6).padEnd(6, '0')}`;
};

/** Deterministic demo recipients: 32 bytes from the seed, as Arweave addresses. */
const demoAddress = (seed: number, label: string): ArweaveAddress => createHash('sha256').update(`demo/${seed}/${label}`).digest().toString('base64url') as ArweaveAddress;

interface DemoNetwork {
  readonly arweave: LocalArweave;
  readonly ethereum: LocalEthereum;
  readonly solana: LocalSolana;
  readonly ao: LocalAoNode;
  readonly jwk: ArweaveJwk;
  /** Project process id → its name (PI, the demo FLPs). */
  readonly projectNames: ReadonlyMap<string, string>;
  /** The sources, on the ledger's tick grid (the Ethereum bridges' 24-hour deposit delay counts on it). */
  sources(genesisMs: number): Source[];
  /** One step of population change (called between ticks). */
  activity(tick: number): Promise<string | null>;
  /** The latest Ethereum block's time: the local chain's clock runs ahead of the wall clock after Lido reports. */
  ethereumTimeMs(): Promise<number>;
  stop(): Promise<void>;
}

const E18 = 10n ** 18n;
const WINSTON = 10n ** 12n;
/** AR (on top of its drawn balance) the demo's sender holds to fund new holders by transfer. */
const SENDER_RESERVE_AR = 1_000_000n;
const LAMPORTS = 10n ** 9n;
/** AO's deposit delay on every Ethereum bridge. */
const DELAY_SEC = 24 * 3600;
const STABLES = ['dai', 'usds'] as const;

async function startDemoNetwork(dataDir: string, seed: number, say: (line: string) => void): Promise<DemoNetwork> {
  const random = xorshift32(seed);
  const started: { stop(): Promise<void> }[] = [];
  try {
    say('starting local Arweave (arlocal), EVM (Hardhat), Solana (litesvm) …');
    const [arweave, ethereum, solana] = await Promise.all([startLocalArweave(), startLocalEthereum(), startLocalSolana()]);
    started.push(arweave, ethereum, solana);

    // AR holders: minted by the local faucet, listed in a seed file (arlocal serves no wallet list).
    const minter = await arweave.newWallet();
    const sender = await arweave.newWallet();
    const holders = Array.from({ length: 8 }, (_, i) => demoAddress(seed, `ar-${i}`));
    // Three holders with keys of their own: they sign their yield-delegation preferences.
    const delegators = [await arweave.newWallet(), await arweave.newWallet(), await arweave.newWallet()];
    const seedRows: string[] = ['address,winston'];
    for (const address of [...holders, ...delegators.map((d) => d.address), sender.address]) {
      // The sender also funds the new holders of activity() with real transfers: a reserve on top.
      const drawn = BigInt(100 + Math.floor(random() * 5_000)) * WINSTON;
      const winston = address === sender.address ? drawn + SENDER_RESERVE_AR * WINSTON : drawn;
      await arweave.mint(address, winston);
      seedRows.push(`${address},${winston}`);
    }
    await arweave.mine(1);
    const seedFile = join(dataDir, 'demo-ar-seed.csv');
    writeFileSync(seedFile, `${seedRows.join('\n')}\n`);

    // stETH depositors in the pre-bridge, each naming an Arweave recipient (one without: unclaimed).
    const depositors = ethereum.accounts.slice(1, 7);
    // Depositor 0 names delegator 1's address: its stETH yield follows that wallet's preferences.
    const ethRecipient = (i: number): ArweaveAddress => (i === 0 ? delegators[1]!.address : demoAddress(seed, `eth-${i}`));
    for (const [i, user] of depositors.entries()) {
      await ethereum.stake(user, BigInt(1 + Math.floor(random() * 40)) * E18, i === 5 ? null : ethRecipient(i));
    }

    // DAI and USDS depositors in their bridges (the DAI savings rate 5 %, the USDS one 6.5 %: dsr(), ssr()).
    for (const pool of STABLES) {
      for (const [i, user] of depositors.slice(0, 4).entries()) {
        await ethereum.stakeStable(pool, user, BigInt(1_000 + Math.floor(random() * 40_000)) * E18, demoAddress(seed, `${pool}-${i}`));
      }
    }
    // A day and ten minutes pass on the chain (the feeds keep posting): these deposits are past AO's
    // 24-hour delay when the demo's genesis comes, so they earn from tick 1. Later ones wait a day.
    await ethereum.advance(DELAY_SEC + 600);

    // One Lido oracle report, so the stETH APR has an on-chain TokenRebased to read. It moves the
    // chain's clock by as much; kept short so the demo's simulated time soon runs ahead of it.
    await ethereum.rebase({ aprBps: 300, timeElapsedSec: 240 });

    // SOL stakers delegated to the bridge's vote account, registered with an `ao:<address>` memo.
    const stakers = Array.from({ length: 5 }, () => Keypair.generate());
    for (const [i, authority] of stakers.entries()) {
      solana.createStake({ lamports: BigInt(10 + Math.floor(random() * 500)) * LAMPORTS, authority });
      solana.register(authority, `ao:${demoAddress(seed, `sol-${i}`)}`);
    }
    // Stake activates at the next epoch boundary (as on mainnet): start the demo with it active.
    solana.warpToEpoch(solana.epoch + 1);

    say('starting the local AO node with the token, delegation, PI and two demo FLP processes …');
    const ao = await startLocalAoNode({ minter: minter.address, dataDir, name: 'AO (demo)', ticker: 'AO', delegation: { flps: ['APUS (demo)', 'Botega (demo)'] } });
    started.push(ao);
    const [pi, apus, botega] = ao.projects.map((p) => p.processId) as [string, string, string];
    // The delegators sign Set-Delegation (AO's format): one to PI, one split between PI and both FLPs,
    // one all to Botega; every other holder keeps its AO.
    const delegate = async (w: { jwk: unknown; address: string }, walletTo: string, factor: number): Promise<void> => {
      const c = createAoClient({ muUrl: ao.url, cuUrl: ao.url }, w.jwk as ArweaveJwk);
      const id = await c.message({ process: ao.delegationProcessId!, tags: [{ name: 'Action', value: 'Set-Delegation' }], data: JSON.stringify({ walletFrom: w.address, walletTo, factor }) });
      const answer = (await c.result({ message: id, process: ao.delegationProcessId! })).Messages?.[0]?.Tags?.find((t) => t.name === 'Action')?.value;
      if (answer !== 'Set-Delegation-Notice') throw new Error(`demo: Set-Delegation of ${w.address} to ${walletTo} was refused (${String(answer)})`);
    };
    await delegate(delegators[0]!, pi, 5_000);
    await delegate(delegators[1]!, pi, 2_000);
    await delegate(delegators[1]!, apus, 3_000);
    await delegate(delegators[1]!, botega, 2_000);
    await delegate(delegators[2]!, botega, 10_000);
    say(`delegations: ${delegators[0]!.address.slice(0, 8)}… 50 % to PI; ${delegators[1]!.address.slice(0, 8)}… (and the stETH depositor naming it) 20 % PI, 30 % APUS, 20 % Botega; ${delegators[2]!.address.slice(0, 8)}… 100 % Botega; the rest keep their AO`);

    const sources = (genesisMs: number): Source[] => [
      createArweaveSource({ urls: [arweave.url], confirmations: 0, seedFile }),
      ...(['steth', 'dai', 'usds'] as const).map((pool) => createEthereumSource({ rpcUrls: [ethereum.rpcUrl], chainId: ethereum.chainId, ...ethereum.bridgeOf(pool, DELAY_SEC), genesisMs, finalityLagBlocks: 0 })),
      createSolanaSource({ rpcUrls: [solana.url], voteAccounts: [solana.bridgeVote.toBase58()], registry: solana.registry.toBase58(), priceUsd: '150', commitment: 'confirmed' }),
    ];
    let nextHolder = holders.length;
    let nextStaker = stakers.length;
    return {
      arweave,
      ethereum,
      solana,
      ao,
      jwk: minter.jwk as unknown as ArweaveJwk,
      projectNames: new Map(ao.projects.map((p) => [p.processId, p.name])),
      sources,
      async activity(tick) {
        solana.advanceSlots(1);
        // A change mid-period: from the next tick on, delegator 0 gives PI all of its AO.
        if (tick === 6) {
          await delegate(delegators[0]!, pi, 10_000);
          return `delegation: ${delegators[0]!.address.slice(0, 8)}… now 100 % to PI (from the next tick)`;
        }
        if (tick % 3 !== 0) return null;
        const roll = random();
        if (roll < 0.2) {
          const address = demoAddress(seed, `ar-${nextHolder++}`);
          // A transfer in a block, not arlocal's /mint: a mint is in no block, so the incremental AR
          // source never saw these holders and they never earned.
          await arweave.transfer(sender.jwk, address, BigInt(50 + Math.floor(random() * 1_000)) * WINSTON);
          await arweave.mine(1);
          return `new AR holder ${address.slice(0, 8)}…`;
        }
        if (roll < 0.4) {
          const to = holders[Math.floor(random() * holders.length)]!;
          await arweave.transfer(sender.jwk, to, BigInt(1 + Math.floor(random() * 20)) * WINSTON);
          await arweave.mine(1);
          return `AR transfer to ${to.slice(0, 8)}…`;
        }
        if (roll < 0.5) {
          const i = Math.floor(random() * 5);
          await ethereum.stake(depositors[i]!, BigInt(1 + Math.floor(random() * 10)) * E18, ethRecipient(i));
          return `stETH deposit by ${depositors[i]!.slice(0, 8)}… (counts after the 24-hour delay)`;
        }
        if (roll < 0.6) {
          const pool = STABLES[Math.floor(random() * 2)]!;
          const i = Math.floor(random() * 4);
          await ethereum.stakeStable(pool, depositors[i]!, BigInt(100 + Math.floor(random() * 5_000)) * E18, demoAddress(seed, `${pool}-${i}`));
          return `${pool.toUpperCase()} deposit by ${depositors[i]!.slice(0, 8)}… (counts after the 24-hour delay)`;
        }
        if (roll < 0.65) {
          const i = Math.floor(random() * 5);
          await ethereum.withdraw(depositors[i]!, E18 / 2n, ethRecipient(i));
          return `stETH withdrawal by ${depositors[i]!.slice(0, 8)}… (from its queued deposits first)`;
        }
        if (roll < 0.7) {
          const pool = STABLES[Math.floor(random() * 2)]!;
          const i = Math.floor(random() * 4);
          await ethereum.withdrawStable(pool, depositors[i]!, 50n * E18, demoAddress(seed, `${pool}-${i}`));
          return `${pool.toUpperCase()} withdrawal by ${depositors[i]!.slice(0, 8)}… (from its queued deposits first)`;
        }
        if (roll < 0.8) {
          await ethereum.rebase({ aprBps: 300, timeElapsedSec: 300 });
          return 'Lido rebase (stETH balances grow)';
        }
        const authority = Keypair.generate();
        solana.createStake({ lamports: BigInt(5 + Math.floor(random() * 200)) * LAMPORTS, authority });
        solana.register(authority, `ao:${demoAddress(seed, `sol-${nextStaker++}`)}`);
        return `new SOL staker ${authority.publicKey.toBase58().slice(0, 8)}…`;
      },
      async ethereumTimeMs() {
        const block = (await ethereum.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string };
        return Number(BigInt(block.timestamp)) * 1000;
      },
      async stop() {
        for (const s of started.reverse()) await s.stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw error;
  }
}

/** The bridge pools' yield quotes (price, APR, where each came from), as the first tick's snapshots read them. */
function yieldLines(r: TickReport): string[] {
  return r.snapshots.flatMap((s) =>
    s.yield === undefined ? [] : [`           yield ${s.pool.padEnd(5)} ${s.yield.asset} $${s.yield.priceUsd} (${s.yield.priceSource})  APR ${(Number(s.yield.apr) * 100).toFixed(4)} % (${s.yield.aprSource})`],
  );
}

/** Per settlement, what went to each project by delegation. */
function delegationLines(r: TickReport, names: ReadonlyMap<string, string>): string[] {
  return r.settlements
    .filter((s) => s.projects.length > 0)
    .map((s) => {
      // In the order the projects were spawned (PI first), not by process id.
      const order = [...names.keys()];
      const projects = [...s.projects].sort((a, b) => order.indexOf(a.project) - order.indexOf(b.project));
      return `           delegated ${s.pool} ${short(s.delegated)} AO: ${projects.map((p) => `${names.get(p.project) ?? p.project} ${short(p.total)} (${p.rows} ${p.rows === 1 ? 'user' : 'users'})`).join(', ')}`;
    });
}

function tickLine(r: TickReport, outbox: Record<string, number>, genesisMs: number): string {
  const pool = (id: string) => r.applied.pools.find((p) => p.pool === id)?.amount ?? 0n;
  const gate = r.transferable ? 'open' : `locked until tick ${gateTick(AO_MAINNET) ?? 'never'}`;
  const settled = r.settlements.length === 0 ? '' : `  settled ${r.settlements.map((s) => `${s.pool} ${short(s.total)}`).join(', ')}`;
  return [
    `tick ${String(r.tick).padStart(4)}`,
    toIso(tickEndMs(r.tick, genesisMs)).slice(0, 16),
    `mint ${short(r.applied.mint)} AO`,
    `split AR ${short(r.applied.split.ar)} | stETH ${short(pool('steth'))} DAI ${short(pool('dai'))} USDS ${short(pool('usds'))} SOL ${short(pool('sol'))}`,
    `gate ${gate}`,
    `outbox pending ${outbox['pending'] ?? 0} delivered ${outbox['delivered'] ?? 0} failed ${outbox['failed'] ?? 0}${settled}`,
  ].join('  ');
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const say = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dataDir = resolve(options.dataDir);
  makeDataDir(dataDir);
  // Before anything is deleted: a second demo on the same folder would wreck the running one's ledger.
  const lock = lockDataDir(dataDir);
  try {
    return await runDemoLocked(options, dataDir, say);
  } finally {
    lock.release();
  }
}

async function runDemoLocked(options: DemoOptions, dataDir: string, say: (line: string) => void): Promise<DemoSummary> {
  for (const name of ['demo.log', 'demo.sqlite', 'demo.sqlite-wal', 'demo.sqlite-shm', 'demo.sqlite.leader', 'ao-node.db', 'ao-node.db-wal', 'ao-node.db-shm']) rmSync(join(dataDir, name), { force: true });
  // JSON logs go to a file; the terminal gets one line per tick.
  const log: Logger = createLogger({ level: 'info', destination: (await import('pino')).pino.destination({ dest: join(dataDir, 'demo.log'), sync: true }) });

  const network = await startDemoNetwork(dataDir, options.seed, say);
  // Genesis = now, or the local EVM's clock if its start-up Lido report moved it ahead (on a whole
  // minute): a fresh ledger starts at tick 1 and the simulated clock runs ahead of every chain's, so
  // each tick's snapshot is taken at or before the tick's end, never recorded as late.
  const wallStartMs = Date.now();
  const genesisMs = Math.floor(Math.max(wallStartMs, await network.ethereumTimeMs()) / 60_000) * 60_000;
  const clock = acceleratedClock({ simStartMs: genesisMs, wallStartMs, ticksPerSecond: options.speed });
  let handle: ServiceHandle | null = null;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((done) => (finish = done));
  const reports: TickReport[] = [];
  let lastFailure: string | null = null;
  try {
    handle = await startService({
      databaseUrl: `sqlite:${join(dataDir, 'demo.sqlite')}`,
      genesisMs,
      policy: AO_MAINNET,
      // AR holders every hour (12 ticks), bridges daily (288 ticks), as on mainnet.
      settlementTicks: { ar: 12, steth: 288, dai: 288, usds: 288, sol: 288 },
      sources: network.sources(genesisMs),
      delegationSource: createDelegationSource({ cuUrl: network.ao.url, processId: network.ao.delegationProcessId! }),
      clock,
      log,
      trigger: intervalTrigger(Math.max(20, Math.floor(1000 / options.speed / 2))),
      http: { host: '127.0.0.1', port: options.port },
      statusInfo: { ao: { url: network.ao.url, processId: network.ao.processId } },
      createDeliverer: (ledger) => aoDeliverer(ledger, { processId: network.ao.processId, muUrl: network.ao.url, cuUrl: network.ao.url, jwk: network.jwk, log }),
      onTick: (r) => reports.push(r),
      onRun: async (outcome) => {
        if (outcome.kind === 'failed' && outcome.error.message !== lastFailure) say(`run failed (retrying at the next trigger): ${outcome.error.message}`);
        lastFailure = outcome.kind === 'failed' ? outcome.error.message : null;
        const ledger = handle!.ledger;
        const outbox = await ledger.outbox.counts();
        for (const r of reports.splice(0)) {
          say(tickLine(r, outbox, genesisMs));
          for (const line of delegationLines(r, network.projectNames)) say(line);
          if (r.tick === 1) for (const line of yieldLines(r)) say(line);
          // Deposits still in AO's 24-hour delay (the bridges' own notes, recorded in the journal too).
          for (const snap of r.snapshots) for (const note of snap.notes) if (note.includes('deposit delay')) say(`           ${snap.pool}: ${note}`);
          for (const note of r.notes) say(`           note: ${note}`);
          const event = await network.activity(r.tick);
          if (event) say(`           chain: ${event}`);
          if (options.ticks > 0 && r.tick >= options.ticks) finish();
        }
      },
      ticksPerRunMax: 1,
    });
    say(`policy ${policyLabel(AO_MAINNET)}, genesis ${toIso(genesisMs)}, ${options.speed} ticks/s (1 tick = ${TICK_MS / 60_000} min), ${options.ticks > 0 ? `${options.ticks} ticks` : 'until Ctrl-C'}`);
    say(`status: ${handle.http!.url}/status  metrics: ${handle.http!.url}/metrics  ledger: ${join(dataDir, 'demo.sqlite')}  logs: ${join(dataDir, 'demo.log')}  pid ${process.pid}`);
    say(`AO node ${network.ao.url}, token process ${network.ao.processId}; while the demo runs, reconcile with:`);
    say(`  npx ao-emission ao reconcile --database sqlite:${join(dataDir, 'demo.sqlite')} --process ${network.ao.processId} --cu ${network.ao.url} --delivered-only`);
    options.onStarted?.();
    const exitCode = await runUntilSignal(handle, log, finished);
    // Final delivery of what the last settlements wrote, then the check against the AO process.
    const { openLedger } = await import('../src/ledger/index.ts');
    const ledger = await openLedger({ url: `sqlite:${join(dataDir, 'demo.sqlite')}` });
    try {
      const deliverer = aoDeliverer(ledger, { processId: network.ao.processId, muUrl: network.ao.url, cuUrl: network.ao.url, jwk: network.jwk, log });
      await deliverer.deliver();
      const lastTick = await ledger.lastAppliedTick();
      const conservation = await ledger.conservation();
      const report = await reconcile({ db: ledger.db, client: createAoClient({ muUrl: network.ao.url, cuUrl: network.ao.url }), processId: network.ao.processId, basis: 'delivered' });
      const totals = await ledger.poolTotals();
      say('');
      say(`${lastTick} ticks applied; minted ${AO(totals.reduce((s, t) => s + t.minted, 0n))} AO, credited ${AO(totals.reduce((s, t) => s + t.credited, 0n))} AO`);
      // accrued is each account's unsettled amount rounded down to the base unit; the fractions and
      // the pool's index residue are the rest, so minted = credited + accrued + rest exactly.
      for (const t of totals) say(`  ${t.pool.padEnd(5)} minted ${AO(t.minted)}  credited ${AO(t.credited)}  accrued ${AO(t.unsettled)} (rounded down)  + fractions and residue ${t.minted - t.credited - t.unsettled} base units`);
      say(`conservation ${conservation.ok ? 'ok' : `FAILED: ${conservation.problems.join('; ')}`}`);
      // The demo's ledger is not audit's default (./data/ao-emission.db): the exact command.
      say(`audit it with: npx ao-emission audit verify --database sqlite:${join(dataDir, 'demo.sqlite')}`);
      say(`AO process ${network.ao.processId}: ${report.recipients} recipients hold ${AO(report.processTotal)} AO; ledger delivered ${AO(report.ledgerTotal)} AO — ${report.equal ? 'equal' : 'DIFFERENT'}`);
      const projects = await reconcileReports({ db: ledger.db, client: createAoClient({ muUrl: network.ao.url, cuUrl: network.ao.url }), projects: [...network.projectNames.keys()] });
      const delegated = (await ledger.db.all<{ amount: string }>('SELECT amount FROM delegated_credits')).reduce((t, r) => t + BigInt(r.amount), 0n);
      for (const p of projects.projects) {
        say(`  ${(network.projectNames.get(p.project) ?? p.project).padEnd(13)} ${p.project}: ${p.users} ${p.users === 1 ? 'user' : 'users'}, ${AO(p.processTotal)} AO reported; ledger delegated ${AO(p.ledgerTotal)} AO — ${p.equal ? 'equal' : `DIFFERENT: ${p.mismatches.join('; ')}`}`);
      }
      const ok = conservation.ok && report.equal && projects.equal;
      return { lastTick, conservationOk: conservation.ok, reconciled: report.equal, delegationReconciled: projects.equal, delegated, delivered: report.outbox.delivered, exitCode: ok ? exitCode : 1 };
    } finally {
      await ledger.close();
    }
  } finally {
    if (handle) await handle.stop();
    await network.stop();
  }
}
