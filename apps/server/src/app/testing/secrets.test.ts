import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findSecretLeaks } from './secrets.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const body = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));

describe('findSecretLeaks (so that "no private key" assertions can fail)', () => {
  it('finds nothing in text that carries no part of the key', () => {
    expect(findSecretLeaks('data: {"type":"snapshot","positions":[]}\n\n', pem)).toEqual([]);
  });

  it('finds the whole PEM, raw or inside an SSE JSON line', () => {
    expect(findSecretLeaks(`log: ${pem}`, pem)).not.toEqual([]);
    expect(findSecretLeaks(`data: ${JSON.stringify({ type: 'error', message: pem })}\n\n`, pem)).not.toEqual(
      [],
    );
  });

  it('finds the key body without its header, one line of it, or cut across lines', () => {
    expect(findSecretLeaks(`{"msg":"${body.slice(3, 6).join('')}"}`, pem)).not.toEqual([]);
    expect(findSecretLeaks(`key line: ${body[10] ?? ''}`, pem)).not.toEqual([]);
    expect(findSecretLeaks(JSON.stringify(body.slice(4, 7).join('\n')), pem)).not.toEqual([]);
  });

  it('finds the body in base64url form', () => {
    const urlSafe = body.join('').replace(/\+/g, '-').replace(/\//g, '_');
    expect(findSecretLeaks(urlSafe.slice(100, 200), pem)).not.toEqual([]);
  });
});
