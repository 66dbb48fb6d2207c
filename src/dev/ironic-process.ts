// Runs a REAL OpenStack Ironic (Debian's python3-ironic, all-in-one API +
// conductor, fake hardware, SQLite) on loopback, for tests, the demo and the
// benchmarks. Nothing here is used by the product itself.
//
// No stray processes, in every way our process can end:
// - stop(): SIGTERM to the child's whole process group, SIGKILL after 10 s;
// - SIGINT/SIGTERM of our process: shutdown-registry stops every instance;
// - process.exit(): the 'exit' hook SIGKILLs the group synchronously;
// - SIGKILL of our process (no hook runs): the Python side asks the kernel for
//   PR_SET_PDEATHSIG=SIGKILL before importing Ironic, then checks that its parent
//   is still us, closing the race where we died before the prctl.
// Ironic 21.4 in singleprocess mode forks no children (checked with ps --ppid /
// pstree); it still gets its own process group (detached: true) so that anything
// a non-fake driver might spawn (socat consoles, ipmitool) is killed with it.
// Caveat: PDEATHSIG fires when the spawning *thread* ends, so start Ironic from
// the main thread (vitest's default "forks" pool is fine, "threads" would tie
// Ironic's life to the worker thread).

import { spawn, execFile, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, rmSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { exitsWithin, signalGroup, trackChild } from "./child-process.js";
import { freeLoopbackPort } from "./free-port.js";
import { htpasswdContent, ironicConfig, renderIni, type IniConfig } from "./ironic-config.js";
import { DEBIAN_PYTHON, ensureIronicInstalled } from "./ironic-install.js";
import { registerForShutdown } from "./shutdown-registry.js";

export interface IronicOptions {
  auth?: "noauth" | "http_basic"; // default "noauth"
  /** username -> password; required for http_basic. */
  basicUsers?: Record<string, string>;
  /** bcrypt cost of the htpasswd entries; default 5 (see ironic-config.ts). */
  bcryptCost?: number;
  automatedClean?: boolean; // default false
  port?: number; // default: a free loopback port
  /** default: a fresh mkdtemp under os.tmpdir() named ironic-compute-ironic-* */
  dir?: string;
  /** Default: remove `dir` on stop() if we created it, keep a caller-given dir. */
  keepDir?: boolean;
  /** Extra [section] key = value lines, overriding ours key by key. */
  extraConfig?: IniConfig;
  startTimeoutMs?: number; // default 90_000
}

export interface RunningIronic {
  url: string; // http://127.0.0.1:PORT
  port: number;
  dir: string;
  pid: number;
  configFile: string;
  /** Ironic's stdout/stderr go here, not to our stdout. */
  logFile: string;
  /** SIGTERM, wait up to 10 s, then SIGKILL; removes dir unless kept. Idempotent. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 100;
const PORT_ATTEMPTS = 3;

// Runs before Ironic is imported. PR_SET_PDEATHSIG (1) = SIGKILL: the kernel kills
// this process when its parent dies. If the parent died before that call, we have
// already been re-parented, so compare with the pid the parent told us.
const PRELUDE = [
  "import ctypes, os, signal, sys",
  "if ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL) != 0:",
  "    sys.exit('prctl(PR_SET_PDEATHSIG) failed: errno %d' % ctypes.get_errno())",
  "if os.getppid() != int(os.environ['IRONIC_COMPUTE_PARENT_PID']):",
  "    sys.exit('parent process is gone; not starting')",
  "config_file, command = sys.argv[1], sys.argv[2]",
].join("\n");

const DBSYNC_SNIPPET = `${PRELUDE}
sys.argv = ['ironic-dbsync', '--config-file', config_file, command]
from ironic.cmd.dbsync import main
main()
`;

const SERVE_SNIPPET = `${PRELUDE}
sys.argv = ['ironic', '--config-file', config_file]
from ironic.cmd.singleprocess import main
main()
`;

export async function startIronic(opts: IronicOptions = {}): Promise<RunningIronic> {
  await ensureIronicInstalled();
  const auth = opts.auth ?? "noauth";
  if (auth === "http_basic" && Object.keys(opts.basicUsers ?? {}).length === 0) {
    throw new Error('startIronic: auth "http_basic" needs at least one entry in basicUsers');
  }
  renderIni(opts.extraConfig ?? {}); // reject a malformed extraConfig before creating anything
  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "ironic-compute-ironic-")));
  const keepDir = opts.keepDir ?? opts.dir !== undefined;
  // The dir holds the config with credentials: private, also when the caller named it.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await mkdir(join(dir, "locks"), { recursive: true });
  await mkdir(join(dir, "tmp"), { recursive: true });

  let htpasswdFile: string | undefined;
  if (auth === "http_basic") {
    htpasswdFile = join(dir, "htpasswd");
    await writeFile(htpasswdFile, await htpasswdContent(opts.basicUsers ?? {}, opts.bcryptCost), {
      mode: 0o600,
    });
    await chmod(htpasswdFile, 0o600); // `mode` applies only when the file is new
  }

  // A port picked by freeLoopbackPort can be taken before Ironic binds it; only
  // then (and only when the caller did not choose the port) try another one.
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freeLoopbackPort());
    const configFile = join(dir, "ironic.conf");
    const config = ironicConfig({
      dir,
      port,
      auth,
      automatedClean: opts.automatedClean ?? false,
      ...(htpasswdFile === undefined ? {} : { htpasswdFile }),
      ...(opts.extraConfig === undefined ? {} : { extraConfig: opts.extraConfig }),
    });
    await writeFile(configFile, renderIni(config), { mode: 0o600 });
    await chmod(configFile, 0o600); // `mode` applies only when the file is new
    try {
      return await launch({ dir, port, configFile, keepDir, deadline });
    } catch (error: unknown) {
      const retry =
        error instanceof IronicStartError && error.portInUse && opts.port === undefined && attempt < PORT_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}

class IronicStartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
    this.name = "IronicStartError";
  }
}

interface LaunchInput {
  dir: string;
  port: number;
  configFile: string;
  keepDir: boolean;
  /** Date.now() by which Ironic must answer; covers dbsync and port retries too. */
  deadline: number;
}

async function launch(input: LaunchInput): Promise<RunningIronic> {
  const { dir, port, configFile } = input;
  const logFile = join(dir, "ironic.log");
  const url = `http://127.0.0.1:${port}`;

  // create_schema builds a fresh DB; a DB left in a caller-given dir is upgraded.
  const command = existsSync(join(dir, "ironic.db")) ? "upgrade" : "create_schema";
  await runDbsync(dir, configFile, command, logFile);

  const logFd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(DEBIAN_PYTHON, ["-c", SERVE_SNIPPET, configFile, "serve"], {
      cwd: dir,
      env: childEnv(dir),
      stdio: ["ignore", logFd, logFd],
      detached: true, // own process group, killed as a whole
    });
  } finally {
    closeSync(logFd); // the child has its own copy
  }
  const tracked = await trackChild(child, "Ironic");
  const { pid, exited } = tracked;

  let removeDirOnStop = !input.keepDir;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      child.ref(); // keep the event loop alive until the exit is observed
      if (tracked.exitInfo() === undefined) {
        signalGroup(pid, "SIGTERM");
        if (!(await exitsWithin(exited, STOP_GRACE_MS))) signalGroup(pid, "SIGKILL");
        await exited;
      }
      signalGroup(pid, "SIGKILL"); // anything left in the group after the leader
      unregister();
      if (removeDirOnStop) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const unregister = registerForShutdown({
    stop,
    killNow: () => {
      signalGroup(pid, "SIGKILL");
      if (!removeDirOnStop) return;
      // Synchronous 'exit' path: remove our temp dir too, or every test run that
      // forgets stop() leaves one behind. SIGKILL is final for the leader before it
      // runs another instruction, so nothing recreates files under us.
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (error: unknown) {
        // Boundary: an exception thrown from an 'exit' listener would replace the
        // process's exit code; report instead.
        process.stderr.write(`could not remove ${dir}: ${String(error)}\n`);
      }
    },
  });

  const { deadline } = input;
  for (;;) {
    if (tracked.exitInfo() !== undefined) {
      signalGroup(pid, "SIGKILL"); // in case it left anything behind
      unregister();
      const tail = await logTail(logFile);
      throw new IronicStartError(
        `Ironic exited during start-up (${tracked.exitInfo() ?? "?"}); log ${logFile}:\n${tail}`,
        /Errno 98|Address already in use/.test(tail),
      );
    }
    if (await answersAsIronic(url)) break;
    if (Date.now() > deadline) {
      // Keep the dir: its log is the evidence. Only the process goes.
      const tail = await logTail(logFile);
      removeDirOnStop = false;
      await stop();
      throw new IronicStartError(
        `Ironic did not answer GET ${url}/ in time (startTimeoutMs); log ${logFile}:\n${tail}`,
        false,
      );
    }
    await Promise.race([exited, sleep(POLL_INTERVAL_MS)]);
  }

  // A forgotten stop() must not keep the process alive; PDEATHSIG and the
  // exit hook then take Ironic down with us.
  child.unref();
  return { url, port, dir, pid, configFile, logFile, stop };
}


