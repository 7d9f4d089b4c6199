import { afterEach } from 'vitest';
import { startLocalSolana, type LocalSolana } from '../../../../devnet/solana/local-cluster.ts';

/** 1 SOL in lamports. */
export const SOL = 1_000_000_000n;

/** A 32-byte Arweave address made of one repeated byte (base64url), for registrations. */
export const arweave = (byte: number): string => Buffer.alloc(32, byte).toString('base64url');

/**
 * A fresh local litesvm cluster per call, all stopped after each test of the file that calls this
 * at its top level (it registers that afterEach).
 */
export function localClusters(): () => Promise<LocalSolana> {
  const running: LocalSolana[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });
  return async () => {
    const c = await startLocalSolana();
    running.push(c);
    return c;
  };
}
