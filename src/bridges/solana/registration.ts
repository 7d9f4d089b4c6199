import { PublicKey, SystemProgram, TransactionInstruction } from '@solana/web3.js';
import { parseArweaveAddress, type ArweaveAddress } from '../../address.ts';
import { EngineError } from '../../errors.ts';

/**
 * Recipient registration: a depositor says where the AO earned by their stake goes with a
 * transaction carrying an SPL Memo `ao:<arweave address>` signed by the stake accounts'
 * withdraw authority. The Memo program (v3) refuses any account in its instruction that did not
 * sign, so the signer listed in the memo instruction is proven on chain.
 *
 * So the bridge can find registrations with ONE `getSignaturesForAddress` on a registry address
 * (cost ∝ new registrations, not ∝ depositors), the transaction also carries the registry
 * address as a read-only, non-signer "reference" key — the Solana Pay pattern — on a
 * 0-lamport System transfer from the signer to itself (the System program ignores extra keys,
 * and a 0-lamport transfer moves nothing). The registry address holds nothing and needs no key.
 *
 * A registration applies to every stake account whose withdraw authority is the signer, now and
 * later; a later registration by the same signer replaces it. A memo that is not a valid
 * `ao:<43-char address>` leaves any earlier registration in place and is reported in the
 * snapshot's notes.
 */
export const MEMO_PROGRAM_ID = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr';
export const MEMO_PREFIX = 'ao:';

/** The instructions of a registration transaction (fee payer: anyone; signer: the withdraw authority). */
export function registrationInstructions(withdrawer: PublicKey, registry: PublicKey, memoText: string): TransactionInstruction[] {
  const reference = SystemProgram.transfer({ fromPubkey: withdrawer, toPubkey: withdrawer, lamports: 0 });
  reference.keys.push({ pubkey: registry, isSigner: false, isWritable: false });
  return [
    new TransactionInstruction({
      programId: new PublicKey(MEMO_PROGRAM_ID),
      keys: [{ pubkey: withdrawer, isSigner: true, isWritable: false }],
      data: Buffer.from(memoText, 'utf8'),
    }),
    reference,
  ];
}

export type MemoVerdict =
  | { readonly ok: true; readonly signer: string; readonly recipient: ArweaveAddress }
  | { readonly ok: false; readonly reason: string };

/** One memo instruction of a registry transaction: its UTF-8 text and the keys it lists (all signers, by the Memo program's rule). */
export interface MemoInstruction {
  readonly text: string;
  readonly signers: readonly string[];
}

/** Reads one memo as a registration, or says why it is not one. */
export function parseRegistrationMemo(memo: MemoInstruction): MemoVerdict {
  if (memo.signers.length !== 1) return { ok: false, reason: `memo lists ${memo.signers.length} signers; expected exactly 1 (the withdraw authority)` };
  if (!memo.text.startsWith(MEMO_PREFIX)) return { ok: false, reason: `memo ${JSON.stringify(memo.text.slice(0, 80))} does not start with "${MEMO_PREFIX}"` };
  try {
    const recipient = parseArweaveAddress(memo.text.slice(MEMO_PREFIX.length), 'memo recipient');
    return { ok: true, signer: memo.signers[0]!, recipient };
  } catch (error) {
    if (error instanceof EngineError) return { ok: false, reason: error.message };
    throw error;
  }
}
