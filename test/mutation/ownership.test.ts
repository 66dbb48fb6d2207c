// Whether a claimed node is ours (the marker rule of src/driver/ownership.ts),
// for the mutation run (vitest.mutation.config.ts): both the pure verdict and
// the read behind it, Ironic being a stub that records calls
// (test/support/ironic-stub.ts).
import { describe, expect, it } from "vitest";
import { INSTANCE_KEY } from "../../src/driver/instance-info.js";
import { nodeOwnership, ownershipOf } from "../../src/driver/ownership.js";
import { IronicNotFoundError, UnavailableError } from "../../src/ironic/errors.js";
import { ironicNodesStub } from "../support/ironic-stub.js";

const claim = (instanceUuid: string | null, instanceInfo: Record<string, unknown>) => ({ uuid: "node-1", instance_uuid: instanceUuid, instance_info: instanceInfo });

describe("ownershipOf", () => {
  it.each([
    ["node gone", null, "gone"],
    ["unclaimed", claim(null, {}), "elsewhere"],
    ["unclaimed, a marker left behind", claim(null, { [INSTANCE_KEY]: "i-1" }), "elsewhere"],
    ["claimed for another instance, our marker", claim("other", { [INSTANCE_KEY]: "i-1" }), "elsewhere"],
    ["claimed for us, no marker", claim("i-1", {}), "unmarked"],
    ["claimed for us, another instance's marker", claim("i-1", { [INSTANCE_KEY]: "i-2" }), "unmarked"],
    ["claimed for us, the marker under another key", claim("i-1", { instance_uuid: "i-1" }), "unmarked"],
    ["claimed for us with our marker", claim("i-1", { [INSTANCE_KEY]: "i-1" }), "ours"],
  ] as const)("%s → %s", (_what, node, kind) => {
    expect(ownershipOf(node, "i-1")).toStrictEqual({ kind });
  });
});

describe("nodeOwnership", () => {
  it("reads the claim fields and answers their verdict", async () => {
    const stub = ironicNodesStub({ get: [claim("i-1", { [INSTANCE_KEY]: "i-1" })] });
    await expect(nodeOwnership(stub.client, "node-1", "i-1")).resolves.toStrictEqual({ kind: "ours" });
    expect(stub.calls).toEqual([{ method: "get", ident: "node-1", fields: ["instance_uuid", "instance_info"] }]);
  });

  it("answers gone for a node Ironic no longer has", async () => {
    const stub = ironicNodesStub({ get: [new IronicNotFoundError("gone", { status: 404 })] });
    await expect(nodeOwnership(stub.client, "node-1", "i-1")).resolves.toStrictEqual({ kind: "gone" });
  });

  it("lets any other read failure through", async () => {
    const down = new UnavailableError("no Ironic", { status: 503 });
    const stub = ironicNodesStub({ get: [down] });
    await expect(nodeOwnership(stub.client, "node-1", "i-1")).rejects.toBe(down);
  });
});
