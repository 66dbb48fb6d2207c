// Flavors as Nova expresses bare metal (issue 18 #1), through the HTTP API on
// the real service and Ironic: Nova's os-extra_specs routes and answers, the
// flavor document without fields of its own, and a server create refused
// before anything exists when the flavor's extra specs name no node class.
import { describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("info");
const api = testApiForFile("flavorspecs", { nodes: 1, log: log.logger });

const mv = (version: string) => ({ "openstack-api-version": `compute ${version}` });
const message = (json: Record<string, unknown>): string => {
  const fault = Object.values(json)[0] as { message?: string } | undefined;
  return fault?.message ?? "";
};

describe("os-extra_specs as Nova answers", () => {
  it("create merges and echoes the body, show gives one key, update needs the URL's key, delete answers 200 with no body", async () => {
    const id = await api.flavor("specs-crud", {});
    const base = `/v2.1/flavors/${id}/os-extra_specs`;
    expect((await api.call("GET", base, { as: "reader" })).json).toEqual({ extra_specs: {} });

    // A number is taken (Nova's schema) and echoed as given; it is kept as text.
    const created = await api.call("POST", base, { body: { extra_specs: { "resources:CUSTOM_GOLD": "1", "hw:count": 5 } } });
    expect(created.status, created.text).toBe(200);
    expect(created.json).toEqual({ extra_specs: { "resources:CUSTOM_GOLD": "1", "hw:count": 5 } });
    const merged = await api.call("POST", base, { body: { extra_specs: { "trait:CUSTOM_RAID": "required" } } });
    expect(merged.status).toBe(200);
    expect((await api.call("GET", base, { as: "member" })).json).toEqual({
      extra_specs: { "resources:CUSTOM_GOLD": "1", "hw:count": "5", "trait:CUSTOM_RAID": "required" },
    });

    const one = await api.call("GET", `${base}/${encodeURIComponent("trait:CUSTOM_RAID")}`, { as: "reader" });
    expect(one.status).toBe(200);
    expect(one.json).toEqual({ "trait:CUSTOM_RAID": "required" });
    const missing = await api.call("GET", `${base}/nothing`, { as: "reader" });
    expect(missing.status).toBe(404);
    expect(message(missing.json)).toBe(`Flavor ${id} has no extra specs with key nothing.`);

    const updated = await api.call("PUT", `${base}/trait:CUSTOM_RAID`, { body: { "trait:CUSTOM_RAID": "forbidden" } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.json).toEqual({ "trait:CUSTOM_RAID": "forbidden" });
    const mismatch = await api.call("PUT", `${base}/trait:CUSTOM_RAID`, { body: { "trait:CUSTOM_OTHER": "forbidden" } });
    expect(mismatch.status).toBe(400);
    expect(message(mismatch.json)).toBe("Request body and URI mismatch");
    expect((await api.call("PUT", `${base}/a`, { body: { a: "1", b: "2" } })).status).toBe(400);

    const removed = await api.call("DELETE", `${base}/hw:count`);
    expect(removed.status).toBe(200);
    expect(removed.text).toBe("");
    const again = await api.call("DELETE", `${base}/hw:count`);
    expect(again.status).toBe(404);
    expect(message(again.json)).toBe(`Flavor ${id} has no extra specs with key hw:count.`);
    expect((await api.call("GET", base)).json).toEqual({ extra_specs: { "resources:CUSTOM_GOLD": "1", "trait:CUSTOM_RAID": "forbidden" } });
  });

  it("writes are for admins; bad keys, long values and bad scheduling values are 400; an unknown flavor is 404", async () => {
    const id = await api.flavor("specs-refusals", {});
    const base = `/v2.1/flavors/${id}/os-extra_specs`;
    for (const who of ["member", "reader"] as const) {
      expect((await api.call("POST", base, { as: who, body: { extra_specs: { a: "1" } } })).status).toBe(403);
      expect((await api.call("PUT", `${base}/a`, { as: who, body: { a: "1" } })).status).toBe(403);
      expect((await api.call("DELETE", `${base}/a`, { as: who })).status).toBe(403);
    }
    const refused = async (extra_specs: Record<string, unknown>, text: string) => {
      const answer = await api.call("POST", base, { body: { extra_specs } });
      expect(answer.status, answer.text).toBe(400);
      expect(message(answer.json)).toContain(text);
    };
    await refused({ "bad/key": "1" }, "extra_specs");
    await refused({ a: "x".repeat(256) }, "extra_specs");
    await refused({ "resources:CUSTOM_GOLD": "one" }, "the amount must be a whole number");
    await refused({ "trait:CUSTOM_RAID": "yes" }, "a trait is 'required' or 'forbidden'");
    await refused({ "resources:custom_gold": "1" }, "is not a resource class name");
    expect((await api.call("POST", base, { body: { specs: {} } })).status).toBe(400);
    expect((await api.call("GET", base)).json).toEqual({ extra_specs: {} });

    expect((await api.call("POST", "/v2.1/flavors/no-such-flavor/os-extra_specs", { body: { extra_specs: { a: "1" } } })).status).toBe(404);
    expect((await api.call("GET", "/v2.1/flavors/no-such-flavor/os-extra_specs")).status).toBe(404);
    expect((await api.call("DELETE", "/v2.1/flavors/no-such-flavor/os-extra_specs/a")).status).toBe(404);
  });
});

describe("the flavor document", () => {
  it("has Nova's fields only, extra_specs from 2.61; the old scheduling fields are refused at create", async () => {
    const shown = await api.call("GET", `/v2.1/flavors/${api.flavorId}`, { headers: mv("2.61") });
    const flavor = shown.json["flavor"] as Record<string, unknown>;
    expect(Object.keys(flavor).sort()).toEqual(
      [
        "id", "name", "links", "description", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral", "OS-FLV-DISABLED:disabled",
        "os-flavor-access:is_public", "swap", "rxtx_factor", "extra_specs",
      ].sort(),
    );
    expect(flavor["extra_specs"]).toEqual({
      [`resources:CUSTOM_${api.resourceClass}`]: "1",
      "resources:VCPU": "0",
      "resources:MEMORY_MB": "0",
      "resources:DISK_GB": "0",
    });
    const before = (await api.call("GET", `/v2.1/flavors/${api.flavorId}`, { headers: mv("2.60") })).json["flavor"] as Record<string, unknown>;
    expect(before).not.toHaveProperty("extra_specs");
    const listed = (await api.call("GET", "/v2.1/flavors/detail", { headers: mv("2.61") })).json["flavors"] as Array<Record<string, unknown>>;
    expect(listed.find((one) => one["id"] === api.flavorId)?.["extra_specs"]).toEqual(flavor["extra_specs"]);

    const old = await api.call("POST", "/v2.1/flavors", { body: { flavor: { name: "old-style", ram: 1, vcpus: 1, disk: 1, resource_class: "baremetal" } } });
    expect(old.status).toBe(400);
  });
});

describe("server create and the flavor's resource class", () => {
  const create = (name: string, flavorRef: string) =>
    api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name, imageRef: api.imageId, flavorRef, networks: "none" } } });
  const names = async (): Promise<string[]> =>
    ((await api.call("GET", "/v2.1/servers?all_tenants=True")).json["servers"] as Array<{ name: string }>).map((server) => server.name);

  it("a flavor with no resource class is refused with a clear 400 and nothing is created", async () => {
    const id = await api.flavor("classless", { "resources:VCPU": "0", "trait:CUSTOM_RAID": "required" });
    const refused = await create("classless-1", id);
    expect(refused.status, refused.text).toBe(400);
    expect(message(refused.json)).toMatch(new RegExp(`^Flavor ${id} has no bare-metal resource class: set its extra spec resources:CUSTOM_<CLASS>=1`));
    expect(await names()).not.toContain("classless-1");

    const two = await api.flavor("two-classes", { "resources:CUSTOM_A": "1", "resources:CUSTOM_B": "1" });
    const both = await create("two-1", two);
    expect(both.status).toBe(400);
    expect(message(both.json)).toContain("asks for two resource classes (CUSTOM_A, CUSTOM_B)");
    expect(await names()).not.toContain("two-1");
  });

  it("a flavor becomes schedulable once its class is set, and a trait no node has leaves No valid host", async () => {
    const id = await api.flavor("later", {});
    expect((await create("later-0", id)).status).toBe(400);
    // The node's spelling of its class, upper-cased as Nova names it.
    const set = await api.call("PUT", `/v2.1/flavors/${id}/os-extra_specs/resources:CUSTOM_${api.resourceClass}`, {
      body: { [`resources:CUSTOM_${api.resourceClass}`]: "1" },
    });
    expect(set.status, set.text).toBe(200);
    expect((await api.call("POST", `/v2.1/flavors/${id}/os-extra_specs`, { body: { extra_specs: { "trait:CUSTOM_NO_NODE_HAS_IT": "required" } } })).status).toBe(200);
    const accepted = await create("later-1", id);
    expect(accepted.status, accepted.text).toBe(202);
    const server = (accepted.json["server"] as { id: string }).id;
    const failed = await api.waitForStatus(server, "ERROR", "member");
    expect(failed["fault"]).toMatchObject({ message: expect.stringContaining("No valid host") as string });
    expect((await api.call("DELETE", `/v2.1/servers/${server}`, { as: "member" })).status).toBe(204);
  });
});
