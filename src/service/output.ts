/** JSON with bigints as decimal strings: amounts never leave as JS numbers. */
export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

/** Aligned columns; numbers and amounts right-aligned (cells that start with a digit). */
export function printTable(rows: readonly (readonly string[])[], header?: readonly string[]): void {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i > 0 && /^[-0-9]/.test(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  if (header) {
    process.stdout.write(`${line(header)}\n`);
    process.stdout.write(`${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}
