/**
 * Odd private keys for tests. Generating a real 16,384-bit RSA key takes minutes, so keys past
 * the accepted sizes are fabricated: random numbers of the right lengths, not primes. Node loads
 * such a key like any other, and signing with it costs what a real key of that size costs
 * (it just produces a useless signature), which is what a size limit has to be tested against.
 */
import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  type RSAPSSKeyPairKeyObjectOptions,
} from 'node:crypto';

function oddNumber(bytes: number): string {
  const n = randomBytes(bytes);
  n[0] = (n[0] ?? 0) | 0x80; // exactly bytes * 8 bits long
  n[bytes - 1] = (n[bytes - 1] ?? 0) | 1;
  return n.toString('base64url');
}

/** A PKCS#8 PEM whose modulus has exactly `bits` bits (a multiple of 16). */
export function fabricatedRsaKeyPem(bits: number): string {
  const whole = bits / 8;
  const half = bits / 16;
  const key = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'RSA',
      n: oddNumber(whole),
      e: 'AQAB',
      d: oddNumber(whole - 1),
      p: oddNumber(half),
      q: oddNumber(half),
      dp: oddNumber(half - 1),
      dq: oddNumber(half - 1),
      qi: oddNumber(half - 1),
    },
  });
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A real RSA key of `bits` bits (fast below 2048 bits). */
export function smallRsaKeyPem(bits: number): string {
  return generateKeyPairSync('rsa', { modulusLength: bits })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

/** An RSA-PSS key whose own parameters forbid the SHA-256 signatures Kalshi needs. */
export function sha512OnlyPssKeyPem(): string {
  // @types/node types `saltLength` as a string; Node wants a number.
  const options = {
    modulusLength: 2048,
    hashAlgorithm: 'sha512',
    mgf1HashAlgorithm: 'sha512',
    saltLength: 64,
  } as unknown as RSAPSSKeyPairKeyObjectOptions;
  return generateKeyPairSync('rsa-pss', options)
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}
