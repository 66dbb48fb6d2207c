// Enrols thousands of fake-hardware nodes in a real Ironic in seconds, for
// benchmarks and big tests, by writing them through Ironic's own Python object
// layer instead of its REST API.
//
// Why: every mutating API call costs Ironic ~30–50 ms of Python CPU in its single
// process (enrol.ts needs ~6 calls a node): 500 nodes took 170–190 s through the
// API on a 2-CPU machine, 5,000 would take a quarter of an hour or more. This
// path did 500 in 3.6 s, 5,000 in 15 s and 10,000 in 22 s there. One
// /usr/bin/python3 process reads the same config file as the running Ironic,
// does what `POST /v1/nodes` and the conductor's create_node do (API schema
// and name checks, hash-ring check, driver_factory.check_and_update_node_interfaces,
// objects.Node.create), and writes each node directly in the state enrol.ts
// would leave it in: power off, provision state "available" | "manageable" |
// "enroll", with the driver_internal_info.last_power_state_change,
// provision_updated_at and updated_at the conductor leaves behind. Traits and
// ports are the rows TraitList.create and Port.create insert (versions from the
// objects), MACs checked and normalised by the API's own port validator.
//
// What it skips compared with the API path, none of which a test can observe:
// the per-request policy checks (we act as an admin context); notifications
// (not emitted anyway: [DEFAULT]notification_level is unset); the conductor's
// manage/provide run (fake power/management validation, verify steps, no
// cleaning since automated_clean is off); node history (the API path records
// none for a successful enrolment either: the table stays empty); the node
// lock around port/trait creation (our nodes are invisible until committed).
// The full GET /v1/nodes/{id} of a bulk node equals that of an API-enrolled one
// apart from identities and timestamps (test/dev/bulk-enrol.test.ts checks it).
//
// Protocol: the node specs go to the child's stdin as one JSON document; the
// child answers one JSON line on stdout ({ok: true, uuids, stats} or
// {ok: false, error, …}), which is validated with zod. Anything else (no
// answer, malformed answer, timeout, a crash) is an Error with the tail of the
// child's stderr, where Ironic's own log lines go.
//
// Transactions and SQLite: nodes are written in batches, one transaction per
// batch (oslo.db's enginefacade joins the nested `_session_for_write()` calls
// of Node.create to the outer writer context). The running Ironic uses the same
// SQLite file concurrently, so:
// - our connections get `PRAGMA busy_timeout = 10000`: a statement that finds
//   the file locked waits up to 10 s inside SQLite before failing;
// - a batch that still fails with "database is locked" (or oslo.db's
//   DBDeadlock) is rolled back as a whole and retried, up to 12 attempts, after
//   50 ms·2^(attempt-1) (capped at 2 s) with ±50 % jitter. A batch is atomic,
//   so a retry never duplicates or half-writes a node;
// - all validation and interface computation happens before the first write,
//   and a batch only INSERTs, so each write lock is held briefly (~80–160 ms
//   for the default 50-node batch; smaller batches mean more lock windows and
//   were worse). Caveat: while we hold it, an Ironic transaction that read
//   before writing fails at once with "database is locked" (SQLite runs no
//   busy handler when a reader upgrades to a writer): measured, 1 in 28 API
//   writes (PATCH, power) made during a 5,000-node bulk run failed with 500.
//   An idle Ironic is safe (its periodic writes are single statements, which
//   do wait), so bulk enrolment belongs before the load, not during it.
// If anything fails after some batches were committed, the child deletes those
// nodes again (dbapi.destroy_node, with the same retries) and says so.
//
// The child cannot outlive us: like ironic-process.ts, it asks the kernel for
// PR_SET_PDEATHSIG=SIGKILL before importing Ironic and then checks that its
// parent is still us. (PDEATHSIG follows the spawning thread: call this from the
// main thread.) A timeout SIGKILLs it; SQLite rolls back the open transaction.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { uuidSchema } from "../src/ironic/node-schema.js";
import { DEFAULT_PROPERTIES, type EnrolSpec } from "../src/dev/enrol.js";
import { DEBIAN_PYTHON, ensureIronicInstalled } from "../src/dev/ironic-install.js";
import type { RunningIronic } from "../src/dev/ironic-process.js";

export interface BulkEnrolStats {
  /** Transactions committed. */
  batches: number;
  /** Batches rolled back and retried because the database was locked. */
  retries: number;
  /** Longest / summed transaction time (write lock held or waited for). */
  maxTransactionMs: number;
  totalTransactionMs: number;
  /** Child start-up, Ironic imports and validation, before the first write. */
  planMs: number;
  /** Child's own wall time from start to answer. */
  seconds: number;
}

