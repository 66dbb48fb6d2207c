// Crash-resume: every operation, interrupted between any two of its steps (and
// while waiting), continues from what Ironic shows when it runs again. The crash
// is simulated by throwing from the progress callback, which runs just before a
// step's mutating call — the same as a process dying at that point.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { DESTROY_STEPS, destroyInstance } from "../../src/driver/destroy.js";
import type { Progress } from "../../src/driver/operation.js";
import { rebuildInstance } from "../../src/driver/rebuild.js";
import { rescueInstance, unrescueInstance } from "../../src/driver/rescue.js";
import { runSpawn, SPAWN_STEPS } from "../../src/driver/spawn.js";
import { writeClaim } from "../../src/driver/claim.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { silentLogger } from "../../src/log/logger.js";
import { newClient, uniqueResourceClass } from "../support/ironic.js";
import { CLEAN, fastDriver, instanceSpec, leftovers } from "./support.js";

class SimulatedCrash extends Error {}

let client: IronicClient;
let nodes: string[] = [];
const resourceClass = uniqueResourceClass("resume");
const wait = { pollIntervalMs: 100, timeoutMs: 30_000 };
const unwind = { ...wait, waitForCleaning: true };

/** A progress callback that "crashes" the first time `at` is about to run. */
function crashAt(at: string): (p: Progress<string>) => void {
  let crashed = false;
  return (p) => {
    if (!crashed && p.step === at) {
      crashed = true;
      throw new SimulatedCrash(`crash before ${at}`);
    }
  };
}

const specWithVolume = () =>
  instanceSpec({
    volumes: [{ volumeId: randomUUID(), bootIndex: null, volumeType: "iscsi", properties: {} }],
    vifs: [{ id: randomUUID(), networkId: "net", fixedIps: [] }],
  });

beforeAll(async () => {
  client = newClient();
  nodes = await enrolNodes(client, { count: 10, resourceClass, traits: ["CUSTOM_GOLD"] });
});

afterAll(async () => {
  await client.close();
});

describe("spawn resumes after a crash", () => {
  [...SPAWN_STEPS, "wait" as const].forEach((step, index) => {
    it(`crash before '${step}'`, async () => {
      const node = nodes[index] ?? "";
      const spec = specWithVolume();
      // The claim writes the instance_info too: the step of its own only runs
      // on a claim without it (made by an older version, or by hand).
      if (step === "write-instance-info") await writeClaim(client, node, spec.uuid);
      await expect(
        runSpawn(client, node, spec, { ...wait, onProgress: crashAt(step), unwind }, silentLogger),
      ).rejects.toBeInstanceOf(SimulatedCrash);
      await runSpawn(client, node, spec, { ...wait, unwind }, silentLogger);
      const n = await client.nodes.get(node, ["provision_state", "instance_uuid"]);
      expect(n).toMatchObject({ provision_state: "active", instance_uuid: spec.uuid });
      expect(await client.volumes.listTargets(node)).toHaveLength(1); // not duplicated
      await fastDriver(client).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
    });
  });
});

describe("destroy resumes after a crash", () => {
  it("crash before 'unprovision' of an active node", async () => {
    const node = nodes[6] ?? "";
    const spec = specWithVolume();
    await fastDriver(client).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
    const target = { instanceUuid: spec.uuid, nodeUuid: node };
    await expect(destroyInstance(client, target, { ...unwind, onProgress: crashAt("unprovision") }, silentLogger)).rejects.toBeInstanceOf(SimulatedCrash);
    await destroyInstance(client, target, unwind, silentLogger);
    expect(await leftovers(client, node)).toEqual(CLEAN);
  });

  for (const step of DESTROY_STEPS.filter((s) => s === "delete-volume-targets" || s === "release")) {
    it(`crash before '${step}' of a never-deployed node`, async () => {
      const node = nodes[7] ?? "";
      const spec = specWithVolume();
      await expect(
        runSpawn(client, node, spec, { ...wait, onProgress: crashAt("deploy"), unwind }, silentLogger),
      ).rejects.toBeInstanceOf(SimulatedCrash);
      const target = { instanceUuid: spec.uuid, nodeUuid: node };
      await expect(destroyInstance(client, target, { ...unwind, onProgress: crashAt(step) }, silentLogger)).rejects.toBeInstanceOf(SimulatedCrash);
      await destroyInstance(client, target, unwind, silentLogger);
      expect(await leftovers(client, node)).toEqual(CLEAN);
    });
  }
});

describe("rebuild, rescue and unrescue resume after a crash", () => {
  for (const step of ["write-instance-info", "rebuild", "wait"] as const) {
    it(`rebuild: crash before '${step}'`, async () => {
      const node = nodes[8] ?? "";
      const spec = specWithVolume();
      await fastDriver(client).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
      const before = (await client.nodes.get(node, ["provision_updated_at"])).provision_updated_at;
      const rebuilt = { ...spec, image: { ...(spec.image ?? { id: "", properties: {} }), source: `http://127.0.0.1:1/${step}.qcow2` } };
      // One request, crashed and resumed: the same request id both times.
      const options = { ...wait, preserveEphemeral: false, requestId: randomUUID() };
      await expect(rebuildInstance(client, node, rebuilt, { ...options, onProgress: crashAt(step) }, silentLogger)).rejects.toBeInstanceOf(SimulatedCrash);
      const steps: string[] = [];
      await rebuildInstance(client, node, rebuilt, { ...options, onProgress: (p) => steps.push(p.step) }, silentLogger);
      const n = await client.nodes.get(node, ["provision_state", "instance_info", "provision_updated_at"]);
      expect(n.provision_state).toBe("active");
      expect(n.instance_info["image_source"]).toBe(`http://127.0.0.1:1/${step}.qcow2`);
      expect(n.provision_updated_at).not.toBe(before); // the rebuild really ran
      if (step === "wait") expect(steps).not.toContain("rebuild"); // and ran once
      await fastDriver(client).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
    });
  }

  it("rescue then unrescue, each crashed before its request", async () => {
    const node = nodes[9] ?? "";
    const spec = specWithVolume();
    await fastDriver(client).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
    await expect(rescueInstance(client, node, spec.uuid, "pw-resume-1", { ...wait, onProgress: crashAt("rescue") }, silentLogger)).rejects.toBeInstanceOf(SimulatedCrash);
    await rescueInstance(client, node, spec.uuid, "pw-resume-1", wait, silentLogger);
    expect((await client.nodes.get(node, ["provision_state"])).provision_state).toBe("rescue");
    await expect(unrescueInstance(client, node, spec.uuid, { ...wait, onProgress: crashAt("unrescue") }, silentLogger)).rejects.toBeInstanceOf(SimulatedCrash);
    await unrescueInstance(client, node, spec.uuid, wait, silentLogger);
    expect((await client.nodes.get(node, ["provision_state"])).provision_state).toBe("active");
    await fastDriver(client).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
  });
});
