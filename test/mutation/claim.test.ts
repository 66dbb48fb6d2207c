// The claim's decisions (S1, S3) for the mutation run (vitest.mutation.config.ts):
// which fresh node may be claimed, the exact PATCH a claim sends, how each
// Ironic answer (and a lost answer) maps to a driver error, and the binding
// check before every later node operation. Ironic is a hand-made stub that
// records calls and answers from a script (test/support/ironic-stub.ts); the
// behaviour against a real Ironic is covered by test/driver/*.test.ts.
import { beforeEach, describe, expect, it } from "vitest";
import { CACHE_FIELDS, type CachedNode } from "../../src/driver/availability.js";
import { boundNode, claimNode, writeClaim, type ClaimScope } from "../../src/driver/claim.js";
import {
  DriverError,
  InstanceAlreadyPlacedError,
  InstanceNotFoundError,
  NodeAlreadyClaimedError,
  NodeBindingError,
  NodeNotAvailableError,
} from "../../src/driver/errors.js";
import { INSTANCE_KEY } from "../../src/driver/instance-info.js";
import {
  AuthError,
  InstanceAssociatedError,
  IronicConflictError,
  IronicNotFoundError,
  NodeAssociatedError,
  NodeLockedError,
  OutcomeUnknownError,
  UnavailableError,
} from "../../src/ironic/errors.js";
import { ironicNodesStub } from "../support/ironic-stub.js";

const NODE = "node-1";
const INSTANCE = "inst-1";
const SCOPE: ClaimScope = { projectId: "project-a", partition: {} };

/** A fresh node as the claim reads it: available, unclaimed, nobody's. */
function freshNode(overrides: Partial<CachedNode> & { shard?: string | null } = {}): CachedNode & { shard?: string | null } {
  return {
    uuid: NODE, name: NODE, instance_uuid: null, power_state: "power off", target_power_state: null, provision_state: "available",
    target_provision_state: null, last_error: null, maintenance: false, fault: null, properties: {}, traits: [],
    resource_class: "baremetal", conductor_group: "", owner: null, lessee: null, ...overrides,
  };
}

/** What PATCH answers for a claim that landed. */
const claimedBy = (instance: string) => ({ uuid: NODE, instance_uuid: instance, instance_info: { [INSTANCE_KEY]: instance } });

