// The one implementation of `Store`, over Kysely, shared by SQLite and PostgreSQL:
// composes the repositories in kysely/ (one per table family) and owns what
// spans them — the one-transaction helper, migrations (migrations.ts), closing.
//
// - Every row read back is checked against its record schema (zod); a row that
//   does not fit (garbage JSON, an unknown state, a missing value) throws
//   CorruptRecordError naming the table and the row id, never a half-typed
//   record. Records written are checked against the same schemas (TypeError);
//   times must be canonical ISO-8601 UTC with milliseconds, which is what keeps
//   string comparison of times chronological. See kysely/rows.ts.
// - Unique violations become DuplicateError, except the partial index
//   "one active task per server", which becomes ServerBusyError (kysely/errors.ts).
// - Concurrency (see store.ts): kysely/servers.ts (compare-and-set update) and
//   kysely/tasks.ts (enqueue, lease).
// - Queries are camelCase through CamelCasePlugin (kysely/case.ts); migrations
//   run on the handle without it, so they create exactly the columns they name.

import type { Kysely } from "kysely";
import { actionsRepository } from "./kysely/actions.js";
import { adminAuditRepository } from "./kysely/admin-audit.js";
import { applicationCredentialsRepository } from "./kysely/application-credentials.js";
import { camelCase } from "./kysely/case.js";
import { isChecked, type CheckedStatement, type StoreContext, type TransactionStep } from "./kysely/context.js";
import { flavorsRepository } from "./kysely/flavors.js";
import { imagesRepository } from "./kysely/images.js";
import { keypairsRepository } from "./kysely/keypairs.js";
import { networksRepository, subnetsRepository } from "./kysely/networks.js";
import { portsRepository } from "./kysely/ports.js";
import { projectsRepository } from "./kysely/projects.js";
import { serverGroupsRepository } from "./kysely/server-groups.js";
import { serverTagsRepository } from "./kysely/server-tags.js";
import { quotasRepository } from "./kysely/quotas.js";
import { serversRepository } from "./kysely/servers.js";
import { volumesRepository } from "./kysely/volumes.js";
import { tasksRepository } from "./kysely/tasks.js";
import { tokensRepository } from "./kysely/tokens.js";
import { usersRepository } from "./kysely/users.js";
import { workersRepository } from "./kysely/workers.js";
import { migrateToLatest, schemaStatus, type SchemaStatus } from "./migrations.js";
import type { Database } from "./schema.js";
import type { SecretBox } from "./secret-box.js";
import { sealLegacySecrets } from "./kysely/legacy-secrets.js";
import type { Store } from "./store.js";

export type KyselyStoreOptions =
  | { kind: "postgres" }
  | {
      kind: "sqlite";
      /**
       * Runs compiled statements inside one BEGIN IMMEDIATE … COMMIT, synchronously
       * on the SQLite handle, and returns the last one's rows. Synchronous on purpose: an
       * async transaction would hold the file's write lock across awaits, and a
       * second Store on the same file in this process would then block the event
       * loop in SQLite's busy handler while the holder cannot proceed.
       */
      runImmediate: (queries: readonly CheckedStatement[]) => unknown[];
      /** Sets the handle's busy timeout; undefined: back to the ordinary one. */
      setBusyTimeout: (ms: number | undefined) => void;
    };

/** How long a process starting on SQLite waits for another one's migrations. */
const MIGRATION_LOCK_WAIT_MS = 120_000;

export class KyselyStore implements Store {
  readonly kind: "sqlite" | "postgres";
  /** Without CamelCasePlugin: only the migrator uses it. */
  readonly #unmapped: Kysely<unknown>;
  /** With CamelCasePlugin: every repository query. */
  readonly #db: Kysely<Database>;
  readonly #options: KyselyStoreOptions;
  readonly #context: StoreContext;
  #closed = false;

