// Opens the configured store and brings its schema up to date.

import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

export type StoreConfig = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

export async function openStore(config: StoreConfig): Promise<Store> {
  let store: Store;
  switch (config.kind) {
    case "sqlite":
      store = await openSqliteStore(config.path);
      break;
    case "postgres":
      store = await openPostgresStore(config.url);
      break;
  }
  try {
    await store.migrate();
  } catch (error: unknown) {
    await store.close();
    throw error;
  }
  return store;
}
