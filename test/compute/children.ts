// Starting and killing compute-service child processes for crash tests, and the
// parent-side setup those tests share.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { bootstrapAdminCaller } from "../../harness/admin-caller.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import type { Caller } from "../../src/compute/contract.js";
import { createComputeService, type ComputeService } from "../../src/compute/service.js";
import { fakeHardwareFlavor, publicQcow2Image } from "../../src/dev/demo-catalog.js";
import { enrolNodes, type EnrolSpec } from "../../src/dev/enrol.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { silentLogger } from "../../src/log/logger.js";
import { openStore } from "../../src/store/open.js";
import { testSecrets } from "../support/secrets.js";
import type { Store } from "../../src/store/store.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";
import { FAST_COMPUTE, FAST_DRIVER } from "./support.js";

const CHILD = fileURLToPath(new URL("../support/compute-child.ts", import.meta.url));

export interface ChildConfig {
  ironicUrl: string;
  store: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };
  workerId: string;
  shard: string;
  reconcileIntervalMs: number;
  /**
   * The child SIGKILLs itself just before the `nth` time (counted in this
   * process, from 1) a driver operation reports `step` of `operation` (e.g.
   * spawn / attach-vifs / 1): the crash soak's deterministic trigger
   * (compute-child.ts, through ServiceObserver.driverStep).
   */
  crashAt?: { operation: string; step: string; nth: number };
}

/** How a child ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ComputeChild {
  process: ChildProcess;
  /** Settles when the child has ended, however it ended (its own crash trigger, kill9, stop). */
  exited: Promise<ChildExit>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChild(config: ChildConfig, logFile: string): Promise<ComputeChild> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, IRONIC_COMPUTE_TEST_CHILD: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(logFile, { flags: "a" });
  child.stderr.pipe(log);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`compute child ${config.workerId} did not start; see ${logFile}`)); }, 60_000);
    child.stdout.on("data", (chunk: Buffer) => {
      log.write(chunk);
      if (chunk.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`compute child ${config.workerId} exited with ${code ?? "a signal"}; see ${logFile}`));
    });
  });
  child.stdout.pipe(log);
  const exited = new Promise<ChildExit>((resolve) => child.once("exit", (code, signal) => { resolve({ code, signal }); }));
  return {
    process: child,
    exited,
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/**
 * The parent side of a child-worker test: `nodeCount` nodes of `resourceClass`
 * in their own `shard` of the run's Ironic, a fault proxy in front of it for
 * the children, the shared store, and a "front" service that only takes
 * requests (never started, so it runs no tasks) with its admin, a small flavor
 * and an image (with the given ids, or generated ones).
 */
export interface WorkerFront {
  ironic: IronicClient;
  proxy: FaultProxy;
  store: Store;
  front: ComputeService;
  admin: Caller;
  nodes: string[];
  flavorId: string;
  imageId: string;
  /** Stops the proxy and closes the store and the client (the children are the caller's). */
  close(): Promise<void>;
}

export async function startWorkerFront(opts: {
  store: ChildConfig["store"];
  shard: string;
  resourceClass: string;
  nodeCount: number;
  flavorId?: string;
  imageId?: string;
  /** How the nodes are enrolled beyond their class and shard (interfaces, NICs, connectors). */
  enrol?: Pick<EnrolSpec, "interfaces" | "portsPerNode" | "iscsiConnector">;
}): Promise<WorkerFront> {
  const { shard, resourceClass } = opts;
  const ironic = newClient();
  const nodes = await enrolNodes(ironic, { ...opts.enrol, count: opts.nodeCount, resourceClass, shard });
  const proxy = await startFaultProxy(sharedIronicUrl());
  const store = await openStore(opts.store, testSecrets());
  const front = await createComputeService({ store, ironic, driver: { ...FAST_DRIVER, cache: { maxAgeMs: 0, shard } }, compute: { ...FAST_COMPUTE, workerId: "front" }, log: silentLogger });
  const admin = await bootstrapAdminCaller(front, store);
  const ids = <T extends string>(id: T | undefined): { id?: T } => (id === undefined ? {} : { id });
  const flavor = await front.flavors.create(admin, { ...ids(opts.flavorId), ...fakeHardwareFlavor({ name: "bm", resourceClass, vcpus: 1, ramMb: 1, diskGb: 1 }) });
  const image = await front.images.create(admin, { ...ids(opts.imageId), ...publicQcow2Image({ name: "img", url: "http://127.0.0.1:1/i.qcow2" }) });
  return {
    ironic,
    proxy,
    store,
    front,
    admin,
    nodes,
    flavorId: flavor.id,
    imageId: image.id,
    close: async () => {
      await proxy.stop();
      await store.close();
      await ironic.close();
    },
  };
}
