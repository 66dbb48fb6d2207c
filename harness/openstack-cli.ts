// Runs the real `openstack` CLI for the tests: openstackclient.shell.main in a
// child forked per command from harness/osc-zygote.py, which imports the client
// once per test worker (see there why). The command gets exactly the
// environment, working directory and timeout it is given, as a spawned
// /usr/bin/openstack would; `openstack-cli.test.ts` also runs the installed
// /usr/bin/openstack itself, so the entry point stays proven.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { DEBIAN_PYTHON } from "../src/dev/ironic-install.js";
import { ensureOpenstackClientInstalled } from "./openstack-client-install.js";

export interface OpenstackRun {
  /** Exit code; null when the command was killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface OpenstackRunOptions {
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
}

const ZYGOTE = join(dirname(fileURLToPath(import.meta.url)), "osc-zygote.py");

const message = z.union([
  z.object({ id: z.number(), pid: z.number() }).strict(),
  z.object({ id: z.number(), code: z.number() }).strict(),
]);

interface Waiter {
  started: number;
  out: string;
  err: string;
  timer: NodeJS.Timeout;
  pid?: number;
  killed: boolean;
  resolve: (run: OpenstackRun) => void;
}

class Zygote {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly dir = mkdtempSync(join(tmpdir(), "osc-zygote-"));
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private stderr = "";
  /** False once the zygote has exited: the next command starts a new one. */
  alive = true;

  constructor() {
    this.child = spawn(DEBIAN_PYTHON, [ZYGOTE], {
      env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", HOME: this.dir },
      cwd: this.dir,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4_000)));
    createInterface({ input: this.child.stdout }).on("line", (line) => { this.onLine(line); });
    this.child.once("exit", (code, signal) => {
      this.alive = false;
      this.failAll(`osc-zygote exited (${code ?? signal}): ${this.stderr}`);
    });
    this.child.stdin.on("error", () => undefined); // an exited zygote: reported by "exit"
    // Never keep the test worker alive for it; stdin EOF at exit ends it.
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    process.once("exit", () => { rmSync(this.dir, { recursive: true, force: true }); });
  }

  run(argv: string[], options: OpenstackRunOptions): Promise<OpenstackRun> {
    const id = this.nextId++;
    const out = join(this.dir, `${id}.out`);
    const err = join(this.dir, `${id}.err`);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        started: Date.now(),
        out,
        err,
        killed: false,
        resolve,
        timer: setTimeout(() => {
          waiter.killed = true;
          if (waiter.pid !== undefined) killQuietly(waiter.pid);
        }, options.timeoutMs),
      };
      this.waiters.set(id, waiter);
      this.child.stdin.write(`${JSON.stringify({ id, argv, env: options.env, cwd: options.cwd, out, err })}\n`);
    });
  }

  private onLine(line: string): void {
    const parsed = message.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`osc-zygote said something unexpected: ${line}`);
    const waiter = this.waiters.get(parsed.data.id);
    if (waiter === undefined) return;
    if ("pid" in parsed.data) {
      waiter.pid = parsed.data.pid;
      if (waiter.killed) killQuietly(waiter.pid);
      return;
    }
    this.waiters.delete(parsed.data.id);
    clearTimeout(waiter.timer);
    const code = parsed.data.code < 0 || waiter.killed ? null : parsed.data.code;
    waiter.resolve({ code, stdout: readAndRemove(waiter.out), stderr: readAndRemove(waiter.err), ms: Date.now() - waiter.started });
  }

  private failAll(reason: string): void {
    for (const [id, waiter] of this.waiters) {
      clearTimeout(waiter.timer);
      this.waiters.delete(id);
      waiter.resolve({ code: null, stdout: "", stderr: reason, ms: Date.now() - waiter.started });
    }
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // It ended on its own meanwhile; its exit is reported as usual.
  }
}

function readAndRemove(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  } finally {
    rmSync(path, { force: true });
  }
}

let zygote: Zygote | undefined;

/** Runs `openstack <argv>` (the real client) with the given environment and cwd. */
export async function runOpenstack(argv: string[], options: OpenstackRunOptions): Promise<OpenstackRun> {
  await ensureOpenstackClientInstalled();
  if (zygote === undefined || !zygote.alive) zygote = new Zygote();
  return zygote.run(argv, options);
}
