import { createPrivateKey, type KeyObject } from 'node:crypto';

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
      'Kalshi private key is not PEM: expected "-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----"',
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
  return key;
}
