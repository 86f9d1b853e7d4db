import { generateKeyPairSync } from 'node:crypto';

export interface TestRsaKey {
  /** PKCS#8 "BEGIN PRIVATE KEY". */
  privateKeyPem: string;
  /** Same key as PKCS#1 "BEGIN RSA PRIVATE KEY". */
  privateKeyPemPkcs1: string;
  /** SPKI "BEGIN PUBLIC KEY", what an exchange registers for the key id. */
  publicKeyPem: string;
}

const cache = new Map<number, TestRsaKey>();

/**
 * A 2048-bit RSA key for tests, generated once per process per slot (key generation is the
 * slow part of signer tests). Use different slots for keys that must differ.
 */
export function getTestRsaKey(slot = 0): TestRsaKey {
  const cached = cache.get(slot);
  if (cached) return cached;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key: TestRsaKey = {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    privateKeyPemPkcs1: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
  cache.set(slot, key);
  return key;
}
