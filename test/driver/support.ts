// Fixtures for driver tests: an instance spec, a driver with short polls, and
// helpers to read back what is on a node.
import { randomUUID } from "node:crypto";
import type { IronicClient } from "../../src/ironic/client.js";
import { driverConfig } from "../../src/driver/config.js";
import { IronicDriver } from "../../src/driver/driver.js";
import type { InstanceSpec } from "../../src/driver/instance-spec.js";
import type { Logger } from "../../src/log/logger.js";
import { silentLogger } from "../../src/log/logger.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";

export function instanceSpec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  const uuid = overrides.uuid ?? randomUUID();
  return {
    uuid,
    name: "test server",
    hostname: "test-server",
    projectId: "project-a",
    userId: "user-a",
    flavor: {
      name: "baremetal",
      vcpus: 8,
      memoryMb: 16_384,
      rootGb: 10,
      swapMb: 0,
      ephemeralGb: 0,
      extraSpecs: { "capabilities:boot_mode": "uefi", "trait:CUSTOM_GOLD": "required" },
    },
    image: {
      id: randomUUID(),
      source: "http://127.0.0.1:1/images/demo.qcow2",
      checksum: "d41d8cd98f00b204e9800998ecf8427e",
      diskFormat: "qcow2",
      properties: {},
    },
    metadata: { role: "test" },
    userData: "#cloud-config\nruncmd: [echo hi]\n",
    publicKeys: [{ name: "key1", type: "ssh", data: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq8f0vQx1m2Yt3b0v5tC1cD7n6oQ5a3y2b8Zl0pQ9Xk test@example" }],
    launchIndex: 0,
    availabilityZone: "nova",
    vifs: [],
    volumes: [],
    files: [],
    ...overrides,
  };
}

/** Short polls and bounded waits for tests: the driver's and the compute tests' base. */
export const FAST_DRIVER_WAITS = {
  pollIntervalMs: 100,
  spawnTimeoutMs: 60_000,
  destroyTimeoutMs: 60_000,
  rebuildTimeoutMs: 60_000,
  rescueTimeoutMs: 60_000,
  powerTimeoutMs: 30_000,
};

export function fastDriver(client: IronicClient, log: Logger = silentLogger, overrides: Parameters<typeof driverConfig>[0] = {}): IronicDriver {
  return new IronicDriver(
    client,
    driverConfig({
      ...FAST_DRIVER_WAITS,
      softPowerOffTimeoutSeconds: 5,
      console: { enableIfDisabled: true, timeoutMs: 10_000 },
      ...overrides,
    }),
    log,
  );
}

/** What of an instance remains on a node, for "nothing left behind" assertions. */
export async function leftovers(client: IronicClient, nodeUuid: string) {
  const node = await client.nodes.get(nodeUuid, ["instance_uuid", "instance_info", "provision_state", "target_provision_state"]);
  const targets = await client.volumes.listTargets(nodeUuid);
  return {
    instance_uuid: node.instance_uuid,
    instance_info: node.instance_info,
    volumeTargets: targets.length,
    provision_state: node.provision_state,
  };
}

export const CLEAN = { instance_uuid: null, instance_info: {}, volumeTargets: 0, provision_state: "available" };

/** The run's real Ironic twice: directly, and behind a fresh fault proxy (a HAND-MADE FAKE). */
export interface ProxiedIronic {
  direct: IronicClient;
  proxy: FaultProxy;
  viaProxy: IronicClient;
  close(): Promise<void>;
}

export async function proxiedIronic(viaProxyOverrides: Parameters<typeof newClient>[0] = {}): Promise<ProxiedIronic> {
  const direct = newClient();
  const proxy = await startFaultProxy(sharedIronicUrl());
  const viaProxy = newClient({ url: proxy.url, ...viaProxyOverrides });
  return {
    direct,
    proxy,
    viaProxy,
    close: async () => {
      await viaProxy.close();
      await proxy.stop();
      await direct.close();
    },
  };
}
