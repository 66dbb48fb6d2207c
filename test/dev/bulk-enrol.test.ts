// Bulk enrolment through Ironic's object layer (harness/bulk-enrol.ts), checked
// through the real REST API of a real Ironic: the nodes look exactly like the
// ones enrol.ts makes through the API, they deploy and undeploy, bad input
// leaves nothing behind, a malformed answer is an error, and the Python child
// dies with its parent.
//
// The bulk path needs Ironic's config file, which the run's shared Ironic does
// not expose, so this file starts its own.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { bulkEnrolNodes, parseBulkEnrolAnswer, type BulkEnrolStats } from "../../harness/bulk-enrol.js";
import { enrolNodes } from "../../src/dev/enrol.js";
import { startIronic, type RunningIronic } from "../../src/dev/ironic-process.js";
import { IronicClient } from "../../src/ironic/client.js";
import { ironicClientOptions } from "../../src/ironic/config.js";
import { uniqueResourceClass } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const COUNT = 50;
const TRAITS = ["CUSTOM_GOLD", "HW_CPU_X86_AVX2"];
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

let ironic: RunningIronic | undefined;
let client: IronicClient;

function running(): RunningIronic {
  if (ironic === undefined) throw new Error("Ironic did not start");
  return ironic;
}

async function provisionState(uuid: string): Promise<string> {
  const node = await client.nodes.get(uuid, ["provision_state", "target_provision_state"]);
  return node.target_provision_state === null ? node.provision_state : "busy";
}

/** Every field GET /v1/nodes/{id} returns, as raw JSON. */
async function rawNode(uuid: string): Promise<Record<string, unknown>> {
  return client.http.json(
    { method: "GET", path: `/v1/nodes/${uuid}`, expect: [200] },
    z.record(z.string(), z.unknown()),
  );
}

beforeAll(async () => {
  ironic = await startIronic();
  client = new IronicClient(ironicClientOptions({ url: ironic.url }));
}, 120_000);

afterAll(async () => {
  await client.close();
  await ironic?.stop();
});