export interface BulkEnrolOptions {
  /** Nodes per transaction; default 50. */
  batchSize?: number;
  onStats?: (stats: BulkEnrolStats) => void;
}

const DEFAULT_BATCH_SIZE = 50;
const STDERR_TAIL_BYTES = 16 * 1024;
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

// The child program (run as a file, so `python3 -m py_compile` checks it in the
// test run): Debian's python3, the config file as argv[1].
const BULK_ENROL_SCRIPT = fileURLToPath(new URL("./bulk_enrol.py", import.meta.url));

const answerSchema = z.discriminatedUnion("ok", [
  z
    .object({
      ok: z.literal(true),
      uuids: z.array(uuidSchema),
      stats: z.object({
        batches: z.number().int().nonnegative(),
        retries: z.number().int().nonnegative(),
        max_transaction_ms: z.number().nonnegative(),
        total_transaction_ms: z.number().nonnegative(),
        plan_ms: z.number().nonnegative(),
        seconds: z.number().nonnegative(),
      }),
    })
    .strict(),
  z
    .object({
      ok: z.literal(false),
      error: z.string(),
      removed: z.number().int().nonnegative(),
      left_behind: z.number().int().nonnegative(),
      cleanup_error: z.string().nullable(),
    })
    .strict(),
]);

interface NodeItem {
  name: string;
  macs: string[];
}

interface BulkRequest {
  target: "available" | "manageable" | "enroll";
  batch_size: number;
  busy_timeout_ms: number;
  max_attempts: number;
  node: Record<string, unknown>;
  traits: string[];
  nodes: NodeItem[];
}

/**
 * Enrols `spec.count` nodes (see EnrolSpec) in the Ironic that reads
 * `ironic.configFile`; returns their UUIDs in creation order. `spec.concurrency`
 * does not apply; `spec.timeoutMs` bounds the whole child process
 * (default 120 s + 20 ms a node).
 */
export async function bulkEnrolNodes(
  ironic: Pick<RunningIronic, "configFile">,
  spec: EnrolSpec,
  options: BulkEnrolOptions = {},
): Promise<string[]> {
  if (!Number.isSafeInteger(spec.count) || spec.count < 0) {
    throw new Error(`bulkEnrolNodes: count must be a non-negative integer, got ${spec.count}`);
  }
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new Error(`bulkEnrolNodes: batchSize must be a positive integer, got ${batchSize}`);
  }
  const portsPerNode = spec.portsPerNode ?? 0;
  if (!Number.isSafeInteger(portsPerNode) || portsPerNode < 0) {
    throw new Error(`bulkEnrolNodes: portsPerNode must be a non-negative integer, got ${portsPerNode}`);
  }
  if (spec.count === 0) return [];
  await ensureIronicInstalled();

  const request = buildRequest(spec, batchSize, portsPerNode);
  const timeoutMs = spec.timeoutMs ?? 120_000 + 20 * spec.count;
  const result = await runChild(ironic.configFile, JSON.stringify(request), timeoutMs);
  let answer: BulkEnrolAnswer;
  try {
    answer = parseBulkEnrolAnswer(result.stdout, spec.count);
  } catch (error: unknown) {
    // Add what only the process can tell: how it ended and what it logged.
    throw new Error(`${error instanceof Error ? error.message : String(error)} [child: ${result.exit}]\n${result.stderrTail}`, {
      cause: error,
    });
  }
  if (result.exit !== "exit code 0") {
    throw new Error(`bulk enrol: the Ironic child answered ok but ended with ${result.exit}\n${result.stderrTail}`);
  }
  options.onStats?.(answer.stats);
  return answer.uuids;
}

export interface BulkEnrolAnswer {
  uuids: string[];
  stats: BulkEnrolStats;
}

/**
 * Checks the child's stdout: one JSON document matching `answerSchema`, saying
 * ok, with exactly `count` distinct UUIDs. Throws a descriptive Error otherwise
 * (including the child's own error report). Exported for tests.
 */
