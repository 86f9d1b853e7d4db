import { describe, expect, it } from 'vitest';
import { parseVaultKey, type KeyRing } from '../../app/config.js';
import { CredentialVault, VaultError } from './credentials.vault.js';

const keyA = parseVaultKey(`a:${Buffer.alloc(32, 1).toString('base64')}`, 'A');
const keyB = parseVaultKey(`b:${Buffer.alloc(32, 2).toString('base64')}`, 'B');
const ring = (current: typeof keyA, ...old: (typeof keyA)[]): KeyRing => ({
  current,
  keys: new Map([current, ...old].map((k) => [k.id, k.key])),
});
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
const USER = '0b6f7c2e-0000-5000-8000-000000000001';

describe('CredentialVault', () => {
  it('round-trips a secret and records which key sealed it', () => {
    const vault = new CredentialVault(ring(keyA));
    const sealed = vault.seal(PEM, USER);
    expect(sealed.keyVersion).toBe('a');
    expect(sealed.ciphertext.toString('utf8')).not.toContain('PRIVATE KEY');
    expect(vault.open(sealed, USER)).toBe(PEM);
  });

  it('uses a fresh IV each time', () => {
    const vault = new CredentialVault(ring(keyA));
    expect(vault.seal(PEM, USER).iv.equals(vault.seal(PEM, USER).iv)).toBe(false);
  });

  it('refuses a tampered ciphertext, tag or IV', () => {
    const vault = new CredentialVault(ring(keyA));
    const sealed = vault.seal(PEM, USER);
    const flip = (b: Buffer) => {
      const copy = Buffer.from(b);
      copy[0] = (copy[0] ?? 0) ^ 1;
      return copy;
    };
    expect(() => vault.open({ ...sealed, ciphertext: flip(sealed.ciphertext) }, USER)).toThrow(VaultError);
    expect(() => vault.open({ ...sealed, tag: flip(sealed.tag) }, USER)).toThrow(VaultError);
    expect(() => vault.open({ ...sealed, iv: flip(sealed.iv) }, USER)).toThrow(VaultError);
  });

  it("refuses a ciphertext moved to another user's row (user id is the associated data)", () => {
    const vault = new CredentialVault(ring(keyA));
    const sealed = vault.seal(PEM, USER);
    expect(() => vault.open(sealed, '0b6f7c2e-0000-5000-8000-000000000002')).toThrow(VaultError);
  });

  it('opens old rows with an old key and reseals them under the current one', () => {
    const before = new CredentialVault(ring(keyA));
    const sealed = before.seal(PEM, USER);
    const after = new CredentialVault(ring(keyB, keyA));
    expect(after.open(sealed, USER)).toBe(PEM);
    const resealed = after.reseal(sealed, USER);
    expect(resealed?.keyVersion).toBe('b');
    expect(resealed && after.reseal(resealed, USER)).toBeNull();
    // Once the old key is dropped, only resealed rows remain readable.
    const onlyB = new CredentialVault(ring(keyB));
    expect(resealed && onlyB.open(resealed, USER)).toBe(PEM);
    expect(() => onlyB.open(sealed, USER)).toThrow(/no vault key with id a/);
  });

  it('never puts secret material in its error messages', () => {
    const vault = new CredentialVault(ring(keyA));
    const sealed = vault.seal(PEM, USER);
    try {
      vault.open(sealed, 'someone-else');
    } catch (error) {
      expect(String(error)).not.toContain('PRIVATE');
      expect(String(error)).not.toContain(keyA.key.toString('base64'));
    }
    expect.assertions(2);
  });
});
