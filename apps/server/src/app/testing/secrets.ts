/**
 * Leak detection for tests: does `text` carry any part of a private key? Checking only for the
 * PEM header misses the key body printed on its own, JSON-escaped, base64url-encoded or cut
 * into lines; this looks for every window of the body in each of those forms.
 */
const WINDOW = 24;

function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => !line.startsWith('-----'))
    .join('')
    .replace(/\s+/g, '');
}

/** The places in `text` where part of `pem` shows (empty when none). */
export function findSecretLeaks(text: string, pem: string): string[] {
  const body = pemBody(pem);
  if (body.length < WINDOW) throw new Error('findSecretLeaks needs a real key (its body is too short)');
  const found: string[] = [];
  if (/PRIVATE KEY-----/.test(text)) found.push('a PEM private-key header');
  const haystacks = [
    text,
    text.replace(/\\n|\\r|\s/g, ''), // a PEM split into lines, raw or JSON-escaped
    text.replace(/\\\//g, '/'), // JSON that escaped its slashes
  ];
  const urlSafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_');
  for (let i = 0; i + WINDOW <= body.length; i += WINDOW / 2) {
    const piece = body.slice(i, i + WINDOW);
    if (haystacks.some((h) => h.includes(piece) || h.includes(urlSafe(piece)))) {
      found.push(`key material at offset ${i}`);
      break;
    }
  }
  return found;
}