export function parseBulkEnrolAnswer(stdout: string, count: number): BulkEnrolAnswer {
  let document: unknown;
  try {
    document = JSON.parse(stdout);
  } catch (error: unknown) {
    // Boundary: a non-JSON answer is a reported failure, not a crash.
    throw new Error(`bulk enrol: the Ironic child did not answer JSON (${String(error)}): ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const parsed = answerSchema.safeParse(document);
  if (!parsed.success) {
    throw new Error(`bulk enrol: malformed answer from the Ironic child: ${z.prettifyError(parsed.error)}`);
  }
  const answer = parsed.data;
  if (!answer.ok) {
    const cleanup =
      answer.left_behind === 0
        ? `${answer.removed} already written nodes removed again`
        : `${answer.left_behind} written nodes could NOT be removed (${answer.cleanup_error ?? "unknown error"})`;
    throw new Error(`bulk enrol failed: ${answer.error}; ${cleanup}`);
  }
  const distinct = new Set(answer.uuids).size;
  if (answer.uuids.length !== count || distinct !== count) {
    throw new Error(`bulk enrol: asked for ${count} nodes, the child reported ${answer.uuids.length} (${distinct} distinct)`);
  }
  return {
    uuids: answer.uuids,
    stats: {
      batches: answer.stats.batches,
      retries: answer.stats.retries,
      maxTransactionMs: answer.stats.max_transaction_ms,
      totalTransactionMs: answer.stats.total_transaction_ms,
      planMs: answer.stats.plan_ms,
      seconds: answer.stats.seconds,
    },
  };
}

function buildRequest(spec: EnrolSpec, batchSize: number, portsPerNode: number): BulkRequest {
  const prefix = spec.namePrefix ?? `node-${randomBytes(3).toString("hex")}`;
  // The body enrol.ts POSTs, plus the owner/lessee/shard it PATCHes afterwards.
  const node: Record<string, unknown> = {
    driver: "fake-hardware",
    resource_class: spec.resourceClass ?? "baremetal",
    properties: spec.properties ?? { ...DEFAULT_PROPERTIES },
    console_interface: "fake",
    rescue_interface: "fake",
    storage_interface: "fake",
    ...spec.interfaces,
    ...(spec.conductorGroup === undefined ? {} : { conductor_group: spec.conductorGroup }),
    ...(spec.owner === undefined ? {} : { owner: spec.owner }),
    ...(spec.lessee === undefined ? {} : { lessee: spec.lessee }),
    ...(spec.shard === undefined ? {} : { shard: spec.shard }),
  };
  const macs = new Set<string>();
  const nodes = Array.from({ length: spec.count }, (_, index): NodeItem => {
    const own: string[] = [];
    while (own.length < portsPerNode) {
      const mac = macAddress();
      if (macs.has(mac)) continue; // 46 random bits: a repeat is rare, but fatal to the batch
      macs.add(mac);
      own.push(mac);
    }
    return { name: `${prefix}-${index}`, macs: own };
  });
  return {
    target: spec.target ?? "available",
    batch_size: batchSize,
    busy_timeout_ms: 10_000,
    max_attempts: 12,
    node,
    traits: spec.traits ?? [],
    nodes,
  };
}

/** A random locally administered unicast MAC (as enrol.ts makes them). */
function macAddress(): string {
  const bytes = randomBytes(6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfe) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

interface ChildResult {
  stdout: string;
  stderrTail: string;
  /** "exit code N" or "signal S". */
  exit: string;
}

function runChild(configFile: string, input: string, timeoutMs: number): Promise<ChildResult> {
  const dir = dirname(configFile);
  return new Promise((resolve, reject) => {
    const child = spawn(DEBIAN_PYTHON, [BULK_ENROL_SCRIPT, configFile], {
      cwd: dir,
      // Minimal and explicit, as for Ironic itself (ironic-process.ts).
      env: {
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        LANG: "C.UTF-8",
        HOME: dir,
        TMPDIR: tmpdir(),
        PYTHONDONTWRITEBYTECODE: "1",
        IRONIC_COMPUTE_PARENT_PID: String(process.pid),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";
    let failure: Error | undefined;
    const fail = (error: Error): void => {
      failure ??= error;
      child.kill("SIGKILL");
    };
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_ANSWER_BYTES) fail(new Error(`bulk enrol: answer larger than ${MAX_ANSWER_BYTES} bytes`));
      else stdout.push(chunk);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    // EPIPE when the child exits before reading everything: its exit explains why.
    child.stdin.on("error", () => undefined);
    const timer = setTimeout(() => {
      fail(new Error(`bulk enrol: the Ironic child did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`bulk enrol: could not run ${DEBIAN_PYTHON}: ${error.message}`, { cause: error }));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const stderrTail = lastLines(stderr);
      if (failure !== undefined) {
        reject(new Error(`${failure.message}\n${stderrTail}`));
        return;
      }
      resolve({
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderrTail,
        exit: signal === null ? `exit code ${String(code)}` : `signal ${signal}`,
      });
    });
    child.stdin.end(input);
  });
}

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function lastLines(text: string, count = 30): string {
  // oslo.log colours even non-tty output; strip the escapes for readability.
  return text.replace(ANSI_COLOUR, "").trimEnd().split("\n").slice(-count).join("\n");
}
