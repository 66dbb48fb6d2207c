// The secrets key file (cli/secrets-key.ts): made beside a SQLite database on
// first start and read back the same after, refused when others may read it or
// it is not a key, required and never made for PostgreSQL.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/cli/config.js";
import { loadSecrets } from "../../src/cli/secrets-key.js";

const dir = (): string => mkdtempSync(join(tmpdir(), "ironic-compute-key-"));

describe("the secrets key file", () => {
  it("SQLite without keyFile: secrets.key beside the database, 0600 in a 0700 directory, the same key at the next start", async () => {
    const state = join(dir(), "state");
    const database = { kind: "sqlite" as const, path: join(state, "ironic-compute.sqlite") };
    const first = await loadSecrets(database, undefined);
    const file = join(state, "secrets.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64")).toHaveLength(32);
    const sealed = first.seal("chap", "volume v1 CHAP secret");
    const second = await loadSecrets(database, undefined);
    expect(second.open(sealed, "volume v1 CHAP secret")).toBe("chap");
  });

  it("a keyFile given is read, never made; a missing, readable-by-others or malformed one is refused with what to do", async () => {
    const base = dir();
    const database = { kind: "postgres" as const, url: "postgres://ic@db/ic" };
    const missing = join(base, "missing.key");
    await expect(loadSecrets(database, missing)).rejects.toThrow(new ConfigError(`secrets.keyFile ${missing}: cannot be read (ENOENT)`));
    const open = join(base, "open.key");
    writeFileSync(open, `${Buffer.alloc(32, 7).toString("base64")}\n`, { mode: 0o644 });
    chmodSync(open, 0o644);
    await expect(loadSecrets(database, open)).rejects.toThrow(/readable by others \(mode 644\); chmod 600 it/);
    const short = join(base, "short.key");
    writeFileSync(short, Buffer.alloc(16, 7).toString("base64"), { mode: 0o600 });
    await expect(loadSecrets(database, short)).rejects.toThrow(/not a base64 32-byte key \(create one with: openssl rand -base64 32\)/);
    const good = join(base, "good.key");
    writeFileSync(good, `${Buffer.alloc(32, 9).toString("base64")}\n`, { mode: 0o600 });
    const box = await loadSecrets(database, good);
    expect(box.open(box.seal("pw", "task t1 admin_password"), "task t1 admin_password")).toBe("pw");
  });

  it("PostgreSQL without keyFile is refused: no worker makes a key of its own", async () => {
    await expect(loadSecrets({ kind: "postgres", url: "postgres://ic@db/ic" }, undefined)).rejects.toThrow(/a PostgreSQL database needs it set, to the same key file on every worker/);
  });
});
