// The deploy request's own validation, on the real Ironic: there is no separate
// validate round trip before a deploy (only a boot from volume keeps one), so a
// node that fails validation must still fail the spawn with Ironic's clear
// reason, as NodeValidationError, and be unwound. The failure is real: the
// instance requires a trait the node lacks, which Ironic's deploy request
// checks (validate_instance_info_traits) and refuses with 400.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { NodeValidationError } from "../../src/driver/errors.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { newClient, uniqueResourceClass } from "../support/ironic.js";
import { fastDriver, instanceSpec } from "./support.js";

let client: IronicClient;
let node = "";

beforeAll(async () => {
  client = newClient();
  [node = ""] = await enrolNodes(client, { count: 1, resourceClass: uniqueResourceClass("deploy-validation"), traits: ["CUSTOM_GOLD"] });
});
afterAll(async () => {
  await client.close();
});

describe("a node that fails the deploy request's validation", () => {
  it("fails the spawn with NodeValidationError carrying Ironic's reason, and leaves the node clean", async () => {
    const base = instanceSpec();
    const spec = instanceSpec({ flavor: { ...base.flavor, extraSpecs: { ...base.flavor.extraSpecs, "trait:CUSTOM_MISSING": "required" } } });
    const error = await fastDriver(client).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeValidationError);
    expect((error as Error).message).toMatch(/node failed validation \(.*Failed to validate.*CUSTOM_MISSING/s);
    const after = await client.nodes.get(node, ["instance_uuid", "provision_state", "instance_info"]);
    expect(after).toMatchObject({ instance_uuid: null, provision_state: "available", instance_info: {} });
  });
});