describe("bulkEnrolNodes against a real Ironic", () => {
  const resourceClass = uniqueResourceClass("bulk");
  const prefix = resourceClass.toLowerCase().replace(/_/g, "-");
  let uuids: string[] = [];
  let stats: BulkEnrolStats | undefined;

  beforeAll(async () => {
    uuids = await bulkEnrolNodes(
      running(),
      {
        count: COUNT,
        namePrefix: prefix,
        resourceClass,
        traits: TRAITS,
        owner: "project-a",
        lessee: "project-b",
        shard: "shard-a",
        portsPerNode: 2,
      },
      { batchSize: 20, onStats: (s) => (stats = s) },
    );
  }, 60_000);

  it("returns one UUID per node, written in batches", () => {
    expect(uuids).toHaveLength(COUNT);
    expect(new Set(uuids).size).toBe(COUNT);
    expect(stats?.batches).toBe(3);
  });

  it("shows every node available, powered off, with class, owner, lessee, traits and interfaces", async () => {
    const nodes = await client.nodes.list(
      [
        "name",
        "provision_state",
        "target_provision_state",
        "power_state",
        "target_power_state",
        "resource_class",
        "owner",
        "lessee",
        "traits",
        "maintenance",
        "properties",
        "last_error",
        "conductor_group",
        "driver",
        "network_interface",
        "storage_interface",
        "rescue_interface",
        "deploy_interface",
        "instance_uuid",
        "shard",
      ],
      { resource_class: resourceClass },
    );
    expect(new Set(nodes.map((n) => n.uuid))).toEqual(new Set(uuids));
    expect(new Set(nodes.map((n) => n.name))).toEqual(new Set(uuids.map((_, i) => `${prefix}-${i}`)));
    for (const node of nodes) {
      expect(node).toMatchObject({
        provision_state: "available",
        target_provision_state: null,
        power_state: "power off",
        target_power_state: null,
        resource_class: resourceClass,
        owner: "project-a",
        lessee: "project-b",
        maintenance: false,
        properties: { cpus: 8, memory_mb: 16_384, local_gb: 100, cpu_arch: "x86_64" },
        last_error: null,
        conductor_group: "",
        driver: "fake-hardware",
        network_interface: "noop",
        storage_interface: "fake",
        rescue_interface: "fake",
        deploy_interface: "fake",
        instance_uuid: null,
        shard: "shard-a",
      });
      expect([...node.traits].sort()).toEqual(TRAITS);
    }
    // The traits sub-resource and the filters agree with the listing.
    expect((await client.nodes.getTraits(uuids[7] ?? "")).sort()).toEqual(TRAITS);
    const owned = await client.nodes.list(["uuid"], { resource_class: resourceClass, owner: "project-a", lessee: "project-b" });
    expect(owned).toHaveLength(COUNT);
    const free = await client.nodes.list(["uuid"], { resource_class: resourceClass, associated: false, provision_state: "available" });
    expect(free).toHaveLength(COUNT);
    expect(await client.nodes.list(["uuid"], { resource_class: resourceClass, shard: "shard-a" })).toHaveLength(COUNT);
  });

  it("gives every node its ports: unique locally administered MACs, the first one PXE", async () => {
    const addresses = new Set<string>();
    for (const uuid of uuids) {
      const ports = await client.ports.listByNode(uuid);
      expect(ports).toHaveLength(2);
      expect(ports.map((p) => p.pxe_enabled).sort()).toEqual([false, true]);
      for (const port of ports) {
        expect(port.node_uuid).toBe(uuid);
        expect(port.address).toMatch(MAC);
        expect(Number.parseInt(port.address.slice(0, 2), 16) & 0x03).toBe(0x02); // local, unicast
        addresses.add(port.address);
      }
    }
    expect(addresses.size).toBe(2 * COUNT);
  });

  it("makes nodes the REST API cannot tell from ones enrol.ts made through it", async () => {
    const apiClass = uniqueResourceClass("bulk_api");
    const [apiNode] = await enrolNodes(client, {
      count: 1,
      resourceClass: apiClass,
      traits: TRAITS,
      owner: "project-a",
      lessee: "project-b",
      shard: "shard-a",
      portsPerNode: 2,
    });
    const comparable = (node: Record<string, unknown>): Record<string, unknown> => {
      const {
        uuid: _uuid,
        name: _name,
        resource_class: _class,
        created_at: _created,
        updated_at: _updated,
        provision_updated_at: _provisionUpdated,
        links: _links,
        ports: _ports,
        portgroups: _portgroups,
        states: _states,
        volume: _volume,
        driver_internal_info: internal,
        traits,
        ...rest
      } = node;
      return {
        ...rest,
        traits: z.array(z.string()).parse(traits).sort(),
        driver_internal_info_keys: Object.keys(z.record(z.string(), z.unknown()).parse(internal)).sort(),
      };
    };
    // A conductor holds a node's lock (`reservation`) for a moment after `provide`
    // or a periodic power sync; that lock is not part of what enrolment made.
    const unlocked = async (uuid: string): Promise<Record<string, unknown>> =>
      waitUntil(`${uuid} unlocked`, async () => {
        const node = await rawNode(uuid);
        return node["reservation"] === null ? node : undefined;
      });
    const fromApi = await unlocked(apiNode ?? "");
    const fromBulk = await unlocked(uuids[0] ?? "");
    expect(comparable(fromBulk)).toEqual(comparable(fromApi));
    expect(fromBulk["provision_updated_at"]).toEqual(expect.any(String));
    expect(fromBulk["updated_at"]).toEqual(expect.any(String));
  });

  it("deploys a bulk-enrolled node through the API and undeploys it again", async () => {
    const uuid = uuids[COUNT - 1] ?? "";
    const instance = "8d2b4f0e-5b7f-4a53-9a43-6f0c0a1f2b3c";
    await client.nodes.update(uuid, [
      { op: "add", path: "/instance_uuid", value: instance },
      { op: "add", path: "/instance_info/image_source", value: "http://127.0.0.1/image.qcow2" },
      { op: "add", path: "/instance_info/root_gb", value: 10 },
    ]);
    await client.nodes.setProvisionState(uuid, { target: "active", configdrive: { meta_data: { uuid: "x" } } });
    await waitUntil("active", async () => ((await provisionState(uuid)) === "active" ? true : undefined));
    // The fake deploy interface leaves power alone, as for API-enrolled nodes.
    const deployed = await client.nodes.get(uuid, ["instance_uuid", "instance_info", "last_error"]);
    expect(deployed).toMatchObject({ instance_uuid: instance, last_error: null });
    expect(deployed.instance_info).toHaveProperty("configdrive");

    await client.nodes.setProvisionState(uuid, { target: "deleted" });
    await waitUntil("available", async () => ((await provisionState(uuid)) === "available" ? true : undefined));
    const cleaned = await client.nodes.get(uuid, ["power_state", "instance_uuid", "instance_info", "last_error"]);
    expect(cleaned).toMatchObject({ power_state: "power off", instance_uuid: null, instance_info: {}, last_error: null });
  });

  it("stops at manageable or enroll when asked, and the API takes the nodes on from there", async () => {
    const manageableClass = uniqueResourceClass("bulk_manageable");
    const manageable = await bulkEnrolNodes(running(), { count: 3, resourceClass: manageableClass, target: "manageable" });
    const enrollClass = uniqueResourceClass("bulk_enroll");
    const enrolled = await bulkEnrolNodes(running(), { count: 3, resourceClass: enrollClass, target: "enroll" });
    for (const [cls, state] of [
      [manageableClass, "manageable"],
      [enrollClass, "enroll"],
    ] as const) {
      const nodes = await client.nodes.list(["provision_state", "power_state"], { resource_class: cls });
      expect(nodes).toHaveLength(3);
      for (const node of nodes) expect(node).toMatchObject({ provision_state: state, power_state: "power off" });
    }
    const first = enrolled[0] ?? "";
    await client.nodes.setProvisionState(first, { target: "manage" });
    await waitUntil("manageable", async () => ((await provisionState(first)) === "manageable" ? true : undefined));
    const second = manageable[0] ?? "";
    await client.nodes.setProvisionState(second, { target: "provide" });
    await waitUntil("available", async () => ((await provisionState(second)) === "available" ? true : undefined));
  });

  it("rejects bad input before writing anything", async () => {
    const cls = uniqueResourceClass("bulk_bad");
    await expect(bulkEnrolNodes(running(), { count: 2, resourceClass: cls, traits: ["not a trait"] })).rejects.toThrow(
      /Invalid trait 'not a trait'/,
    );
    await expect(bulkEnrolNodes(running(), { count: 2, resourceClass: cls, conductorGroup: "nowhere" })).rejects.toThrow(
      /NoValidHost/,
    );
    await expect(
      bulkEnrolNodes(running(), { count: 2, resourceClass: cls, interfaces: { network_interface: "neutron" } }),
    ).rejects.toThrow(/InterfaceNotFoundInEntrypoint/);
    expect(await client.nodes.list(["uuid"], { resource_class: cls })).toEqual([]);
  });

  it("removes the batches it already wrote when a later batch fails", async () => {
    const cls = uniqueResourceClass("bulk_partial");
    const prefix = cls.toLowerCase().replace(/_/g, "-");
    // Taken through the API: the bulk run's node 3 (second batch of two) collides.
    await client.nodes.create({ name: `${prefix}-3`, driver: "fake-hardware", resource_class: "OTHER" });
    await expect(
      bulkEnrolNodes(running(), { count: 5, namePrefix: prefix, resourceClass: cls, portsPerNode: 1 }, { batchSize: 2 }),
    ).rejects.toThrow(/DuplicateName: A node with name .*-3 already exists.*2 already written nodes removed again/);
    expect(await client.nodes.list(["uuid"], { resource_class: cls })).toEqual([]);
  });
});

