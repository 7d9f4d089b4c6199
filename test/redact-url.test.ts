import { describe, expect, it } from 'vitest';
import { redactUrl, redactUrls } from '../src/redact-url.ts';

describe('redactUrl: the one form of a URL in messages and logs', () => {
  it('keeps scheme, host and port; replaces credentials, a path and a query, each of which can hold a secret', () => {
    expect(redactUrl('https://me:pw@rpc.example.com/v1?api-key=k')).toBe('https://***@rpc.example.com/…?…');
    expect(redactUrl('https://mainnet.infura.io/v3/0123456789abcdef')).toBe('https://mainnet.infura.io/…');
    expect(redactUrl('postgres://minter:hunter2@db.internal:5432/ao')).toBe('postgres://***@db.internal:5432/…');
    expect(redactUrl('https://user@gw.example:8443')).toBe('https://***@gw.example:8443');
  });

  it('shows a plain endpoint as it is, and a URL without an authority (a SQLite path) unchanged', () => {
    expect(redactUrl('http://127.0.0.1:8899')).toBe('http://127.0.0.1:8899');
    expect(redactUrl('http://127.0.0.1:8899/')).toBe('http://127.0.0.1:8899');
    expect(redactUrl('sqlite:./data/ao-emission.db')).toBe('sqlite:./data/ao-emission.db');
  });

  it('never echoes what it cannot parse', () => {
    expect(redactUrl('http://[not a host')).toBe('<invalid url>');
    expect(redactUrl('hunter2')).toBe('<invalid url>');
  });
});

describe('redactUrls', () => {
  it('redacts every URL quoted in a text and keeps the punctuation around it', () => {
    const text = 'fetch failed (https://k:s3cret@rpc.test/v2/KEY), then "postgres://u:pw@db:5432/ao"; retried http://127.0.0.1:1984.';
    expect(redactUrls(text)).toBe('fetch failed (https://***@rpc.test/…), then "postgres://***@db:5432/…"; retried http://127.0.0.1:1984.');
  });
});
