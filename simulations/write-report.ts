import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareOutputDir } from '../src/output-dir.ts';
import { csvFiles } from './csv.ts';
import { delegationCsv } from './delegation.ts';
import { reportHtml } from './report-html.ts';
import { fullResults } from './results.ts';
import type { Simulation } from './simulate.ts';

/**
 * Writes report.html, results.json and the CSV files into `dir` (created if missing; a report of
 * the same scenario there is regenerated, an existing file at `dir` is refused); returns the file names.
 */
export function writeReport(sim: Simulation, dir: string): string[] {
  prepareOutputDir(dir, [], { field: 'out', overwrite: true });
  const results = fullResults(sim);
  const files: Record<string, string> = {
    'results.json': `${JSON.stringify(results, null, 2)}\n`,
    ...csvFiles(results),
    ...(sim.delegation === undefined ? {} : { 'delegation.csv': delegationCsv(sim.delegation) }),
    'report.html': reportHtml(results),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files);
}