  readonly projects: Store["projects"];
  readonly users: Store["users"];
  readonly tokens: Store["tokens"];
  readonly applicationCredentials: Store["applicationCredentials"];
  readonly flavors: Store["flavors"];
  readonly images: Store["images"];
  readonly keypairs: Store["keypairs"];
  readonly servers: Store["servers"];
  readonly serverTags: Store["serverTags"];
  readonly serverGroups: Store["serverGroups"];
  readonly volumes: Store["volumes"];
  readonly quotas: Store["quotas"];
  readonly actions: Store["actions"];
  readonly tasks: Store["tasks"];
  readonly workers: Store["workers"];
  readonly adminAudit: Store["adminAudit"];
  readonly networks: Store["networks"];
  readonly subnets: Store["subnets"];
  readonly ports: Store["ports"];

  /** `db` must not carry CamelCasePlugin: the store adds it for its queries. */
  constructor(db: Kysely<unknown>, options: KyselyStoreOptions, secrets: SecretBox) {
    this.#unmapped = db;
    // The one place the camelCase Database type becomes true: with the plugin on.
    this.#db = db.withPlugin(camelCase) as unknown as Kysely<Database>;
    this.#options = options;
    this.kind = options.kind;

    const context: StoreContext = {
      db: this.#db,
      kind: this.kind,
      secrets,
      atomically: (statements) => this.#atomically(statements),
    };
    this.#context = context;
    this.projects = projectsRepository(context);
    this.users = usersRepository(context);
    this.tokens = tokensRepository(context);
    this.applicationCredentials = applicationCredentialsRepository(context);
    this.flavors = flavorsRepository(context);
    this.images = imagesRepository(context);
    this.keypairs = keypairsRepository(context);
    this.servers = serversRepository(context);
    this.serverTags = serverTagsRepository(context);
    this.serverGroups = serverGroupsRepository(context);
    this.volumes = volumesRepository(context);
    this.quotas = quotasRepository(context);
    this.actions = actionsRepository(context);
    this.tasks = tasksRepository(context);
    this.workers = workersRepository(context);
    this.adminAudit = adminAuditRepository(context);
    this.networks = networksRepository(context);
    this.subnets = subnetsRepository(context);
    this.ports = portsRepository(context);
  }

  /** Runs `statements` as one transaction (all of them or none); the last one's rows, camelCase. */
  async #atomically(statements: readonly TransactionStep[]): Promise<unknown[]> {
    const options = this.#options;
    if (options.kind === "sqlite") {
      // Hold Kysely's connection so no Kysely transaction of this Store is open
      // on the handle while BEGIN IMMEDIATE … COMMIT runs synchronously on it.
      // The rows come straight from better-sqlite3, past the plugin: map them here.
      const steps = statements.map((step): CheckedStatement =>
        isChecked(step) ? { query: step.query, check: (rows) => { step.check(camelCase.camelRows(rows)); } } : { query: step, check: () => undefined },
      );
      const rows = await this.#db.connection().execute(() => Promise.resolve(options.runImmediate(steps)));
      return camelCase.camelRows(rows);
    }
    return await this.#db.transaction().execute(async (trx) => {
      let rows: unknown[] = [];
      for (const step of statements) {
        rows = (await trx.executeQuery(isChecked(step) ? step.query : step)).rows;
        if (isChecked(step)) step.check(rows);
      }
      return rows;
    });
  }

  async migrate(): Promise<string[]> {
    const ran = await this.#migrateSchema();
    // Secrets an older version wrote in the clear: sealed now (idempotent).
    await sealLegacySecrets(this.#context);
    return ran;
  }

  async #migrateSchema(): Promise<string[]> {
    const options = this.#options;
    if (options.kind === "postgres") return await migrateToLatest(this.#unmapped);
    // Another process migrating holds the file's write lock for as long as its
    // migrations take: wait for it longer than for an ordinary write.
    options.setBusyTimeout(MIGRATION_LOCK_WAIT_MS);
    try {
      return await migrateToLatest(this.#unmapped);
    } finally {
      options.setBusyTimeout(undefined);
    }
  }

  async viewVersion(): Promise<number | undefined> {
    const row = await this.#db.selectFrom("viewVersion").select("version").where("id", "=", 1).executeTakeFirst();
    // BIGINT: PostgreSQL hands it back as a string.
    return row === undefined ? undefined : Number(row.version);
  }

  async schemaStatus(): Promise<SchemaStatus> {
    return await schemaStatus(this.#unmapped);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }
}
