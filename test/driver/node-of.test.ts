// IronicDriver.nodeOf: the one lookup of the node carrying an instance, with
// Nova's refusal to guess when Ironic names more than one (issue 9 #7), and the
// refusal to spawn or rebuild from a spec made for another instance. Ironic's
// own unique index never lets two nodes share an instance_uuid, so the doubled
// answer comes from the fault proxy (a HAND-MADE FAKE rewriting the real
// Ironic's listing).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultProxy } from "../../harness/fault-proxy.js";
import { enrolNodes } from "../../src/dev/enrol.js";
import { InvalidInputError, OperationFailedError } from "../../src/driver/errors.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { uniqueResourceClass } from "../support/ironic.js";
import { fastDriver, instanceSpec, proxiedIronic, type ProxiedIronic } from "./support.js";

let proxy: FaultProxy;
let direct: IronicClient;
let viaProxy: IronicClient;
let nodes: string[] = [];

let ironics: ProxiedIronic;

beforeAll(async () => {
  ironics = await proxiedIronic();
  ({ direct, proxy, viaProxy } = ironics);
  nodes = await enrolNodes(direct, { count: 2, resourceClass: uniqueResourceClass("nodeof") });
});

afterAll(async () => {
  await ironics.close();
});

describe("IronicDriver.nodeOf", () => {
  it("finds the node carrying the instance, or null", async () => {
    const instance = randomUUID();
    const node = nodes[0] ?? "";
    const driver = fastDriver(direct);
    expect(await driver.nodeOf(instance)).toBeNull();
    await direct.nodes.update(node, [{ op: "add", path: "/instance_uuid", value: instance }]);
    try {
      expect(await driver.nodeOf(instance)).toBe(node);
    } finally {
      await direct.nodes.update(node, [{ op: "remove", path: "/instance_uuid" }]);
    }
  });

  it("refuses to guess when Ironic names two nodes for one instance", async () => {
    const instance = randomUUID();
    const [first, second] = nodes;
    proxy.add({
      method: "GET",
      path: /^\/v1\/nodes\?/,
      times: 1,
      action: {
        kind: "rewrite",
        rewrite: () => ({
          status: 200,
          body: JSON.stringify({ nodes: [{ uuid: first, instance_uuid: instance }, { uuid: second, instance_uuid: instance }] }),
        }),
      },
    });
    await expect(fastDriver(viaProxy).nodeOf(instance)).rejects.toBeInstanceOf(OperationFailedError);
  });

  it("refuses a spawn or rebuild whose spec names another instance, changing nothing in Ironic", async () => {
    const driver = fastDriver(viaProxy);
    proxy.requests.length = 0;
    const target = { instanceUuid: randomUUID(), nodeUuid: nodes[1] ?? "" };
    await expect(driver.spawn(target, instanceSpec())).rejects.toBeInstanceOf(InvalidInputError);
    await expect(driver.rebuild(target, instanceSpec(), { preserveEphemeral: false, requestId: randomUUID() })).rejects.toBeInstanceOf(InvalidInputError);
    expect(proxy.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });
});
