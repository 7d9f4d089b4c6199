import type { Command } from 'commander';
import { Decimal } from 'decimal.js';
import { EngineError } from '../../errors.ts';
import { formatAo } from '../../units.ts';
import {
  buildSchedule,
  DEFAULT_GENESIS_MS,
  driftRows,
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
  type DriftRow,
  type Policy,
  type ScheduleRow,
} from '../../emission/index.ts';
import { printTable, writeJson } from '../output.ts';

interface CommonOptions {
  json?: boolean;
  policy: string;
  genesis?: string;
}

const TICK_ARG = /^[0-9]{1,16}$/;
const POLICY_HELP = 'emission law: ao-mainnet (as deployed), ao-announced, ao-mainnet@1 or flat:A/B (the ratio AR:bridges: flat:1/2 gives AR a third)';

export function parseTickArgument(text: string, field = 'tick'): number {
  const tick = TICK_ARG.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(tick) || tick < 1) {
    throw new EngineError('INVALID_TICK', `${field}: ${JSON.stringify(text)} is not a tick; expected a whole number >= 1`);
  }
  return tick;
}

const genesisOf = (opts: { genesis?: string }): number => (opts.genesis === undefined ? DEFAULT_GENESIS_MS : parseInstant(opts.genesis, '--genesis'));

export function describeTick(tick: number, policy: Policy, genesisMs: number) {
  const mint = mintAt(policy.curve, tick);
  const split = splitMint(policy, tick, mint, genesisMs);
  return {
    tick,
    start: toIso(tickStartMs(tick, genesisMs)),
    end: toIso(tickEndMs(tick, genesisMs)),
    mint: mint.toString(),
    supply: supplyAt(policy.curve, tick).toString(),
    remaining: remainingAt(policy.curve, tick).toString(),
    transferable: isTransferable(policy, tick),
    policy: policy.id,
    policyVersion: policy.version,
    split: { ar: split.ar.toString(), bridges: split.bridges.toString() },
  };
}

const percent = (part: bigint, whole: bigint, places = 4): string =>
  whole === 0n ? '-' : `${new Decimal(part.toString()).div(whole.toString()).mul(100).toFixed(places)} %`;

const gateText = (policy: Policy): string => {
  const tick = gateTick(policy);
  return tick === null ? 'never (the curve never mints enough)' : `tick ${tick.toLocaleString('en-US')}`;
};

export function registerEmissionCommands(program: Command): void {
  program
    .command('tick')
    .description('mint, supply and split of one tick')
    .argument('[k]', 'tick number (1 is the first tick after genesis)')
    .option('--at <iso>', 'the tick containing this instant instead of a number')
    .option('--json', 'print JSON')
    .option('--policy <policy>', POLICY_HELP, 'ao-mainnet')
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
        ['transferable', d.transferable ? 'yes' : `no (gate at ${gateText(policy)})`],
        ['policy', policyLabel(policy)],
        ['split AR', formatAo(BigInt(d.split.ar))],
        ['split bridges', formatAo(BigInt(d.split.bridges))],
      ]);
    });

  program
    .command('gate')
    .description('the tick at which AO becomes transferable under the law (ao-mainnet: MintCount 100,000)')
    .option('--json', 'print JSON')
    .option('--policy <policy>', POLICY_HELP, 'ao-mainnet')
    .option('--genesis <iso>', 'genesis instant')
    .action((opts: CommonOptions) => {
      const genesisMs = genesisOf(opts);
      const policy = parsePolicyName(opts.policy, '--policy');
      const tick = gateTick(policy);
      const rule = policy.gate.kind === 'mintCount' ? `mintCount ${policy.gate.count}` : `supplyShare ${policy.gate.share.numerator}/${policy.gate.share.denominator}`;
      const out =
        tick === null
          ? { policy: policyLabel(policy), rule, tick: null, end: null, supply: null, supplyShare: null }
          : {
              policy: policyLabel(policy),
              rule,
              tick,
              end: toIso(tickEndMs(tick, genesisMs)),
              supply: supplyAt(policy.curve, tick).toString(),
              supplyShare: new Decimal(supplyAt(policy.curve, tick).toString()).div('21e18').toFixed(6),
            };
      if (opts.json) return writeJson(out);
      printTable([
        ['policy', out.policy],
        ['rule', rule],
        ['gate tick', out.tick === null ? 'never' : out.tick.toLocaleString('en-US')],
        ['end', out.end ?? '-'],
        ['supply', out.supply === null ? '-' : `${formatAo(BigInt(out.supply))} (${percent(BigInt(out.supply), 21n * 10n ** 18n)})`],
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
    .option('--policy <policy>', POLICY_HELP, 'ao-mainnet')
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
      if (opts.csv) return writeCsv(data);
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

  program
    .command('drift')
    .description('per tick and cumulative: the deployed float64 mint against the exact mint of the same rate, and against the announced law (base units)')
    .requiredOption('--from <k>', 'first tick')
    .requiredOption('--to <k>', 'last tick')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .action((opts: { from: string; to: string; json?: boolean; csv?: boolean }) => {
      if (opts.json && opts.csv) throw new EngineError('INVALID_ARGUMENT', 'drift: --json and --csv are exclusive');
      const rows = [...driftRows(parseTickArgument(opts.from, '--from'), parseTickArgument(opts.to, '--to'))];
      const data = rows.map(driftRowData);
      if (opts.json) return writeJson(data);
      if (opts.csv) return writeCsv(data);
      const shown = rows.length <= 40 ? rows : [...rows.slice(0, 20), ...rows.slice(-20)];
      printTable(
        shown.map((r) => [
          r.tick.toLocaleString('en-US'),
          r.deployed.toString(),
          r.deployedMinusExact.toString(),
          r.cumulativeDeployedMinusExact.toString(),
          r.announced.toString(),
          r.deployedMinusAnnounced.toString(),
          r.cumulativeDeployedMinusAnnounced.toString(),
        ]),
        ['tick', 'deployed mint', 'Δ exact', 'Σ Δ exact', 'announced mint', 'Δ announced', 'Σ Δ announced'],
      );
      const last = rows[rows.length - 1]!;
      const differing = rows.filter((r) => r.deployedMinusExact !== 0n).length;
      if (rows.length > shown.length) process.stdout.write(`(${rows.length - shown.length} rows not shown; --json or --csv for all)\n`);
      process.stdout.write(
        `ticks ${opts.from}..${opts.to}: float64 and exact mints differ on ${differing} of ${rows.length} ticks; at tick ${last.tick} the deployed supply is ${last.cumulativeDeployedMinusExact} units from the exact one and ${formatAo(last.cumulativeDeployedMinusAnnounced)} above the announced law\n`,
      );
    });
}

function writeCsv(data: readonly Record<string, unknown>[]): void {
  if (data.length === 0) return;
  process.stdout.write(`${Object.keys(data[0]!).join(',')}\n`);
  for (const r of data) process.stdout.write(`${Object.values(r).join(',')}\n`);
}

function driftRowData(r: DriftRow) {
  return {
    tick: r.tick,
    deployed: r.deployed.toString(),
    exact: r.exact.toString(),
    announced: r.announced.toString(),
    deployedMinusExact: r.deployedMinusExact.toString(),
    cumulativeDeployedMinusExact: r.cumulativeDeployedMinusExact.toString(),
    deployedMinusAnnounced: r.deployedMinusAnnounced.toString(),
    cumulativeDeployedMinusAnnounced: r.cumulativeDeployedMinusAnnounced.toString(),
  };
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
