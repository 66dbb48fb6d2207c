// Opens the configured store and brings its schema up to date.

import { openSqliteStore } from "./sqlite.js";
import type { SecretBox } from "./secret-box.js";
import type { Store } from "./store.js";

export type StoreConfig = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/**
 * `secrets` seals the secrets rows keep (secret-box.ts): the service passes its
 * key file's; left out, a key of this process only (tests, benches).
 */
export async function openStore(config: StoreConfig, secrets?: SecretBox): Promise<Store> {
  let store: Store;
  const options = secrets === undefined ? {} : { secrets };
  switch (config.kind) {
    case "sqlite":
      store = await openSqliteStore(config.path, options);
      break;
    case "postgres": {
      // Loaded only for PostgreSQL: pg and its pool cost a SQLite service ~5 MiB (bench/memory.ts).
      const { openPostgresStore } = await import("./postgres.js");
      store = await openPostgresStore(config.url, options);
      break;
    }
  }
  try {
    await store.migrate();
  } catch (error: unknown) {
    await store.close();
    throw error;
  }
  return store;
}
