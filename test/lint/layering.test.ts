import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { TYPE_AWARE_RULES } from '../../eslint.config.js';

/**
 * The layering of docs/DESIGN.md §6 is an ESLint rule (eslint.config.js, eslint-plugin-boundaries):
 * lint each snippet as if it were a file at that path and read which rule fires.
 */
// The snippets are not files, so the type-aware rules (which need the file in the TypeScript
// project) are off here; the layering rules need no types.
const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: Object.fromEntries(TYPE_AWARE_RULES.map((rule) => [rule, 'off'])),
  },
});
async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('the layering rule (docs/DESIGN.md §6)', () => {
  it('fails lint when a source imports the ledger', async () => {
    const found = await ruleIds('src/bridges/arweave/zz.ts', "import { openLedger } from '../../ledger/index.ts';\nexport const x = openLedger;\n");
    expect(found).toEqual([expect.stringMatching(/^boundaries\/dependencies: .*"bridges" to elements of type "ledger"/)]);
  });

  it('fails lint when src/ (any layer, the service included) or the simulations import devnet/', async () => {
    expect(await ruleIds('src/ledger/zz.ts', "import { startLocalAoNode } from '../../devnet/ao-node/index.ts';\nexport const x = startLocalAoNode;\n")).toEqual([
      expect.stringMatching(/"ledger" to elements of type "devnet"/),
    ]);
    expect(await ruleIds('src/service/commands/zz.ts', "import { runDemo } from '../../../devnet/demo.ts';\nexport const x = runDemo;\n")).toEqual([
      expect.stringMatching(/"service" to elements of type "devnet"/),
    ]);
    expect(await ruleIds('simulations/zz.ts', "import { startLocalEthereum } from '../devnet/ethereum/local.ts';\nexport const x = startLocalEthereum;\n")).toEqual([
      expect.stringMatching(/"simulations" to elements of type "devnet"/),
    ]);
  });

  it('lets devnet/ import every layer', async () => {
    expect(await ruleIds('devnet/zz.ts', "import { startService } from '../src/service/service.ts';\nimport { openLedger } from '../src/ledger/index.ts';\nimport { createArweaveSource } from '../src/bridges/arweave/index.ts';\nexport const x = [startService, openLedger, createArweaveSource];\n")).toEqual([]);
  });

  it('fails lint when src/emission imports I/O (fs, pino) or a higher layer', async () => {
    const found = await ruleIds('src/emission/zz.ts', "import { readFileSync } from 'node:fs';\nimport pino from 'pino';\nimport { runCli } from '../service/cli.ts';\nexport const x = [readFileSync, pino, runCli];\n");
    expect(found).toEqual([
      expect.stringMatching(/^no-restricted-imports: 'node:fs' .*pure math/),
      expect.stringMatching(/^no-restricted-imports: 'pino' .*pure math/),
      expect.stringMatching(/"emission" to elements of type "service"/),
    ]);
  });

  it('lets the service wire every layer and the ledger use the emission core', async () => {
    expect(await ruleIds('src/service/zz.ts', "import { openLedger } from '../ledger/index.ts';\nimport { parsePolicyName } from '../emission/index.ts';\nimport type { Source } from '../bridges/types.ts';\nexport const x: [unknown, unknown, Source | null] = [openLedger, parsePolicyName, null];\n")).toEqual([]);
    expect(await ruleIds('src/ledger/zz.ts', "import { mintStep } from '../emission/curve.ts';\nimport { EngineError } from '../errors.ts';\nexport const x = [mintStep, EngineError];\n")).toEqual([]);
  });
});
