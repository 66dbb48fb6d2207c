// Secrets the service must keep in order to use them later — an iSCSI volume's
// CHAP secret (written to Ironic at every deploy), an admin or rescue password
// while its task runs (a resumed task needs it) — are sealed before they reach
// the database: AES-256-GCM under a key that lives in its own file, never in the
// database. A copy of the database alone (a backup, a dump, a disk image of its
// directory without the key) carries no usable secret.
//
// Each sealed value is bound to where it belongs (`context`, e.g. the volume's
// id) as GCM's additional data, so a sealed value copied into another row does
// not open there. Values written before sealing existed (no prefix) are read as
// they are, and sealed when the store is next opened (kysely/legacy-secrets.ts).
//
// AES-GCM of a few dozen bytes takes microseconds: it stays on the event loop.

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** What every sealed value starts with (the legacy pass finds the others by it). */
export const SEALED_PREFIX = "sealed:v1:";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that does not open: another key, another row, or damage. */
export class SecretBoxError extends Error {
  override readonly name = "SecretBoxError";
}

export class SecretBox {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /** `key`: 32 bytes (a key file's content, see cli/secret-key.ts). */
  static fromKey(key: Uint8Array): SecretBox {
    if (key.length !== KEY_BYTES) throw new SecretBoxError(`a secrets key is ${KEY_BYTES} bytes, not ${key.length}`);
    return new SecretBox(Buffer.from(key));
  }

  /**
   * A key that lives as long as this process: for stores whose secrets need not
   * outlive it (tests, benches). The service itself always passes its key file.
   */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(KEY_BYTES));
  }

  static generateKey(): Buffer {
    return randomBytes(KEY_BYTES);
  }

  static isSealed(value: string): boolean {
    return value.startsWith(SEALED_PREFIX);
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  /** The plain value; a value without the prefix was stored before sealing and is returned as it is. */
  open(stored: string, context: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const raw = Buffer.from(stored.slice(SEALED_PREFIX.length), "base64");
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError(`the sealed secret of ${context} is damaged`);
    const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      // GCM's tag check is the only failure here: say what it means for an operator.
      throw new SecretBoxError(`the sealed secret of ${context} does not open with this service's secrets key (a different key file, or a value moved from another row)`);
    }
  }
}
