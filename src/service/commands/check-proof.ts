import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EngineError } from '../../errors.ts';
import { redactUrl } from '../../redact-url.ts';

/**
 * `ao-emission audit check-proof [file]`: a Merkle proof (the JSON `audit proof` prints) checked
 * against a root the holder trusts — never the file's own root, which a forger writes too. The
 * root comes from exactly one of: `--root` (given on the command line), `--database` (the
 * settlement's tree recomputed from the ledger), or `--published --owner` (the settlement record
 * that owner published on Arweave). The answer says which was used.
 */
interface CheckProofOptions {
  root?: string;
  database?: string;
  published?: boolean;
  owner?: string;
  gateway: string;
}

interface TrustedRoot {
  readonly root: string;
  readonly source: string;
}

const HEX32 = /^0x[0-9a-f]{64}$/;

function readProof(file: string | undefined): { settlementId?: unknown; root?: unknown; leaf?: unknown; proof?: unknown } {
  let text: string;
  try {
    text = readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new EngineError('INVALID_ARGUMENT', `check-proof: cannot read ${JSON.stringify(file ?? 'stdin')} (${(error as Error).message.split('\n')[0]})`);
  }
  try {
    return JSON.parse(text) as ReturnType<typeof readProof>;
  } catch {
    throw new EngineError('INVALID_ARGUMENT', `check-proof: ${JSON.stringify(file ?? 'stdin')} is not JSON; expected {settlementId, root, leaf, proof} as printed by audit proof`);
  }
}

function settlementIdOf(p: { settlementId?: unknown }, from: string): string {
  if (typeof p.settlementId !== 'string' || p.settlementId.length === 0) throw new EngineError('INVALID_ARGUMENT', `check-proof: the proof names no settlementId; ${from} needs it to find the root`);
  return p.settlementId;
}

async function trustedRoot(p: { settlementId?: unknown }, opts: CheckProofOptions): Promise<TrustedRoot> {
  const given = [opts.root !== undefined && '--root', opts.database !== undefined && '--database', opts.published === true && '--published'].filter((g): g is string => g !== false);
  if (given.length !== 1) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `check-proof: ${given.length === 0 ? 'give the root to check against' : `${given.join(' and ')} exclude each other; give one root`}: --root <0x…>, --database <url> (the ledger's tree) or --published --owner <address> (the record published on Arweave); the file's own root is not evidence`,
    );
  }
  if (opts.root !== undefined) {
    if (!HEX32.test(opts.root)) throw new EngineError('INVALID_ARGUMENT', `--root: ${JSON.stringify(opts.root)} is not 0x + 64 lowercase hex digits`);
    return { root: opts.root, source: 'the root given with --root' };
  }
  const settlementId = settlementIdOf(p, given[0]!);
  if (opts.database !== undefined) {
    const [{ openLedger }, { settlementTree }] = await Promise.all([import('../../ledger/index.ts'), import('../../ledger/audit/index.ts')]);
    const ledger = await openLedger({ url: opts.database });
    try {
      return { root: (await settlementTree(ledger.db, settlementId)).root, source: `the ledger ${redactUrl(opts.database)} (settlement ${settlementId})` };
    } finally {
      await ledger.close();
    }
  }
  if (opts.owner === undefined) throw new EngineError('INVALID_ARGUMENT', '--published: give --owner <address> (whose published records count)');
  const [{ arweaveClient }, { publishedRoots }] = await Promise.all([import('./audit.ts'), import('../published-roots.ts')]);
  const records = await publishedRoots(arweaveClient(opts.gateway), opts.owner, settlementId);
  const roots = [...new Set(records.map((r) => r.root))];
  if (roots.length === 0) throw new EngineError('NOT_FOUND', `check-proof: ${opts.owner} has published no record of settlement ${settlementId} on ${opts.gateway}`);
  if (roots.length > 1) throw new EngineError('AUDIT_MISMATCH', `check-proof: ${opts.owner} published ${roots.length} different roots for settlement ${settlementId} (transactions ${records.map((r) => r.txId).join(', ')})`);
  return { root: roots[0]!, source: `the record ${opts.owner} published on ${opts.gateway} (transaction ${records.map((r) => r.txId).join(', ')})` };
}

export function registerCheckProofCommand(audit: Command): void {
  audit
    .command('check-proof [file]')
    .description('Verify a proof (the JSON printed by `audit proof`, from a file or stdin) against a trusted root: --root, --database or --published --owner; exit 0 if it holds, 1 if not')
    .option('--root <hex>', 'the settlement root to check against (0x + 64 hex digits), e.g. from a published record')
    .option('--database <url>', "check against the settlement's tree in this ledger (sqlite:<path> or postgres://…)")
    .option('--published', 'check against the record of the settlement published on Arweave (with --owner)')
    .option('--owner <address>', 'the publisher whose record counts (--published)')
    .option('--gateway <url>', 'Arweave gateway for --published', 'https://arweave.net')
    .action(async (file: string | undefined, opts: CheckProofOptions) => {
      const p = readProof(file);
      const trusted = await trustedRoot(p, opts);
      const { checkProof } = await import('../../ledger/audit/index.ts');
      if (!checkProof({ root: trusted.root, leaf: p.leaf, proof: p.proof })) {
        const differs = p.root !== trusted.root ? ` (the file claims root ${String(p.root)})` : '';
        throw new EngineError('AUDIT_MISMATCH', `check-proof: leaf ${JSON.stringify(p.leaf)} and its proof do not hash to root ${trusted.root} from ${trusted.source}${differs}`);
      }
      process.stdout.write(`ok: ${JSON.stringify(p.leaf)} is in the tree with root ${trusted.root}, checked against ${trusted.source}\n`);
    });
}
