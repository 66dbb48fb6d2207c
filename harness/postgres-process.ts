// Runs a REAL PostgreSQL (Debian's server binaries) on loopback for tests: a
// fresh cluster in a temp dir, one generated login role and database, trust auth
// for that role on 127.0.0.1 only. Nothing here is used by the product itself.
//
// Speed over durability: the cluster is throw-away, so initdb runs with --no-sync
// and the server with fsync=off, synchronous_commit=off, full_page_writes=off
// (a crash may lose or corrupt it; we never reuse one). Start-up takes 1-1.5 s
// on an idle machine (initdb ~0.8 s, server start, CREATE DATABASE), ~3 s under load.
//
// PostgreSQL refuses to run as root, so initdb and the server run as the
// `postgres` system user (setpriv, which execs rather than forks), with the temp
// dir chowned to it. The unix socket lives in that 0700 dir, so only root and
// `postgres` can reach it; the bootstrap superuser may connect only there.
//
// No stray processes, in every way our process can end:
// - stop(): SIGQUIT to the postmaster ("immediate shutdown": it SIGQUITs its
//   children, SIGKILLs any left after 5 s, removes its shared memory and exits
//   only once they are all gone); SIGKILL to its process group after 10 s.
// - SIGINT/SIGTERM of our process: shutdown-registry calls stop().
// - process.exit(): the 'exit' hook sends SIGQUIT and waits (synchronously, up
//   to 5 s) for the postmaster to go, then SIGKILLs what is left and removes the dir.
// - SIGKILL of our process (no hook runs): the postmaster is started with
//   PR_SET_PDEATHSIG=SIGQUIT (setpriv --pdeathsig, set after the uid change,
//   which would otherwise clear it, and kept across exec), so the kernel asks it
//   for an immediate shutdown when we die; a tiny sh between setpriv and exec
//   checks that its parent is still us, closing the race where we died before
//   the prctl. The temp dir stays behind in that case (nobody is left to remove it).
// Postmaster children call setsid(), so they are NOT in the postmaster's process
// group: it is the postmaster's own shutdown that takes them down, which is why
// we ask it (SIGQUIT) rather than kill it. test/store/postgres.test.ts checks
// with /proc that stop() and a SIGKILLed parent leave no postgres process.
// Caveat (as for Ironic): PDEATHSIG fires when the spawning *thread* ends; start
// PostgreSQL from the main thread.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { aptInstall, sharedAttempt } from "../src/dev/apt-install.js";
import { exitsWithin, signalGroup, trackChild } from "../src/dev/child-process.js";
import { freeLoopbackPort } from "../src/dev/free-port.js";
import { registerForShutdown } from "../src/dev/shutdown-registry.js";

export interface PostgresOptions {
  startTimeoutMs?: number; // default 60_000
}

export interface RunningPostgres {
  /** postgres://ROLE@127.0.0.1:PORT/DATABASE (trust auth, no password). */
  url: string;
  port: number;
  user: string;
  database: string;
  dir: string;
  /** The postmaster's pid. */
  pid: number;
  /** The server's stderr (its log) goes here. */
  logFile: string;
  /** Creates another empty database owned by `user`; returns its URL. */
  createDatabase(): Promise<string>;
  /** Immediate shutdown, SIGKILL after 10 s; removes dir. Idempotent. */
  stop(): Promise<void>;
}

const PG_LIB = "/usr/lib/postgresql";
const SYSTEM_USER = "postgres";
const BOOTSTRAP_SUPERUSER = "postgres";
const STOP_GRACE_MS = 10_000;
const EXIT_HOOK_WAIT_MS = 5_000;
const POLL_INTERVAL_MS = 25;
const PORT_ATTEMPTS = 3;

// Runs as `postgres`, after setpriv's prctl: refuse to start if our parent (the
// Node process, pid in $1) is already gone, then become the postmaster.
const PARENT_CHECK = 'test "$PPID" = "$1" || { echo "parent process is gone; not starting" >&2; exit 70; }; shift; exec "$@"';

/** The bin dir of the newest installed PostgreSQL; installs Debian's package if root. */
export const ensurePostgresInstalled: () => Promise<string> = sharedAttempt(install);