/** The error `promise` rejects with; fails the test when it resolves or throws something else than a driver error. */
async function refusal(promise: Promise<unknown>): Promise<DriverError> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a refusal, it resolved with ${JSON.stringify(outcome.resolved)}`);
  if (!(outcome.error instanceof DriverError)) throw new Error(`expected a driver error, got ${String(outcome.error)}`);
  return outcome.error;
}

/** The driver error names both ids (callers log and react by them) and carries its cause. */
function expectRefusal(error: DriverError, kind: new (...args: never[]) => DriverError, message: string, cause?: Error): void {
  expect(error).toBeInstanceOf(kind);
  expect(error.message).toBe(message);
  expect(error.node).toBe(NODE);
  expect(error.instance).toBe(INSTANCE);
  expect(error.cause).toBe(cause);
}

const markerOnly = (instance: string) => [
  { op: "add", path: "/instance_uuid", value: instance },
  { op: "add", path: `/instance_info/${INSTANCE_KEY}`, value: instance },
];

describe("claimNode: what the fresh read refuses", () => {
  it.each([
    ["already claimed by another instance", freshNode({ instance_uuid: "inst-2" }), NodeAlreadyClaimedError, "the node already has an instance"],
    ["in maintenance", freshNode({ maintenance: true }), NodeNotAvailableError, "the node is not available: the node is in maintenance"],
    ["still deploying", freshNode({ provision_state: "deploying" }), NodeNotAvailableError, 'the node is not available: the provision state is "deploying"'],
    ["owned by another project", freshNode({ owner: "project-b" }), NodeNotAvailableError, "the node is owned by or leased to another project"],
    ["leased to another project", freshNode({ lessee: "project-b" }), NodeNotAvailableError, "the node is owned by or leased to another project"],
  ] as const)("%s → refused, nothing written", async (_what, node, kind, message) => {
    const stub = ironicNodesStub({ get: [node] });
    expectRefusal(await refusal(claimNode(stub.client, NODE, INSTANCE, SCOPE)), kind, message);
    expect(stub.calls.map((call) => call.method)).toEqual(["get"]);
  });

  it("refuses a node that left the partition, naming why", async () => {
    const stub = ironicNodesStub({ get: [freshNode({ conductor_group: "rack-b" })] });
    const scope: ClaimScope = { projectId: "project-a", partition: { conductorGroup: "rack-a" } };
    expectRefusal(
      await refusal(claimNode(stub.client, NODE, INSTANCE, scope)),
      NodeNotAvailableError,
      "the node left this service's partition: its conductor group is not 'rack-a'",
    );
    expect(stub.calls).toHaveLength(1);
  });

  it("maps a missing node to NodeNotAvailableError with the 404 as cause", async () => {
    const notFound = new IronicNotFoundError("no such node", { status: 404 });
    const stub = ironicNodesStub({ get: [notFound] });
    expectRefusal(await refusal(claimNode(stub.client, NODE, INSTANCE, SCOPE)), NodeNotAvailableError, "the node does not exist", notFound);
  });

  it("lets any other read failure through unchanged", async () => {
    const down = new UnavailableError("no Ironic", { status: 503 });
    const stub = ironicNodesStub({ get: [down] });
    await expect(claimNode(stub.client, NODE, INSTANCE, SCOPE)).rejects.toBe(down);
  });
});

describe("claimNode: what it reads and writes", () => {
  it("reads the cache fields, plus the shard only when the partition names one", async () => {
    const plain = ironicNodesStub({ get: [freshNode()], update: [claimedBy(INSTANCE)] });
    await claimNode(plain.client, NODE, INSTANCE, SCOPE);
    expect(plain.calls[0]).toEqual({ method: "get", ident: NODE, fields: [...CACHE_FIELDS] });

    const sharded = ironicNodesStub({ get: [freshNode({ shard: "s1" })], update: [claimedBy(INSTANCE)] });
    await claimNode(sharded.client, NODE, INSTANCE, { projectId: "project-a", partition: { shard: "s1" } });
    expect(sharded.calls[0]).toEqual({ method: "get", ident: NODE, fields: [...CACHE_FIELDS, "shard"] });
  });

  it("answers undefined, writing nothing, when the node is already ours (a resumed claim)", async () => {
    const stub = ironicNodesStub({ get: [freshNode({ instance_uuid: INSTANCE, provision_state: "deploying", owner: "project-b" })] });
    await expect(claimNode(stub.client, NODE, INSTANCE, SCOPE)).resolves.toBeUndefined();
    expect(stub.calls).toHaveLength(1);
  });

  it("claims a node of the project (or nobody's) with the marker alone, never retried", async () => {
    for (const node of [freshNode(), freshNode({ owner: "project-a" }), freshNode({ lessee: "project-a", owner: "project-b" })]) {
      const answer = claimedBy(INSTANCE);
      const stub = ironicNodesStub({ get: [node], update: [answer] });
      await expect(claimNode(stub.client, NODE, INSTANCE, SCOPE)).resolves.toBe(answer);
      expect(stub.calls[1]).toEqual({ method: "update", ident: NODE, patch: markerOnly(INSTANCE), options: { retry: "none" } });
    }
  });

  it("writes the instance_info the caller builds from the node just read, with the marker", async () => {
    const node = freshNode({ properties: { cpus: 8 } });
    const seen: CachedNode[] = [];
    const stub = ironicNodesStub({ get: [node], update: [claimedBy(INSTANCE)] });
    await claimNode(stub.client, NODE, INSTANCE, SCOPE, (read) => (seen.push(read), { image_source: "img-1" }));
    expect(seen).toEqual([node]);
    expect(stub.calls[1]).toMatchObject({
      patch: [
        { op: "add", path: "/instance_uuid", value: INSTANCE },
        { op: "add", path: "/instance_info", value: { image_source: "img-1", [INSTANCE_KEY]: INSTANCE } },
      ],
    });
  });

  it("resends a claim whose answer was lost once (the default of one resend)", async () => {
    const lost = new OutcomeUnknownError("connection reset");
    const answer = claimedBy(INSTANCE);
    const stub = ironicNodesStub({ get: [freshNode(), { uuid: NODE, instance_uuid: null }], update: [lost, answer] });
    await expect(claimNode(stub.client, NODE, INSTANCE, SCOPE)).resolves.toBe(answer);
    expect(stub.calls.map((call) => call.method)).toEqual(["get", "update", "get", "update"]);
  });
});

describe("writeClaim: the PATCH", () => {
  it("adds instance_uuid and only the marker when no instance_info is given", async () => {
    const answer = claimedBy(INSTANCE);
    const stub = ironicNodesStub({ update: [answer] });
    await expect(writeClaim(stub.client, NODE, INSTANCE)).resolves.toBe(answer);
    expect(stub.calls).toEqual([{ method: "update", ident: NODE, patch: markerOnly(INSTANCE), options: { retry: "none" } }]);
  });

  it("replaces instance_info whole, the marker winning over a stale one in it", async () => {
    const stub = ironicNodesStub({ update: [claimedBy(INSTANCE)] });
    await writeClaim(stub.client, NODE, INSTANCE, 1, { root_gb: "10", [INSTANCE_KEY]: "stale" });
    expect(stub.calls).toEqual([{
      method: "update",
      ident: NODE,
      patch: [
        { op: "add", path: "/instance_uuid", value: INSTANCE },
        { op: "add", path: "/instance_info", value: { root_gb: "10", [INSTANCE_KEY]: INSTANCE } },
      ],
      options: { retry: "none" },
    }]);
  });

  it("refuses an accepted PATCH whose answer names another instance", async () => {
    const stub = ironicNodesStub({ update: [claimedBy("inst-2")] });
    expectRefusal(await refusal(writeClaim(stub.client, NODE, INSTANCE)), NodeBindingError, "Ironic accepted the claim but reports another instance");
  });
});

// The tables hold factories, not errors: src/ code run while the file loads
// (describe level) would, under a mutant that throws, fail the whole file, which
// Stryker's vitest runner counts as a survivor instead of a kill.
describe("writeClaim: Ironic's refusals", () => {
  it.each([
    ["409 node associated → NodeAssociatedError: associated", () => new NodeAssociatedError("associated", { status: 409 }), NodeAlreadyClaimedError, "another instance claimed the node first"],
    ["409 instance associated → InstanceAssociatedError: placed", () => new InstanceAssociatedError("placed", { status: 409 }), InstanceAlreadyPlacedError, "the instance already holds another node"],
    ["409 node locked → NodeLockedError: locked", () => new NodeLockedError("locked", { status: 409 }), NodeAlreadyClaimedError, "the node is busy in Ironic"],
    ["404 → IronicNotFoundError: gone", () => new IronicNotFoundError("gone", { status: 404 }), NodeNotAvailableError, "the node does not exist"],
  ] as const)("%s", async (_what, makeIronicError, kind, message) => {
    const ironicError = makeIronicError();
    const stub = ironicNodesStub({ update: [ironicError] });
    expectRefusal(await refusal(writeClaim(stub.client, NODE, INSTANCE)), kind, message, ironicError);
    expect(stub.calls).toHaveLength(1);
  });

  it.each([
    ["another 409", () => new IronicConflictError("conflict", { status: 409 })],
    ["a 403", () => new AuthError("forbidden", { status: 403 })],
  ])("lets %s through unchanged", async (_what, makeIronicError) => {
    const ironicError = makeIronicError();
    const stub = ironicNodesStub({ update: [ironicError] });
    await expect(writeClaim(stub.client, NODE, INSTANCE)).rejects.toBe(ironicError);
  });
});

describe("writeClaim: a lost answer is decided by reading the node again", () => {
  let lost: OutcomeUnknownError;
  beforeEach(() => {
    lost = new OutcomeUnknownError("connection reset");
  });

  it("reads only instance_uuid, and answers undefined when the claim landed", async () => {
    const stub = ironicNodesStub({ update: [lost], get: [{ uuid: NODE, instance_uuid: INSTANCE }] });
    await expect(writeClaim(stub.client, NODE, INSTANCE)).resolves.toBeUndefined();
    expect(stub.calls[1]).toEqual({ method: "get", ident: NODE, fields: ["instance_uuid"] });
    expect(stub.calls).toHaveLength(2);
  });

  it("refuses when the node is gone, the lost answer as cause", async () => {
    const stub = ironicNodesStub({ update: [lost], get: [new IronicNotFoundError("gone", { status: 404 })] });
    expectRefusal(await refusal(writeClaim(stub.client, NODE, INSTANCE)), NodeNotAvailableError, "the node does not exist", lost);
  });

  it("counts the claim lost when another instance holds the node", async () => {
    const stub = ironicNodesStub({ update: [lost], get: [{ uuid: NODE, instance_uuid: "inst-2" }] });
    expectRefusal(
      await refusal(writeClaim(stub.client, NODE, INSTANCE)),
      NodeAlreadyClaimedError,
      "the claim's outcome was unknown and the node is not ours",
      lost,
    );
    expect(stub.calls).toHaveLength(2);
  });

  it("resends the same PATCH as often as `resend` says, then gives up", async () => {
    const info = { image_source: "img-1" };
    const unclaimed = { uuid: NODE, instance_uuid: null };
    const stub = ironicNodesStub({ update: [lost, lost, lost], get: [unclaimed, unclaimed, unclaimed] });
    const error = await refusal(writeClaim(stub.client, NODE, INSTANCE, 2, info));
    expectRefusal(error, NodeAlreadyClaimedError, "the claim's outcome was unknown and the node is not ours", lost);
    const updates = stub.calls.filter((call) => call.method === "update");
    expect(updates).toHaveLength(3);
    for (const update of updates) expect(update).toEqual(stub.calls[0]);
  });

  it("resends once by default", async () => {
    const answer = claimedBy(INSTANCE);
    const stub = ironicNodesStub({ update: [lost, answer], get: [{ uuid: NODE, instance_uuid: null }] });
    await expect(writeClaim(stub.client, NODE, INSTANCE)).resolves.toBe(answer);
    expect(stub.calls.map((call) => call.method)).toEqual(["update", "get", "update"]);
  });

  it("does not resend with no resend left", async () => {
    const stub = ironicNodesStub({ update: [lost], get: [{ uuid: NODE, instance_uuid: null }] });
    expectRefusal(await refusal(writeClaim(stub.client, NODE, INSTANCE, 0)), NodeAlreadyClaimedError, "the claim's outcome was unknown and the node is not ours", lost);
    expect(stub.calls.map((call) => call.method)).toEqual(["update", "get"]);
  });
});

describe("boundNode: the binding check before a node operation", () => {
  it("reads the asked fields plus instance_uuid and returns the node bound to the instance", async () => {
    const node = { uuid: NODE, instance_uuid: INSTANCE, power_state: "power on" };
    const stub = ironicNodesStub({ get: [node] });
    await expect(boundNode(stub.client, NODE, INSTANCE, ["power_state"])).resolves.toBe(node);
    expect(stub.calls).toEqual([{ method: "get", ident: NODE, fields: ["power_state", "instance_uuid"] }]);
  });

  it.each([
    ["unbound", null, "the node is no longer bound to this instance"],
    ["bound to another instance", "inst-2", "the node belongs to another instance"],
  ])("refuses a node %s", async (_what, instanceUuid, message) => {
    const stub = ironicNodesStub({ get: [{ uuid: NODE, instance_uuid: instanceUuid }] });
    expectRefusal(await refusal(boundNode(stub.client, NODE, INSTANCE, ["uuid"])), NodeBindingError, message);
  });

  it("maps a missing node to InstanceNotFoundError with the 404 as cause", async () => {
    const notFound = new IronicNotFoundError("gone", { status: 404 });
    const stub = ironicNodesStub({ get: [notFound] });
    expectRefusal(await refusal(boundNode(stub.client, NODE, INSTANCE, ["uuid"])), InstanceNotFoundError, "the instance's node no longer exists", notFound);
  });

  it("lets any other read failure through unchanged", async () => {
    const down = new UnavailableError("no Ironic", { status: 503 });
    const stub = ironicNodesStub({ get: [down] });
    await expect(boundNode(stub.client, NODE, INSTANCE, ["uuid"])).rejects.toBe(down);
  });
});
