/**
 * The one form in which a URL reaches a message or a log: scheme, host and port, with `***@` where
 * the URL carried credentials, `/…` where it had a path and `?…` where it had a query. Secrets sit
 * in all three (postgres://user:password@…, Infura's /v3/<key>, ?api-key=…), so none is shown;
 * the host and port are what a person needs to tell endpoints apart. A URL without an authority
 * (sqlite:./data/ao-emission.db) carries none of them and is shown as it is.
 */
export function redactUrl(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:(?!\/\/)/i.test(url)) return url;
  try {
    const u = new URL(url);
    const auth = u.username !== '' || u.password !== '' ? '***@' : '';
    const path = u.pathname !== '' && u.pathname !== '/' ? '/…' : '';
    return `${u.protocol}//${auth}${u.host}${path}${u.search !== '' ? '?…' : ''}`;
  } catch {
    return '<invalid url>';
  }
}

/** Trailing characters that end a sentence or a bracket, not the URL quoted in it. */
const TRAILING = /[).,;:\]]+$/;

/** A text (an error message, a log line, JSON) with every URL in it in redactUrl's form. */
export function redactUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (found) => {
    const tail = TRAILING.exec(found)?.[0] ?? '';
    return redactUrl(found.slice(0, found.length - tail.length)) + tail;
  });
}
