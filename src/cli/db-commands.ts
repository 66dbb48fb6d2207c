// `ironic-compute db backup FILE` and `db restore FILE` (README "Backup and
// restore"): the database named by the service's configuration (--config FILE
// or $IRONIC_COMPUTE_CONFIG, plus IRONIC_COMPUTE_* variables, as `serve` reads it).
// SQLite only: a PostgreSQL database is backed up with PostgreSQL's own tools,
// which the refusal names.
import type { Command } from "commander";
import { CliError } from "./client/errors.js";
import { loadServiceConfig, type ServiceConfig } from "./config.js";

const POSTGRES_HINT =
  "the database is PostgreSQL: back it up with `pg_dump --format=custom --file=FILE DATABASE_URL` (consistent while the service runs) " +
  "and restore it, with every ironic-compute serve stopped, with `pg_restore --clean --if-exists --dbname=DATABASE_URL FILE`";

function sqlitePath(config: ServiceConfig): string {
  if (config.database.kind === "postgres") throw new CliError(POSTGRES_HINT);
  return config.database.path;
}

/** Errors of the store's backup module that are the operator's to fix: one line, exit 1. */
async function asCliErrors<T>(work: () => Promise<T>): Promise<T> {
  const { BackupTargetExistsError, InvalidBackupError, ServiceRunningError } = await import("../store/backup.js");
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidBackupError || error instanceof ServiceRunningError || error instanceof BackupTargetExistsError) {
      throw new CliError(error.message);
    }
    throw error;
  }
}

export function registerDbCommands(program: Command): void {
  const db = program.command("db").description("the service's database: backup and restore (SQLite)");

  db.command("backup <file>")
    .description("copy the database into a new file (0600), consistently, also while the service runs")
    .option("--config <file>", "the service's YAML configuration file")
    .action(async (file: string, options: { config?: string }) => {
      const path = sqlitePath(loadServiceConfig(options.config === undefined ? {} : { file: options.config }));
      const { backupSqlite } = await import("../store/backup.js");
      const status = await asCliErrors(() => backupSqlite(path, file));
      process.stdout.write(`backed up ${path} to ${file} (schema version ${status.databaseVersion})\n`);
    });

  db.command("restore <file>")
    .description("replace the database with a backup (every ironic-compute serve stopped first)")
    .option("--config <file>", "the service's YAML configuration file")
    .action(async (file: string, options: { config?: string }) => {
      const config = loadServiceConfig(options.config === undefined ? {} : { file: options.config });
      const path = sqlitePath(config);
      const { restoreSqlite } = await import("../store/backup.js");
      const status = await asCliErrors(() => restoreSqlite(file, path, config.compute.workerTimeoutMs));
      const upgrade = status.pending.length === 0 ? "" : `; the next start migrates it to ${status.binaryVersion}`;
      process.stdout.write(`restored ${path} from ${file} (schema version ${status.databaseVersion}${upgrade})\n`);
      process.stdout.write(
        "servers created after the backup are not in it: their nodes stay deployed and are listed by `ironic-compute node list --unknown-claims`\n",
      );
    });
}
