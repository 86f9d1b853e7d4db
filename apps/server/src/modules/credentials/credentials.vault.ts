/**
 * The credential vault: AES-256-GCM with a versioned key ring (config.ts). Each ciphertext
 * records the id of the key that made it, so rotation can re-encrypt row by row while old
 * rows stay readable; the owner's user id is the associated data, so a ciphertext moved to
 * another user's row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One AES-256 key of the credential vault's key ring. */
export interface VaultKey {
  id: string;
  key: Buffer;
}

export interface KeyRing {
  /** New ciphertexts are written under this key. */
  current: VaultKey;
  /** Every key that can decrypt (current first). */
  keys: ReadonlyMap<string, Buffer>;
}

export interface SealedSecret {
  keyVersion: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export class VaultError extends Error {
  override readonly name = 'VaultError';
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CredentialVault {
  constructor(private readonly ring: KeyRing) {}

  get currentKeyVersion(): string {
    return this.ring.current.id;
  }

  seal(plaintext: string, userId: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.ring.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(userId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyVersion: this.ring.current.id, iv, tag: cipher.getAuthTag(), ciphertext };
  }

  /** Throws VaultError (never with secret material in the message) when it cannot decrypt. */
  open(sealed: SealedSecret, userId: string): string {
    const key = this.ring.keys.get(sealed.keyVersion);
    if (key === undefined) {
      throw new VaultError(
        `no vault key with id ${sealed.keyVersion} is configured (see ENCRYPTION_OLD_KEYS)`,
      );
    }
    if (sealed.tag.length !== TAG_BYTES) throw new VaultError('ciphertext tag has the wrong length');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(userId, 'utf8'));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError('ciphertext failed authentication (tampered, wrong key, or wrong owner)');
    }
  }

  /** Re-encrypts under the current key; returns null when it already is. */
  reseal(sealed: SealedSecret, userId: string): SealedSecret | null {
    if (sealed.keyVersion === this.ring.current.id) return null;
    return this.seal(this.open(sealed, userId), userId);
  }
}
