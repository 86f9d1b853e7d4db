import { createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * The RSA key sizes accepted. Kalshi issues 2048-bit keys. Signing cost grows with the cube of
 * the size (a 16,384-bit key takes over a second of CPU per signature on the main thread), so
 * a submitted key is refused by its size before anything is signed with it.
 */
export const MIN_RSA_KEY_BITS = 2048;
export const MAX_RSA_KEY_BITS = 4096;

/** Kalshi signs with RSA-PSS over SHA-256, MGF1(SHA-256), and a 32-byte salt. */
const PSS_HASH = 'sha256';
const PSS_SALT_BYTES = 32;

/** A private key could not be used. The message never contains key material. */
export class KalshiKeyError extends Error {
  override readonly name = 'KalshiKeyError';
}

/**
 * Parses an RSA private key PEM (PKCS#1 "BEGIN RSA PRIVATE KEY" or PKCS#8 "BEGIN PRIVATE
 * KEY"). Node's own parse errors are replaced by our messages so a PEM fragment can never
 * end up in a log through an error.
 */
export function loadPrivateKey(pem: string): KeyObject {
  if (typeof pem !== 'string' || pem.trim() === '') {
    throw new KalshiKeyError('Kalshi private key is empty: expected an RSA private key in PEM format');
  }
  if (!pem.includes('-----BEGIN')) {
    throw new KalshiKeyError(
      // Names the PEM headers without their closing dashes: a full "PRIVATE KEY-----" in an
      // answer or a log line is what the key-leak checks look for.
      'Kalshi private key is not PEM: expected a block that begins "-----BEGIN RSA PRIVATE KEY" or "-----BEGIN PRIVATE KEY"',
    );
  }
  if (pem.includes('ENCRYPTED')) {
    throw new KalshiKeyError('Kalshi private key is encrypted: provide an unencrypted RSA private key PEM');
  }
  if (/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem) || pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new KalshiKeyError(
      'Kalshi private key is a public key or certificate: provide the RSA private key PEM',
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new KalshiKeyError(
      'Kalshi private key could not be parsed: expected an RSA private key PEM (PKCS#1 or PKCS#8)',
    );
  }
  if (key.type !== 'private') {
    throw new KalshiKeyError('Kalshi private key is not a private key');
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    throw new KalshiKeyError(
      `Kalshi private key has type ${key.asymmetricKeyType ?? 'unknown'}: Kalshi requires an RSA key`,
    );
  }
  const details = key.asymmetricKeyDetails ?? {};
  const bits = details.modulusLength;
  if (bits === undefined || bits < MIN_RSA_KEY_BITS || bits > MAX_RSA_KEY_BITS) {
    throw new KalshiKeyError(
      `Kalshi private key is ${bits === undefined ? 'of unknown size' : `${bits} bits`}: ` +
        `expected an RSA key of ${MIN_RSA_KEY_BITS} to ${MAX_RSA_KEY_BITS} bits`,
    );
  }
  // An RSA-PSS key may carry parameters of its own; OpenSSL then refuses to sign with others.
  const isPssCompatible =
    (details.hashAlgorithm === undefined || details.hashAlgorithm === PSS_HASH) &&
    (details.mgf1HashAlgorithm === undefined || details.mgf1HashAlgorithm === PSS_HASH) &&
    (details.saltLength === undefined || details.saltLength <= PSS_SALT_BYTES);
  if (!isPssCompatible) {
    throw new KalshiKeyError(
      'Kalshi private key is an RSA-PSS key restricted to other parameters: Kalshi signs with SHA-256 and a 32-byte salt',
    );
  }
  return key;
}