describe("the child's answer", () => {
  const uuid = "0f5b3a52-8a5e-4c1f-9a55-7d1f3c0b9e21";
  const stats = { batches: 1, retries: 0, max_transaction_ms: 1, total_transaction_ms: 1, plan_ms: 1, seconds: 1 };

  it("is accepted when well-formed", () => {
    expect(parseBulkEnrolAnswer(JSON.stringify({ ok: true, uuids: [uuid], stats }), 1).uuids).toEqual([uuid]);
  });

  it("is an error, not a crash, when malformed or short", () => {
    expect(() => parseBulkEnrolAnswer("", 1)).toThrow(/did not answer JSON/);
    expect(() => parseBulkEnrolAnswer("Traceback (most recent call last):", 1)).toThrow(/did not answer JSON/);
    expect(() => parseBulkEnrolAnswer(JSON.stringify({ ok: true, uuids: ["nope"], stats }), 1)).toThrow(/malformed answer/);
    expect(() => parseBulkEnrolAnswer(JSON.stringify({ ok: true, uuids: [uuid] }), 1)).toThrow(/malformed answer/);
    expect(() => parseBulkEnrolAnswer(JSON.stringify({ ok: "yes" }), 1)).toThrow(/malformed answer/);
    expect(() => parseBulkEnrolAnswer(JSON.stringify([1, 2]), 1)).toThrow(/malformed answer/);
    expect(() => parseBulkEnrolAnswer(JSON.stringify({ ok: true, uuids: [uuid, uuid], stats }), 2)).toThrow(
      /1 distinct/,
    );
    expect(() => parseBulkEnrolAnswer(JSON.stringify({ ok: true, uuids: [uuid], stats }), 2)).toThrow(/asked for 2/);
  });

  it("reports the child's own error and what it cleaned up", () => {
    const failure = { ok: false, error: "DuplicateName: x", removed: 0, left_behind: 3, cleanup_error: "OperationalError: y" };
    expect(() => parseBulkEnrolAnswer(JSON.stringify(failure), 1)).toThrow(
      /DuplicateName: x; 3 written nodes could NOT be removed \(OperationalError: y\)/,
    );
  });
});

