import { join } from 'node:path';
import type { Command } from 'commander';
import { parsePolicyName } from '../../emission/index.ts';
import { loadScenario, progressBar, simulate, summarise, summaryTables, writeReport } from '../../../simulations/index.ts';
import { printTable, writeJson } from '../output.ts';

/**
 * `ao-emission simulate <scenario> [--json] [--out DIR] [--policy LAW]`: runs a scenario file (JSON or YAML),
 * writes report.html, results.json and CSVs to DIR (default ./out/<scenario name>/), and prints a
 * summary table — or, with --json, one JSON object (simulations/results.ts `summarise`) plus
 * `outDir` and `files`. A bad scenario is an INVALID_SCENARIO error naming the field (exit 2).
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('yield/APY simulation of a scenario file: summary, report.html, results.json, CSV')
    .argument('<scenario>', 'scenario file (.json, .yaml or .yml)')
    .option('--json', 'print one JSON object instead of the table')
    .option('--out <dir>', 'output directory (default ./out/<scenario name>/)')
    .option('--policy <policy>', 'emission law, overriding the scenario\'s: ao-mainnet (as deployed), ao-announced, ao-mainnet@1 or flat:A/B (the ratio AR:bridges: flat:1/2 gives AR a third)')
    .action((file: string, opts: { json?: boolean; out?: string; policy?: string }) => {
      const loaded = loadScenario(file);
      const scenario = opts.policy === undefined ? loaded : { ...loaded, policy: parsePolicyName(opts.policy, '--policy') };
      const sweepBar = progressBar('sweep');
      const mcBar = progressBar('monte carlo');
      const sim = simulate(scenario, { onSweepProgress: sweepBar.update, onMonteCarloProgress: mcBar.update });
      sweepBar.stop();
      mcBar.stop();
      const outDir = opts.out ?? join('out', scenario.name);
      const files = writeReport(sim, outDir);
      if (opts.json) return writeJson({ ...summarise(sim), outDir, files });
      const t = summaryTables(sim);
      // Label/value pairs left-aligned (printTable right-aligns numbers, which suits the FDV rows only).
      const width = Math.max(...t.figures.map(([label]) => label.length));
      for (const [label, value] of t.figures) process.stdout.write(`${label.padEnd(width)}  ${value}\n`);
      process.stdout.write('\n');
      printTable(t.rows, t.header);
      process.stdout.write(`\nreport: ${join(outDir, 'report.html')} (with results.json and ${files.filter((f) => f.endsWith('.csv')).join(', ')})\n`);
    });
}
