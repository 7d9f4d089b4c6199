import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ArweaveAddress } from '../../address.ts';
import { parseArweaveAddress } from '../../address.ts';
import { EngineError } from '../../errors.ts';
import { parseUnits } from '../../units.ts';

/**
 * A seed file: the initial set of AR holders when the node serves no wallet list (arlocal, a plain
 * gateway). CSV, one `address,winston` per line; an optional header line `address,winston`; blank
 * lines and lines starting with `#` are skipped. The winston column is what the file's author saw;
 * the source re-reads every seeded address at the pinned block, so a stale seed is corrected, and
 * counts how many rows differed (a note in the snapshot). Read line by line, never whole.
 */
export interface SeedRow {
  readonly address: ArweaveAddress;
  readonly winston: bigint;
}

/** A seed larger than this belongs in the full-list path. */
export const MAX_SEED_ROWS = 5_000_000;

export async function readSeedFile(path: string): Promise<SeedRow[]> {
  const rows: SeedRow[] = [];
  const seen = new Set<string>();
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of lines) {
      n++;
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      if (n === 1 && /^address\s*,\s*winston$/i.test(line)) continue;
      const parts = line.split(',');
      if (parts.length !== 2) throw new EngineError('INVALID_CONFIG', `seed ${path}:${n}: ${JSON.stringify(line.slice(0, 80))}; expected "address,winston"`);
      const address = parseArweaveAddress(parts[0]!.trim(), `seed ${path}:${n} address`);
      const winston = parseUnits(parts[1]!.trim(), `seed ${path}:${n} winston`);
      if (seen.has(address)) throw new EngineError('INVALID_CONFIG', `seed ${path}:${n}: address ${address} appears twice`);
      seen.add(address);
      rows.push({ address, winston });
      if (rows.length > MAX_SEED_ROWS) throw new EngineError('LIMIT_EXCEEDED', `seed ${path}: more than ${MAX_SEED_ROWS} rows; use a node that serves the wallet list`);
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw new EngineError('INVALID_CONFIG', `seed ${path}: cannot be read (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  } finally {
    lines.close();
  }
  return rows;
}
