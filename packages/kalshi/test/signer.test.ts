import { constants, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KalshiKeyError,
  createSigner,
  loadPrivateKey,
  signingMessage,
  signingPath,
} from '../src/auth/index.js';
import { getTestRsaKey } from '../src/testing/keys.js';

function verifies(publicKeyPem: string, message: string, signature: string): boolean {
  return verify(
    'sha256',
    Buffer.from(message),
    {
      key: publicKeyPem,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    },
    Buffer.from(signature, 'base64'),
  );
}

describe('createSigner', () => {
  const key = getTestRsaKey();

  it('signs timestamp + METHOD + path so that crypto.verify accepts it under PSS with a 32-byte salt', () => {
    const signer = createSigner({ keyId: 'key-1', privateKeyPem: key.privateKeyPem });
    const headers = signer.headers({
      method: 'get',
      path: '/trade-api/v2/portfolio/balance',
      timestampMs: 1703123456789,
    });
    expect(headers['KALSHI-ACCESS-KEY']).toBe('key-1');
    expect(headers['KALSHI-ACCESS-TIMESTAMP']).toBe('1703123456789');
    expect(headers['KALSHI-ACCESS-SIGNATURE']).toMatch(/^[A-Za-z0-9+/]{342}==$/);
    expect(
      verifies(
        key.publicKeyPem,
        '1703123456789GET/trade-api/v2/portfolio/balance',
        headers['KALSHI-ACCESS-SIGNATURE'],
      ),
    ).toBe(true);
    expect(
      verifies(key.publicKeyPem, '1703123456789GET/portfolio/balance', headers['KALSHI-ACCESS-SIGNATURE']),
    ).toBe(false);
  });

  it('uses exactly the digest-length salt (a verifier insisting on salt 0 rejects it)', () => {
    const signer = createSigner({ keyId: 'k', privateKeyPem: key.privateKeyPem });
    const sig = signer.signMessage('hello');
    const ok32 = verify(
      'sha256',
      Buffer.from('hello'),
      { key: key.publicKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      Buffer.from(sig, 'base64'),
    );
    const ok0 = verify(
      'sha256',
      Buffer.from('hello'),
      { key: key.publicKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 },
      Buffer.from(sig, 'base64'),
    );
    expect([ok32, ok0]).toEqual([true, false]);
  });

  it('accepts a PKCS#1 PEM and signs the path without its query string', () => {
    const signer = createSigner({ keyId: 'k', privateKeyPem: key.privateKeyPemPkcs1 });
    const headers = signer.headers({
      method: 'DELETE',
      path: 'https://external-api.demo.kalshi.co/trade-api/v2/portfolio/events/orders/abc?subaccount=0#x',
      timestampMs: 5,
    });
    expect(
      verifies(
        key.publicKeyPem,
        '5DELETE/trade-api/v2/portfolio/events/orders/abc',
        headers['KALSHI-ACCESS-SIGNATURE'],
      ),
    ).toBe(true);
  });

  it('rejects a non-integer timestamp', () => {
    const signer = createSigner({ keyId: 'k', privateKeyPem: key.privateKeyPem });
    expect(() => signer.headers({ method: 'GET', path: '/x', timestampMs: 1.5 })).toThrow(RangeError);
  });

  it('keeps the key out of JSON and inspection of the signer', () => {
    const signer = createSigner({ keyId: 'k', privateKeyPem: key.privateKeyPem });
    const body = key.privateKeyPem.split('\n')[1] ?? '';
    expect(JSON.stringify(signer)).not.toContain(body);
    expect(String(Object.values(signer))).not.toContain(body);
  });
});

describe('signingPath / signingMessage', () => {
  it('keeps /trade-api/v2, drops the host, the query and the fragment', () => {
    expect(signingPath('https://external-api.kalshi.com/trade-api/v2/portfolio/orders?limit=5')).toBe(
      '/trade-api/v2/portfolio/orders',
    );
    expect(signingPath('/trade-api/v2/markets?cursor=abc')).toBe('/trade-api/v2/markets');
    expect(signingPath(new URL('wss://external-api-ws.kalshi.com/trade-api/ws/v2'))).toBe('/trade-api/ws/v2');
    expect(
      signingMessage({ method: 'post', path: '/trade-api/v2/portfolio/events/orders', timestampMs: 1 }),
    ).toBe('1POST/trade-api/v2/portfolio/events/orders');
  });
});

describe('loadPrivateKey', () => {
  const key = getTestRsaKey();

  it('loads PKCS#1 and PKCS#8 RSA keys', () => {
    expect(loadPrivateKey(key.privateKeyPem).asymmetricKeyType).toBe('rsa');
    expect(loadPrivateKey(key.privateKeyPemPkcs1).asymmetricKeyType).toBe('rsa');
  });

  it('rejects malformed, public, encrypted and non-RSA keys with a KalshiKeyError that never echoes the PEM', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const encrypted = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'pw' },
      publicKeyEncoding: { format: 'pem', type: 'spki' },
    }).privateKey;
    const truncated = key.privateKeyPem.slice(0, 200) + '\n-----END PRIVATE KEY-----\n';
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['not a key at all', /not PEM/],
      [truncated, /could not be parsed/],
      [key.publicKeyPem, /public key/],
      [encrypted, /encrypted/],
      [ec, /has type ec: Kalshi requires an RSA key/],
    ];
    for (const [pem, message] of cases) {
      let caught: unknown;
      try {
        loadPrivateKey(pem);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(KalshiKeyError);
      const text = `${(caught as Error).message} ${(caught as Error).stack ?? ''}`;
      expect(text).toMatch(message);
      for (const line of pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
        expect(text).not.toContain(line);
      }
    }
  });

  it('rejects an empty key id', () => {
    expect(() => createSigner({ keyId: ' ', privateKeyPem: key.privateKeyPem })).toThrow(KalshiKeyError);
  });
});
