// S9: a spawn that fails at any step after the claim leaves the node exactly as
// it found it — unclaimed, no instance_info, no volume targets, available. The
// failures are injected through the fault proxy (a HAND-MADE FAKE in front of the
// real Ironic), because a healthy fake-hardware Ironic never fails these calls.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { startFaultProxy, type FaultProxy, type FaultRule } from "../../harness/fault-proxy.js";
import {
  NodeAlreadyClaimedError,
  NodeValidationError,
  OperationFailedError,
  OperationTimeoutError,
} from "../../src/driver/errors.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { IronicBadRequestError } from "../../src/ironic/errors.js";
import { newClient, sharedIronicUrl, uniqueResourceClass } from "../support/ironic.js";
import { CLEAN, fastDriver, instanceSpec, leftovers } from "./support.js";

let proxy: FaultProxy;
let direct: IronicClient;
let viaProxy: IronicClient;
let nodes: string[] = [];
const resourceClass = uniqueResourceClass("spawnfail");

const badRequest = (text: string) =>
  JSON.stringify({ error_message: JSON.stringify({ faultcode: "Client", faultstring: text, debuginfo: null }) });

beforeAll(async () => {
  direct = newClient();
  nodes = await enrolNodes(direct, { count: 8, resourceClass, traits: ["CUSTOM_GOLD"] });
  proxy = await startFaultProxy(sharedIronicUrl());
  viaProxy = newClient({ url: proxy.url, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
});

afterEach(() => {
  proxy.clear();
});

afterAll(async () => {
  await viaProxy.close();
  await proxy.stop();
  await direct.close();
});

const withVolumeAndVif = () =>
  instanceSpec({
    volumes: [{ volumeId: randomUUID(), bootIndex: null, volumeType: "iscsi", properties: {} }],
    vifs: [{ id: randomUUID(), networkId: "net-1", fixedIps: [] }],
  });

interface Case {
  name: string;
  rule: (node: string) => FaultRule;
  error: new (...args: never[]) => Error;
  driver?: Parameters<typeof fastDriver>[2];
}

/** The node's own GET, or a listing (the shared watch's), where the node may appear. */
const nodeOrListing = (node: string) => new RegExp(`^/v1/nodes(/${node})?\\?`);

/** Applies `change` to the node in a node's GET or in a listing's `nodes`. */
function rewriteNode(r: { status: number; body: string }, node: string, change: (n: Record<string, unknown>) => Record<string, unknown>) {
  const body = JSON.parse(r.body) as Record<string, unknown>;
  if (!Array.isArray(body["nodes"])) return { status: r.status, body: JSON.stringify(body["uuid"] === node ? change(body) : body) };
  const nodes = (body["nodes"] as Array<Record<string, unknown>>).map((n) => (n["uuid"] === node ? change(n) : n));
  return { status: r.status, body: JSON.stringify({ ...body, nodes }) };
}

const cases: Case[] = [
  {
    // The claim carries the instance_info: the one PATCH is refused, nothing is written.
    name: "writing instance_info (with the claim) is refused",
    rule: (node) => ({ method: "PATCH", path: `/v1/nodes/${node}`, times: 1, action: { kind: "status", status: 400, body: badRequest("Invalid instance_info") } }),
    error: IronicBadRequestError,
  },
  {
    name: "creating the volume target is refused",
    rule: () => ({ method: "POST", path: "/v1/volume/targets", times: 1, action: { kind: "status", status: 400, body: badRequest("Invalid volume type") } }),
    error: IronicBadRequestError,
  },
  {
    name: "attaching the VIF is refused",
    rule: (node) => ({ method: "POST", path: `/v1/nodes/${node}/vifs`, times: 1, action: { kind: "status", status: 400, body: badRequest("Unable to attach VIF, not enough free physical ports.") } }),
    error: OperationFailedError,
  },
  {
    name: "validation of the deploy interface fails",
    rule: (node) => ({
      method: "GET",
      path: `/v1/nodes/${node}/validate`,
      times: 1,
      action: {
        kind: "rewrite",
        rewrite: (r) => ({ status: r.status, body: JSON.stringify({ ...(JSON.parse(r.body) as object), deploy: { result: false, reason: "missing image_source" } }) }),
      },
    }),
    error: NodeValidationError,
  },
  {
    name: "the deploy request is refused",
    rule: (node) => ({ method: "PUT", path: `/v1/nodes/${node}/states/provision`, times: 1, action: { kind: "status", status: 400, body: badRequest("The requested image is not valid") } }),
    error: IronicBadRequestError,
  },
  {
    name: "Ironic reports 'deploy failed' while we wait",
    rule: (node) => {
      let shown = false; // show the failure once, the first time the node looks active
      return {
        method: "GET",
        path: nodeOrListing(node),
        action: {
          kind: "rewrite",
          rewrite: (r) =>
            rewriteNode(r, node, (n) => {
              if (shown || n["provision_state"] !== "active") return n;
              shown = true;
              return { ...n, provision_state: "deploy failed", last_error: "image checksum mismatch" };
            }),
        },
      };
    },
    error: OperationFailedError,
  },
  {
    name: "the deployment never finishes within the bound",
    rule: (node) => {
      let since: number | undefined; // pretend to wait for a call-back for 1.5 s, then tell the truth
      return {
        method: "GET",
        path: nodeOrListing(node),
        action: {
          kind: "rewrite",
          rewrite: (r) =>
            rewriteNode(r, node, (n) => {
              if (n["provision_state"] !== "active") return n;
              since ??= Date.now();
              if (Date.now() - since > 1_500) return n;
              return { ...n, provision_state: "wait call-back", target_provision_state: "active" };
            }),
        },
      };
    },
    error: OperationTimeoutError,
    driver: { spawnTimeoutMs: 1_000 },
  },
];

describe("a spawn failing after the claim unwinds completely", () => {
  cases.forEach((c, index) => {
    it(c.name, async () => {
      const node = nodes[index] ?? "";
      const spec = withVolumeAndVif();
      proxy.add(c.rule(node));
      const driver = fastDriver(viaProxy, undefined, c.driver);
      const error = await driver.spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(c.error);
      expect(await leftovers(direct, node)).toEqual(CLEAN);
    });
  });

  it("a lost claim touches nothing and says NodeAlreadyClaimedError", async () => {
    const node = nodes[7] ?? "";
    const winner = randomUUID();
    await direct.nodes.update(node, [{ op: "add", path: "/instance_uuid", value: winner }]);
    const driver = fastDriver(viaProxy);
    const spec = withVolumeAndVif();
    await expect(driver.spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec)).rejects.toBeInstanceOf(NodeAlreadyClaimedError);
    const n = await direct.nodes.get(node, ["instance_uuid", "instance_info"]);
    expect(n.instance_uuid).toBe(winner);
    await direct.nodes.update(node, [{ op: "remove", path: "/instance_uuid" }]);
  });
});
