import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/errors.ts';
import { ArweaveHttp } from '../../../src/bridges/arweave/http.ts';

describe('ArweaveHttp (failover, retries, redaction) against loopback servers', () => {
  let server: Server;
  let url: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/ok') return void res.writeHead(200).end('"fine"');
      if (req.url === '/html') return void res.writeHead(200).end('<html>gateway error</html>');
      if (req.url === '/gw/auth') return void res.writeHead(200).end(JSON.stringify(req.headers.authorization ?? null));
      if (req.url === '/pending') return void res.writeHead(202).end('Pending');
      res.writeHead(400).end('Request type not found.');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const client = (urls: string[], attemptsMax = 1): ArweaveHttp => new ArweaveHttp({ urls, timeoutMs: 2_000, attemptsMax, backoffMsBase: 1, backoffMsMax: 5, fetch });

  it('never puts credentials or API-key paths of a URL in an error message', async () => {
    const secretUrl = `http://user:s3cret@127.0.0.1:9/apikey-123`;
    const err = await client([secretUrl]).getText('info').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('SOURCE_UNAVAILABLE');
    expect(JSON.stringify({ m: (err as EngineError).message, d: (err as EngineError).details })).not.toMatch(/s3cret|apikey-123/);
    // fetch refuses credentials in a URL: they reach the gateway as HTTP Basic auth, paths kept.
    const withCreds = url.replace('http://', 'http://user:s3cret@') + '/gw';
    expect(await client([withCreds]).getJson('auth')).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
  });

  it('a 400 from one URL is tried on the next; a non-JSON 200 is a final MALFORMED_RESPONSE; 202 Pending reads as absent', async () => {
    hits.length = 0;
    await expect(client([url, url], 2).getText('nope')).rejects.toThrow(/failed on every URL after 2 round\(s\); last: http:\/\/127\.0\.0\.1:\d+: HTTP 400/);
    expect(hits.length).toBe(4); // 2 URLs × 2 rounds
    await expect(client([url]).getJson('html')).rejects.toThrow(/answered non-JSON "<html>gateway error<\/html>"; expected a JSON document/);
    expect(await client([url]).getJson('pending')).toBeNull();
    expect(await client(['http://127.0.0.1:9', url]).getJson('ok')).toBe('fine');
  });

  it('rejects an empty URL list, a non-http URL and an unbounded retry count as INVALID_CONFIG', () => {
    expect(() => client([])).toThrow(/arweave.urls: empty/);
    expect(() => client(['ftp://x'])).toThrow(/arweave.urls\[0\]: ftp:\/\/x is not an http\(s\) URL/);
    expect(() => new ArweaveHttp({ urls: [url], timeoutMs: 1, attemptsMax: 100, backoffMsBase: 1, backoffMsMax: 1, fetch })).toThrow(/^arweave: attemptsMax 100 must be an integer in 1..21$/);
  });
});
