import { ArweaveSigner, createData } from '@dha-team/arbundles';
import type { AoClient, AoResultIn, ArweaveJwk } from '../../src/ledger/delivery/ao/index.ts';

/**
 * An AoClient that signs ANS-104 data items with arbundles and speaks the local AO node's HTTP
 * interface itself (devnet/ao-node/README.md), for the simulator: aoconnect's signer admits 100 signatures
 * per key per wall-clock minute (ao-core-libs' CRYPTO_RATE_LIMIT_EXCEEDED), and 200 seeds sign
 * thousands. aoconnect against the same node is exercised by test/ledger/delivery/ao/writer.test.ts. Like
 * aoconnect, a result the CU does not know comes back as `{ error }`, and an MU refusal throws
 * "<status>: <body>".
 */
export function nodeHttpClient(url: string, jwk: ArweaveJwk): AoClient {
  const signer = new ArweaveSigner(jwk as never);
  const json = async (res: Response): Promise<AoResultIn> => {
    if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
    return (await res.json()) as AoResultIn;
  };
  return {
    async message({ process, tags, data }) {
      const item = createData(data, signer, {
        target: process,
        tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' }, { name: 'Type', value: 'Message' }, ...tags],
      });
      await item.sign(signer);
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(item.getRaw()) });
      if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
      return item.id;
    },
    async result({ message, process }) {
      const res = await fetch(`${url}/result/${encodeURIComponent(message)}?process-id=${encodeURIComponent(process)}`);
      if (res.status === 404) return { error: ((await res.json()) as { error: string }).error };
      return json(res);
    },
    async dryrun({ process, tags, data }) {
      const body = JSON.stringify({ Target: process, Tags: tags, ...(data !== undefined && { Data: data }) });
      return json(await fetch(`${url}/dry-run?process-id=${encodeURIComponent(process)}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }));
    },
  };
}