function installedBinDir(): string | undefined {
  if (!existsSync(PG_LIB)) return undefined;
  const versions = readdirSync(PG_LIB)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(PG_LIB, name, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  const newest = versions[0];
  return newest === undefined ? undefined : join(PG_LIB, newest, "bin");
}

async function install(): Promise<string> {
  const found = installedBinDir();
  if (found !== undefined && systemUserIds() !== undefined) return found;
  await aptInstall("postgresql", `ls ${PG_LIB}/*/bin/postgres >/dev/null 2>&1`, "postgres-install");
  const bin = installedBinDir();
  if (bin === undefined || systemUserIds() === undefined) {
    throw new Error(`apt-get finished but no usable PostgreSQL under ${PG_LIB} (or no "${SYSTEM_USER}" user)`);
  }
  return bin;
}


function systemUserIds(): { uid: number; gid: number } | undefined {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${SYSTEM_USER}:`));
  const fields = line?.split(":");
  if (fields === undefined) return undefined;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/** argv prefix that runs a command as the postgres system user, with PDEATHSIG. */
function asPostgres(deathSignal: "KILL" | "QUIT"): string[] {
  return [
    "setpriv",
    `--pdeathsig=${deathSignal}`,
    `--reuid=${SYSTEM_USER}`,
    `--regid=${SYSTEM_USER}`,
    "--init-groups",
    "--",
  ];
}

function childEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    HOME: dir,
    TMPDIR: dir,
  };
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<RunningPostgres> {
  const bin = await ensurePostgresInstalled();
  const ids = systemUserIds();
  if (ids === undefined) throw new Error(`no "${SYSTEM_USER}" system user`);
  if (process.getuid?.() !== 0) {
    throw new Error("startPostgres needs root (it runs PostgreSQL as the postgres system user)");
  }
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  const dir = await mkdtemp(join(tmpdir(), "ironic-compute-pg-"));
  try {
    const dataDir = join(dir, "data");
    const socketDir = join(dir, "socket");
    await mkdir(socketDir, { mode: 0o700 });
    await chown(dir, ids.uid, ids.gid);
    await chown(socketDir, ids.uid, ids.gid);
    await initdb(bin, dir, dataDir);

    const suffix = randomBytes(6).toString("hex");
    const user = `ic_${suffix}`;
    const database = `ic_${suffix}`;
    // Only these two lines: the bootstrap superuser over the private socket, the
    // generated role (to its databases) over IPv4 loopback. Nothing else connects.
    await writeFile(
      join(dataDir, "pg_hba.conf"),
      `local all ${BOOTSTRAP_SUPERUSER} trust\nhost all ${user} 127.0.0.1/32 trust\n`,
    );

    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      try {
        return await launch({ bin, dir, dataDir, socketDir, port, user, database, deadline });
      } catch (error: unknown) {
        if (!(error instanceof PostgresStartError && error.portInUse && attempt < PORT_ATTEMPTS)) throw error;
      }
    }
  } catch (error: unknown) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

class PostgresStartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
    this.name = "PostgresStartError";
  }
}

function initdb(bin: string, dir: string, dataDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      asPostgres("KILL")[0] ?? "setpriv",
      [
        ...asPostgres("KILL").slice(1),
        join(bin, "initdb"),
        `--pgdata=${dataDir}`,
        `--username=${BOOTSTRAP_SUPERUSER}`,
        "--auth=trust", // replaced by our pg_hba.conf before the server starts
        "--encoding=UTF8",
        "--no-locale", // C collation: byte order, like SQLite
        "--no-sync", // throw-away cluster
        "--no-instructions",
      ],
      { cwd: dir, env: childEnv(dir), timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error === null) resolve();
        else reject(new Error(`initdb failed: ${error.message}\n${stderr}`));
      },
    );
  });
}

interface LaunchInput {
  bin: string;
  dir: string;
  dataDir: string;
  socketDir: string;
  port: number;
  user: string;
  database: string;
  deadline: number;
}

async function launch(input: LaunchInput): Promise<RunningPostgres> {
  const { bin, dir, dataDir, socketDir, port, user, database } = input;
  const logFile = join(dir, "postgres.log");
  const logFd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    const [command = "setpriv", ...prefix] = asPostgres("QUIT");
    child = spawn(
      command,
      [
        ...prefix,
        "/bin/sh",
        "-c",
        PARENT_CHECK,
        "sh",
        String(process.pid),
        join(bin, "postgres"),
        "-D",
        dataDir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        `port=${port}`,
        "-c",
        `unix_socket_directories=${socketDir}`,
        // Test speed: no durability (see the header).
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "shared_buffers=32MB",
        "-c",
        "max_connections=100",
        "-c",
        "jit=off",
        "-c",
        "logging_collector=off",
      ],
      {
        cwd: dir,
        env: childEnv(dir),
        stdio: ["ignore", logFd, logFd],
        detached: true, // own process group (setpriv/sh/postmaster are one pid)
      },
    );
  } finally {
    closeSync(logFd);
  }
  const tracked = await trackChild(child, "PostgreSQL");
  const { pid, exited } = tracked;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      child.ref();
      if (tracked.exitInfo() === undefined) {
        signalProcess(pid, "SIGQUIT");
        if (!(await exitsWithin(exited, STOP_GRACE_MS))) signalGroup(pid, "SIGKILL");
        await exited;
      }
      signalGroup(pid, "SIGKILL");
      unregister();
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const unregister = registerForShutdown({
    stop,
    killNow: () => {
      if (tracked.exitInfo() === undefined) {
        signalProcess(pid, "SIGQUIT");
        if (!waitGoneSync(pid, EXIT_HOOK_WAIT_MS)) signalGroup(pid, "SIGKILL");
      }
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (error: unknown) {
        // Boundary: an exception thrown from an 'exit' listener would replace the
        // process's exit code; report instead.
        process.stderr.write(`could not remove ${dir}: ${String(error)}\n`);
      }
    },
  });

  // Ready = the bootstrap superuser can connect over the socket; then create the
  // test role and its database.
  for (;;) {
    if (tracked.exitInfo() !== undefined) {
      unregister();
      const tail = await logTail(logFile);
      throw new PostgresStartError(
        `PostgreSQL exited during start-up (${tracked.exitInfo() ?? "?"}); end of its log:\n${tail}`,
        /could not bind|Address already in use/.test(tail),
      );
    }
    if (await setUp(socketDir, port, user, database)) break;
    if (Date.now() > input.deadline) {
      const tail = await logTail(logFile);
      await stop();
      throw new PostgresStartError(`PostgreSQL did not accept connections in time; end of its log:\n${tail}`, false);
    }
    await Promise.race([exited, sleep(POLL_INTERVAL_MS)]);
  }

  child.unref();
  const urlOf = (name: string): string => `postgres://${user}@127.0.0.1:${port}/${name}`;
  const url = urlOf(database);
  let databases = 0;
  const createDatabase = async (): Promise<string> => {
    const name = `${database}_${++databases}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return urlOf(name);
  };
  return { url, port, user, database, dir, pid, logFile, createDatabase, stop };
}

/** False while the server does not accept connections yet; throws on SQL errors. */
async function setUp(socketDir: string, port: number, user: string, database: string): Promise<boolean> {
  const client = new pg.Client({ host: socketDir, port, user: BOOTSTRAP_SUPERUSER, database: "postgres" });
  client.on("error", () => {
    // Boundary: a connection dropped while starting up is reported by connect()
    // or query() below; this listener only stops it from crashing the process.
  });
  try {
    await client.connect();
  } catch (error: unknown) {
    // ENOENT/ECONNREFUSED before the socket exists; 57P03 "the database system is
    // starting up": not ready yet.
    const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
    if (code === "ENOENT" || code === "ECONNREFUSED" || code === "57P03") return false;
    throw error;
  }
  try {
    await client.query(`CREATE ROLE "${user}" LOGIN CREATEDB`);
    await client.query(`CREATE DATABASE "${database}" OWNER "${user}"`);
    return true;
  } finally {
    await client.end();
  }
}


/** For the synchronous 'exit' hook: true once `pid` has exited (a zombie counts:
 * it is our unreaped child) or is gone. */
function waitGoneSync(pid: number, ms: number): boolean {
  const until = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < until) {
    if (!isRunning(pid)) return true;
    Atomics.wait(pause, 0, 0, 10);
  }
  return !isRunning(pid);
}

/** Whether `pid` exists and is not a zombie (reads /proc, Linux only). */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error: unknown) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return false;
    throw error;
  }
  // "pid (comm) S ...": the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** Pids whose parent is `pid` (from /proc), e.g. the postmaster's children. */
export function childPids(pid: number): number[] {
  const result: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch (error: unknown) {
      // The process ended while we were listing: not a child any more.
      if (error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ESRCH")) continue;
      throw error;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === pid) result.push(Number(entry));
  }
  return result;
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error: unknown) {
    if (!(error instanceof Error && "code" in error && error.code === "ESRCH")) throw error;
  }
}


async function logTail(logFile: string): Promise<string> {
  const text = await readFile(logFile, "utf8").catch((error: unknown) => `(cannot read log: ${String(error)})`);
  return text.trimEnd().split("\n").slice(-40).join("\n");
}
