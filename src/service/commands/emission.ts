import type { Command } from 'commander';
import { Decimal } from 'decimal.js';
import { EngineError } from '../../errors.ts';
import { formatAo } from '../../units.ts';
import {
  buildSchedule,
  DEFAULT_GENESIS_MS,
  gateTick,
  isTransferable,
  mintAt,
  parseEvery,
  parseInstant,
  parsePolicyName,
  policyLabel,
  remainingAt,
  splitMint,
  supplyAt,
  tickAt,
  tickEndMs,
  tickStartMs,
  toIso,
  type ScheduleRow,
  type SplitPolicy,
} from '../../emission/index.ts';
import { printTable, writeJson } from '../output.ts';

interface CommonOptions {
  json?: boolean;
  policy: string;
  genesis?: string;
}

const TICK_ARG = /^[0-9]{1,16}$/;

export function parseTickArgument(text: string): number {
  const tick = TICK_ARG.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(tick) || tick < 1) {
    throw new EngineError('INVALID_TICK', `tick: ${JSON.stringify(text)} is not a tick; expected a whole number >= 1`);
  }
  return tick;
}

const genesisOf = (opts: CommonOptions): number => (opts.genesis === undefined ? DEFAULT_GENESIS_MS : parseInstant(opts.genesis, '--genesis'));

export function describeTick(tick: number, policy: SplitPolicy, genesisMs: number) {
  const mint = mintAt(tick);
  const split = splitMint(policy, tick, mint, genesisMs);
  return {
    tick,
    start: toIso(tickStartMs(tick, genesisMs)),
    end: toIso(tickEndMs(tick, genesisMs)),
    mint: mint.toString(),
    supply: supplyAt(tick).toString(),
    remaining: remainingAt(tick).toString(),
    transferable: isTransferable(tick),
    policy: policy.id,
    policyVersion: policy.version,
    split: { ar: split.ar.toString(), bridges: split.bridges.toString() },
  };
}

const percent = (part: bigint, whole: bigint, places = 4): string =>
  whole === 0n ? '-' : `${new Decimal(part.toString()).div(whole.toString()).mul(100).toFixed(places)} %`;

export function registerEmissionCommands(program: Command): void {
  program
    .command('tick')
    .description('mint, supply and split of one tick')
    .argument('[k]', 'tick number (1 is the first tick after genesis)')
    .option('--at <iso>', 'the tick containing this instant instead of a number')
    .option('--json', 'print JSON')
    .option('--policy <policy>', 'split policy: ao-mainnet or flat:A/B', 'ao-mainnet')
    .option('--genesis <iso>', 'genesis instant', undefined)
    .action((k: string | undefined, opts: CommonOptions & { at?: string }) => {
      const genesisMs = genesisOf(opts);
      const policy = parsePolicyName(opts.policy, '--policy');
      if ((k === undefined) === (opts.at === undefined)) {
        throw new EngineError('INVALID_ARGUMENT', 'tick: give either a tick number or --at <ISO time>, not both and not neither');
      }
      const tick = k !== undefined ? parseTickArgument(k) : tickAt(parseInstant(opts.at, '--at'), genesisMs);
      const d = describeTick(tick, policy, genesisMs);
      if (opts.json) return writeJson(d);
      printTable([
        ['tick', tick.toLocaleString('en-US')],
        ['start', d.start],
        ['end', d.end],
        ['mint', formatAo(BigInt(d.mint))],
        ['supply', formatAo(BigInt(d.supply))],
        ['remaining', formatAo(BigInt(d.remaining))],
        ['transferable', d.transferable ? 'yes' : `no (gate at tick ${gateTick().toLocaleString('en-US')})`],
        ['policy', policyLabel(policy)],
        ['split AR', formatAo(BigInt(d.split.ar))],
        ['split bridges', formatAo(BigInt(d.split.bridges))],
      ]);
    });

  program
    .command('gate')
    .description('the tick at which AO becomes transferable (supply reaches 15 % of 21 M)')
    .option('--json', 'print JSON')
    .option('--genesis <iso>', 'genesis instant')
    .action((opts: { json?: boolean; genesis?: string }) => {
      const genesisMs = genesisOf({ ...opts, policy: 'ao-mainnet' });
      const tick = gateTick();
      const out = { tick, end: toIso(tickEndMs(tick, genesisMs)), supply: supplyAt(tick).toString() };
      if (opts.json) return writeJson(out);
      printTable([
        ['gate tick', tick.toLocaleString('en-US')],
        ['end', out.end],
        ['supply', formatAo(BigInt(out.supply))],
      ]);
    });

  program
    .command('schedule')
    .description('supply and AR/bridge parts per period')
    .requiredOption('--from <iso>', 'first period start')
    .requiredOption('--to <iso>', 'last period end')
    .requiredOption('--every <period>', 'period length: 1h, 1d, 30d, 1w, 5m …')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--policy <policy>', 'split policy: ao-mainnet or flat:A/B', 'ao-mainnet')
    .option('--genesis <iso>', 'genesis instant')
    .action((opts: CommonOptions & { from: string; to: string; every: string; csv?: boolean }) => {
      if (opts.json && opts.csv) throw new EngineError('INVALID_ARGUMENT', 'schedule: --json and --csv are exclusive');
      const genesisMs = genesisOf(opts);
      const rows = buildSchedule({
        fromMs: parseInstant(opts.from, '--from'),
        toMs: parseInstant(opts.to, '--to'),
        everyMs: parseEvery(opts.every, '--every'),
        policy: parsePolicyName(opts.policy, '--policy'),
        genesisMs,
      });
      const data = rows.map(scheduleRowData);
      if (opts.json) return writeJson(data);
      if (opts.csv) {
        const header = Object.keys(data[0] ?? scheduleRowData(rows[0]!));
        process.stdout.write(`${header.join(',')}\n`);
        for (const r of data) process.stdout.write(`${Object.values(r).join(',')}\n`);
        return;
      }
      printTable(
        rows.map((r) => [
          toIso(r.endMs),
          r.lastTick.toLocaleString('en-US'),
          formatAo(r.supply),
          formatAo(r.minted),
          formatAo(r.ar),
          formatAo(r.bridges),
          percent(r.cumulativeAr, r.supply),
          r.transferable ? 'yes' : 'no',
        ]),
        ['period end', 'tick', 'supply', 'minted in period', 'AR part', 'bridge part', 'cumulative AR share', 'transferable'],
      );
    });
}

function scheduleRowData(r: ScheduleRow) {
  return {
    start: toIso(r.startMs),
    end: toIso(r.endMs),
    lastTick: r.lastTick,
    ticks: r.ticks,
    supply: r.supply.toString(),
    minted: r.minted.toString(),
    ar: r.ar.toString(),
    bridges: r.bridges.toString(),
    cumulativeAr: r.cumulativeAr.toString(),
    cumulativeArShare: r.supply === 0n ? '0' : new Decimal(r.cumulativeAr.toString()).div(r.supply.toString()).toFixed(8),
    transferable: r.transferable,
  };
}
