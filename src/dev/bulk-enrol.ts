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
import { z } from "zod";
import { uuidSchema } from "../ironic/node-schema.js";
import { DEFAULT_PROPERTIES, type EnrolSpec } from "./enrol.js";
import { DEBIAN_PYTHON, ensureIronicInstalled } from "./ironic-install.js";
import type { RunningIronic } from "./ironic-process.js";

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

// Runs under Debian's python3 with the config file as argv[1]. No backslash
// escapes other than Python's own: this is a String.raw template.
const BULK_ENROL_SCRIPT = String.raw`
import ctypes, os, signal, sys
if ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL) != 0:
    sys.exit('prctl(PR_SET_PDEATHSIG) failed: errno %d' % ctypes.get_errno())
if os.getppid() != int(os.environ['IRONIC_COMPUTE_PARENT_PID']):
    sys.exit('parent process is gone; not starting')
config_file = sys.argv[1]

# fd 1 carries exactly one JSON answer. oslo.log falls back to stdout when no
# log file is configured, so fd 1 (and sys.stdout) now point at stderr.
answer = os.fdopen(os.dup(1), 'w')
os.dup2(2, 1)
sys.stdout = sys.stderr

import json, random, time

started = time.monotonic()
stats = {'batches': 0, 'retries': 0, 'max_transaction_ms': 0.0,
         'total_transaction_ms': 0.0, 'plan_ms': 0.0, 'seconds': 0.0}
created = []


def reply(document):
    answer.write(json.dumps(document))
    answer.write('\n')
    answer.flush()


def describe(error):
    return '%s: %s' % (type(error).__name__, error)


def main():
    request = json.load(sys.stdin)

    from ironic.common import service as ironic_service
    ironic_service.prepare_command(
        ['ironic-compute-bulk-enrol', '--config-file', config_file])

    import jsonschema
    import sqlalchemy
    from oslo_db import exception as db_exc
    from oslo_db.sqlalchemy import enginefacade
    from oslo_utils import timeutils, uuidutils
    from ironic import objects
    from ironic.api.controllers.v1 import node as api_node
    from ironic.api.controllers.v1 import port as api_port
    from ironic.api.controllers.v1 import utils as api_utils
    from ironic.common import context as ironic_context
    from ironic.common import driver_factory, exception, states
    from ironic.common import utils as ironic_utils
    from ironic.conductor import rpcapi as conductor_rpcapi
    from ironic.conf import CONF
    from ironic.db import api as dbapi_module
    from ironic.db.sqlalchemy import api as db_sqlalchemy_api
    from ironic.db.sqlalchemy import models

    busy_timeout_ms = int(request['busy_timeout_ms'])
    max_attempts = int(request['max_attempts'])
    batch_size = int(request['batch_size'])

    engine = enginefacade.writer.get_engine()  # NullPool: every session connects anew

    @sqlalchemy.event.listens_for(engine, 'connect')
    def _busy_timeout(dbapi_connection, connection_record):
        dbapi_connection.execute('PRAGMA busy_timeout = %d' % busy_timeout_ms)

    def is_locked(error):
        # oslo.db passes sqlite's OperationalError through unwrapped.
        if isinstance(error, db_exc.DBDeadlock):
            return True
        text = str(error)
        return 'database is locked' in text or 'database table is locked' in text

    def with_retries(what, work):
        for attempt in range(1, max_attempts + 1):
            try:
                return work()
            except Exception as error:
                if not is_locked(error) or attempt == max_attempts:
                    raise
                stats['retries'] += 1
                delay = min(2.0, 0.05 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
                print('bulk-enrol: %s: %s; retry %d in %.2f s'
                      % (what, describe(error), attempt, delay), file=sys.stderr)
                time.sleep(delay)

    context = ironic_context.get_admin_context()
    rpcapi = conductor_rpcapi.ConductorAPI()
    provision_state = {'available': states.AVAILABLE,
                       'manageable': states.MANAGEABLE,
                       'enroll': states.ENROLL}[request['target']]
    items = request['nodes']

    # PUT /v1/nodes/{node}/traits: schema per trait, duplicates dropped, at most
    # MAX_TRAITS_PER_NODE (the dbapi checks the same).
    traits = sorted(set(request['traits']))
    for trait in traits:
        try:
            jsonschema.validate(trait, api_utils.TRAITS_SCHEMA)
        except jsonschema.ValidationError as error:
            # str(error) would dump the whole schema (every standard trait).
            raise exception.InvalidParameterValue(
                'Invalid trait %r: %s' % (trait, error.message)) from None
    if len(traits) > db_sqlalchemy_api.MAX_TRAITS_PER_NODE:
        raise exception.InvalidParameterValue(
            'Could not modify traits for node: would exceed the maximum of %d'
            % db_sqlalchemy_api.MAX_TRAITS_PER_NODE)
    trait_version = objects.Trait.get_target_version()

    # POST /v1/nodes validates each body with jsonschema, which also re-checks
    # the schema itself (~20 ms a call). Our bodies differ only in 'name' (a
    # string in every body), so the template is validated once with the first
    # name, and each name gets the API's name checks below.
    template = api_node.node_validator(
        'node', dict(request['node'], name=items[0]['name'] if items else None))
    template.pop('name', None)
    reserved_names = api_node.get_nodes_controller_reserved_names()
    checked_topics = set()
    seen_names = set()
    port_validator = [api_port.PORT_VALIDATOR]

    def plan_node(item):
        body = dict(template, name=item['name'])
        if not body.get('uuid'):
            body['uuid'] = uuidutils.generate_uuid()
        # Special-cased to "" and not None by the API: used by the hash ring.
        if not body.get('conductor_group'):
            body['conductor_group'] = ''
        name = body['name']
        if not ironic_utils.is_valid_logical_name(name) or uuidutils.is_uuid_like(name):
            raise exception.InvalidParameterValue(
                "Cannot create node with invalid name '%s'" % name)
        if name in reserved_names:
            raise exception.InvalidParameterValue(
                'The word "%s" is reserved and can not be used as a node name' % name)
        if name in seen_names:
            raise exception.DuplicateName(name=name)
        seen_names.add(name)
        if not body.get('resource_class'):
            body['resource_class'] = CONF.default_resource_class
        node = objects.Node(context, **body)
        key = (node.driver, node.conductor_group)
        if key not in checked_topics:
            rpcapi.get_topic_for(node)  # NoValidHost, which the API answers with 400
            checked_topics.add(key)
        driver_factory.check_and_update_node_interfaces(node)  # conductor's create_node
        fields = {field: getattr(node, field) for field in node.obj_what_changed()}
        ports = []
        for index, address in enumerate(item['macs']):
            port = port_validator[0]('port', {
                'address': address, 'node_uuid': body['uuid'], 'pxe_enabled': index == 0})
            # Same shape for every port: the schema part once, the rest always.
            port_validator[0] = api_port.PORT_VALIDATOR_EXTRA
            port.pop('node_uuid')
            port['uuid'] = uuidutils.generate_uuid()
            ports.append(port)
        return {'fields': fields, 'ports': ports}

    def insert_batch(plans):
        # What the conductor leaves behind after power off and manage/provide.
        now = timeutils.utcnow()
        started_at = time.monotonic()
        try:
            with enginefacade.writer.using(db_sqlalchemy_api._CONTEXT) as session:
                for plan in plans:
                    node = objects.Node(context, **plan['fields'])
                    node.provision_state = provision_state
                    node.power_state = states.POWER_OFF
                    node.driver_internal_info = {'last_power_state_change': now.isoformat()}
                    node.updated_at = now
                    if provision_state != states.ENROLL:
                        node.provision_updated_at = now
                    node.create()  # joins this transaction
                    # The rows TraitList.create / Port.create insert, without
                    # their per-row existence checks and read-backs (~6 ms each):
                    # the node was created a moment ago in this very transaction.
                    for trait in traits:
                        session.add(models.NodeTrait(
                            trait=trait, node_id=node.id, version=trait_version))
                    for port in plan['ports']:
                        row = models.Port()
                        row.update(objects.Port(context, node_id=node.id, **port)
                                   .do_version_changes_for_db())
                        session.add(row)
                session.flush()
        except db_exc.DBDuplicateEntry as error:
            if 'address' in (error.columns or []):
                raise exception.MACAlreadyExists(mac=error.value) from error
            raise
        elapsed = (time.monotonic() - started_at) * 1000
        stats['max_transaction_ms'] = max(stats['max_transaction_ms'], elapsed)
        stats['total_transaction_ms'] += elapsed

    try:
        plans = [plan_node(item) for item in items]
        stats['plan_ms'] = (time.monotonic() - started) * 1000
        for start in range(0, len(plans), batch_size):
            batch = plans[start:start + batch_size]
            with_retries('batch at node %d' % start, lambda: insert_batch(batch))
            stats['batches'] += 1
            created.extend(plan['fields']['uuid'] for plan in batch)
    except Exception as error:
        removed = 0
        cleanup_error = None
        dbapi = dbapi_module.get_instance()
        try:
            for uuid in list(created):
                with_retries('removing node ' + uuid, lambda: dbapi.destroy_node(uuid))
                removed += 1
        except Exception as cleanup:
            cleanup_error = describe(cleanup)
        reply({'ok': False, 'error': describe(error), 'removed': removed,
               'left_behind': len(created) - removed, 'cleanup_error': cleanup_error})
        return 1
    stats['seconds'] = time.monotonic() - started
    reply({'ok': True, 'uuids': created, 'stats': stats})
    return 0


try:
    code = main()
except Exception as error:
    import traceback
    traceback.print_exc()
    reply({'ok': False, 'error': describe(error), 'removed': 0, 'left_behind': 0,
           'cleanup_error': None})
    code = 1
sys.exit(code)
`;

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
    const child = spawn(DEBIAN_PYTHON, ["-c", BULK_ENROL_SCRIPT, configFile], {
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
