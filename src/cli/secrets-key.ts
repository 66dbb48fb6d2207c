// The key that seals the secrets the database keeps (store/secret-box.ts): a
// file of its own, beside the database for SQLite, given explicitly for
// PostgreSQL (every worker must read the same key, so none may make its own).
//
// The file holds the 32-byte key in base64 (`openssl rand -base64 32`); it must
// be readable by its owner only, as ssh insists for private keys.

import { constants } from "node:fs";
import { mkdir, open, readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { SecretBox } from "../store/secret-box.js";
import type { StoreConfig } from "../store/open.js";
import { ConfigError } from "./config.js";

/** Where the key is when `secrets.keyFile` is not set: beside a SQLite database; PostgreSQL needs it set. */
export function defaultKeyFile(database: StoreConfig): string | undefined {
  return database.kind === "sqlite" ? join(dirname(database.path), "secrets.key") : undefined;
}

const isMemory = (database: StoreConfig): boolean => database.kind === "sqlite" && (database.path === ":memory:" || database.path === "");

/**
 * The service's SecretBox: from `keyFile` (which must exist), or from the default
 * file beside a SQLite database (created on first start, 0600).
 */
export async function loadSecrets(database: StoreConfig, keyFile: string | undefined): Promise<SecretBox> {
  if (keyFile === undefined && isMemory(database)) return SecretBox.ephemeral();
  const path = keyFile ?? defaultKeyFile(database);
  if (path === undefined) {
    throw new ConfigError("secrets.keyFile: a PostgreSQL database needs it set, to the same key file on every worker (create one with: openssl rand -base64 32 > FILE; chmod 600 FILE)");
  }
  if (keyFile === undefined) await createKeyFile(path);
  return SecretBox.fromKey(await readKeyFile(path));
}

async function createKeyFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let handle;
  try {
    handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
    throw error;
  }
  try {
    await handle.writeFile(`${SecretBox.generateKey().toString("base64")}\n`);
  } finally {
    await handle.close();
  }
}

async function readKeyFile(path: string): Promise<Buffer> {
  let mode: number;
  let text: string;
  try {
    mode = (await stat(path)).mode;
    text = await readFile(path, "utf8");
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES") throw new ConfigError(`secrets.keyFile ${path}: cannot be read (${code})`);
    throw error;
  }
  if ((mode & 0o077) !== 0) throw new ConfigError(`secrets.keyFile ${path}: readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32 || key.toString("base64") !== text.trim()) {
    throw new ConfigError(`secrets.keyFile ${path}: not a base64 32-byte key (create one with: openssl rand -base64 32)`);
  }
  return key;
}
