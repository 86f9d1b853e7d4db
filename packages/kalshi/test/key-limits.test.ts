/**
 * What the signer accepts: RSA keys of 2048 to 4096 bits that can make Kalshi's RSA-PSS
 * (SHA-256) signatures, and key ids that fit in an HTTP header. Anything else is a
 * KalshiKeyError up front: a 512-bit or a SHA-512-only PSS key used to fail only when signing,
 * a huge key made every signature cost seconds of CPU, and a key id with a newline failed in
 * fetch as if the exchange were unreachable.
 */
import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  type RSAPSSKeyPairKeyObjectOptions,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KalshiKeyError,
  MAX_RSA_KEY_BITS,
  MIN_RSA_KEY_BITS,
  createSigner,
  isValidKeyId,
  loadPrivateKey,
} from '../src/auth/index.js';
import { getTestRsaKey } from '../src/testing/keys.js';

const pkcs8 = (key: { export(options: { type: 'pkcs8'; format: 'pem' }): string | Buffer }) =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Random numbers of the right lengths, not primes: loads like a real key of `bits` bits. */
function fabricatedKeyPem(bits: number): string {
  const odd = (bytes: number) => {
    const n = randomBytes(bytes);
    n[0] = (n[0] ?? 0) | 0x80;
    n[bytes - 1] = (n[bytes - 1] ?? 0) | 1;
    return n.toString('base64url');
  };
  const [whole, half] = [bits / 8, bits / 16];
  return pkcs8(
    createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        n: odd(whole),
        e: 'AQAB',
        d: odd(whole - 1),
        p: odd(half),
        q: odd(half),
        dp: odd(half - 1),
        dq: odd(half - 1),
        qi: odd(half - 1),
      },
    }),
  );
}

interface PssRestriction {
  hashAlgorithm?: string;
  mgf1HashAlgorithm?: string;
  saltLength?: number;
}

/** A PSS key pair; @types/node types `saltLength` as a string, Node wants a number. */
function pssKeyPem(restriction: PssRestriction): string {
  const options = { modulusLength: 2048, ...restriction } as unknown as RSAPSSKeyPairKeyObjectOptions;
  return pkcs8(generateKeyPairSync('rsa-pss', options).privateKey);
}

function keyErrorOf(run: () => unknown): KalshiKeyError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KalshiKeyError);
    return error as KalshiKeyError;
  }
  throw new Error('expected a KalshiKeyError');
}

describe('RSA key size', () => {
  it('accepts 2048 to 4096 bits', () => {
    expect([MIN_RSA_KEY_BITS, MAX_RSA_KEY_BITS]).toEqual([2048, 4096]);
    expect(loadPrivateKey(getTestRsaKey().privateKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(loadPrivateKey(fabricatedKeyPem(4096)).asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(loadPrivateKey(fabricatedKeyPem(3072)).asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it.each([512, 1024, 2032])('refuses a %i-bit key', (bits) => {
    const pem =
      bits === 2032
        ? fabricatedKeyPem(bits)
        : pkcs8(generateKeyPairSync('rsa', { modulusLength: bits }).privateKey);
    expect(keyErrorOf(() => loadPrivateKey(pem)).message).toBe(
      `Kalshi private key is ${bits} bits: expected an RSA key of 2048 to 4096 bits`,
    );
  });

  it.each([4112, 8192, 16_384])('refuses a %i-bit key before any signature is made', (bits) => {
    const pem = fabricatedKeyPem(bits);
    const started = performance.now();
    const error = keyErrorOf(() => createSigner({ keyId: 'key', privateKeyPem: pem }));
    expect(error.message).toBe(
      `Kalshi private key is ${bits} bits: expected an RSA key of 2048 to 4096 bits`,
    );
    // One signature with a 16,384-bit key takes over a second; parsing takes microseconds.
    expect(performance.now() - started).toBeLessThan(250);
  });
});

describe('RSA-PSS keys', () => {
  it('accepts an unrestricted PSS key and one restricted to SHA-256 with a short salt', () => {
    const restrictions: PssRestriction[] = [
      {},
      { hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 },
    ];
    for (const options of restrictions) {
      const pem = pssKeyPem(options);
      expect(createSigner({ keyId: 'key', privateKeyPem: pem }).signMessage('x')).toMatch(
        /^[A-Za-z0-9+/]+=*$/,
      );
    }
  });

  it.each<PssRestriction>([
    { hashAlgorithm: 'sha512', mgf1HashAlgorithm: 'sha512', saltLength: 64 },
    { hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 64 },
  ])('refuses a PSS key restricted to parameters Kalshi does not use (%o)', (options) => {
    const pem = pssKeyPem(options);
    expect(keyErrorOf(() => loadPrivateKey(pem)).message).toMatch(/RSA-PSS key restricted.*SHA-256/);
  });
});

describe('key ids', () => {
  it('accepts visible ASCII up to 128 characters', () => {
    for (const keyId of ['a', 'a5b7c7e2-7c2e-4d56-9a39-1c8f1e0a2b3c', 'x'.repeat(128), '!~{}']) {
      expect(isValidKeyId(keyId)).toBe(true);
      expect(createSigner({ keyId, privateKeyPem: getTestRsaKey().privateKeyPem }).keyId).toBe(keyId);
    }
  });

  it.each(['a\nb', 'a\rb', 'a\u0000b', 'a b', 'clé', '\u{1F600}', 'x'.repeat(129), ''])(
    'refuses %j',
    (keyId) => {
      expect(isValidKeyId(keyId)).toBe(false);
      keyErrorOf(() => createSigner({ keyId, privateKeyPem: getTestRsaKey().privateKeyPem }));
    },
  );
});