/** Child environment: minimal and explicit, so that a PYTHONPATH or proxy setting
 * of the developer's shell cannot change which Ironic runs or where it connects. */
function childEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    LANG: "C.UTF-8",
    HOME: dir,
    TMPDIR: join(dir, "tmp"),
    PYTHONDONTWRITEBYTECODE: "1",
    IRONIC_COMPUTE_PARENT_PID: String(process.pid),
  };
}

function runDbsync(
  dir: string,
  configFile: string,
  command: "create_schema" | "upgrade",
  logFile: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      DEBIAN_PYTHON,
      ["-c", DBSYNC_SNIPPET, configFile, command],
      { cwd: dir, env: childEnv(dir), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // Keep dbsync's output with the rest of Ironic's log, not on our stdout.
        void writeFile(logFile, `${stdout}${stderr}`, { flag: "a" }).then(() => {
          if (error === null) resolve();
          else reject(new Error(`ironic-dbsync ${command} failed: ${error.message}\n${lastLines(stderr)}`));
        }, reject);
      },
    );
  });
}

/** True once GET / answers 200 with Ironic's version document (not some other
 * server that happens to sit on the port). */
function answersAsIronic(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    // agent: false = one connection per probe, closed afterwards: no pool left behind.
    const request = httpGet(`${url}/`, { agent: false, timeout: 2_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => {
        resolve(response.statusCode === 200 && body.includes('"OpenStack Ironic API"'));
      });
      response.on("error", () => {
        resolve(false);
      });
    });
    request.on("timeout", () => request.destroy());
    // Refused / reset while Ironic is still starting: not ready yet.
    request.on("error", () => {
      resolve(false);
    });
  });
}


async function logTail(logFile: string): Promise<string> {
  const text = await readFile(logFile, "utf8").catch((error: unknown) => `(cannot read log: ${String(error)})`);
  return lastLines(text);
}

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function lastLines(text: string, count = 40): string {
  // oslo.log colours even non-tty output; strip the escapes for readability.
  const clean = text.replace(ANSI_COLOUR, "");
  return clean.trimEnd().split("\n").slice(-count).join("\n");
}