/** A /proc file, or undefined when the process has ended meanwhile. */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error: unknown) {
    if (error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ESRCH")) return undefined;
    throw error;
  }
}

/** Field 3 (state) and 4 (ppid) of /proc/<pid>/stat; comm may contain spaces. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const [state = "", ppid = ""] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state, ppid: Number(ppid) };
}

function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((child) => procStat(child)?.ppid === pid);
}

/** Gone, or a zombie waiting for whoever inherited it: not running either way. */
function isRunning(pid: number): boolean {
  const state = procStat(pid)?.state;
  return state !== undefined && state !== "Z";
}

describe("the Python child", () => {
  it("dies with its parent even when the parent is SIGKILLed", async () => {
    const script = [
      `import { bulkEnrolNodes } from ${JSON.stringify(`${REPO_ROOT}harness/bulk-enrol.ts`)};`,
      `await bulkEnrolNodes({ configFile: ${JSON.stringify(running().configFile)} },`,
      `  { count: 20000, resourceClass: ${JSON.stringify(uniqueResourceClass("bulk_orphan"))}, portsPerNode: 1 });`,
    ].join("\n");
    const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let parentStderr = "";
    parent.stderr.setEncoding("utf8").on("data", (chunk: string) => (parentStderr += chunk));
    const parentPid = parent.pid ?? 0;
    const exited = new Promise((resolve) => parent.once("exit", resolve));
    // Not the `python3 -c "import ironic"` probe of ensureIronicInstalled: the
    // bulk child's command line names its script file.
    const python = await waitUntil(
      "the Python child",
      () =>
        Promise.resolve(
          childrenOf(parentPid).find((pid) => readProc(`/proc/${pid}/cmdline`)?.includes("bulk_enrol.py")),
        ),
      { timeoutMs: 30_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // let it import Ironic and start writing
    expect(isRunning(python), parentStderr).toBe(true);
    parent.kill("SIGKILL");
    await exited;
    await waitUntil("the orphan to die", () => Promise.resolve(isRunning(python) ? undefined : true), { timeoutMs: 10_000 });
    // Whatever it was writing rolled back; Ironic still answers.
    expect(await client.nodes.list(["uuid"], { resource_class: "NO_SUCH_CLASS" })).toEqual([]);
  }, 60_000);
});

/** Every .py file of the repository, outside node_modules and .git. */
function pythonFiles(dir = REPO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name === ".git") return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return pythonFiles(path);
    return entry.isFile() && entry.name.endsWith(".py") ? [path] : [];
  });
}

describe("the repository's Python programs", () => {
  it("all compile (python3 -m py_compile)", () => {
    const files = pythonFiles();
    // The three known today; a new one is checked without being listed here.
    for (const known of ["harness/bulk_enrol.py", "bench/lib/sdk_list.py", "test/openstack/sdk_lifecycle.py"]) {
      expect(files).toContain(join(REPO_ROOT, known));
    }
    const cache = mkdtempSync(join(tmpdir(), "ironic-compute-pycache-"));
    try {
      // The byte code goes to a throw-away prefix, not into __pycache__ in the tree.
      const run = spawnSync("python3", ["-m", "py_compile", ...files], {
        encoding: "utf8",
        env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
