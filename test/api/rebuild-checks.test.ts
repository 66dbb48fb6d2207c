// Rebuild applies create's checks: the name check, and user_data — refused
// below 2.57 (Nova's rebuild schema has no user_data there), checked and
// APPLIED from 2.57 (it goes into the config drive the rebuild deploys; null
// removes it). Real service on the run's real Ironic; the deploy requests are
// observed through the fault proxy (a HAND-MADE FAKE that here only records,
// since Ironic masks the config drive when it is read back).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
let id = "";

const text = (value: string) => Buffer.from(value).toString("base64");
const at = (version: string) => ({ "openstack-api-version": `compute ${version}` });

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("rebuild-checks", { nodes: 1, log: log.logger, ironicUrl: proxy.url });
  const created = await api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name: "rb-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none", user_data: text("#!/bin/sh\necho created\n") } },
  });
  expect(created.status, created.text).toBe(202);
  id = (created.json["server"] as { id: string }).id;
  await api.waitForStatus(id, "ACTIVE");
});

afterAll(async () => {
  await api.stop();
  await proxy.stop();
});

/** The config drive of the last rebuild request sent to Ironic. */
function lastRebuildDrive(): Record<string, unknown> {
  const sent = proxy.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/states/provision") && r.body.includes('"rebuild"')).at(-1);
  if (sent === undefined) throw new Error("no rebuild request reached Ironic");
  return (JSON.parse(sent.body) as { configdrive: Record<string, unknown> }).configdrive;
}

const rebuild = (argument: Record<string, unknown>, version = "2.57") =>
  api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", headers: at(version), body: { rebuild: { imageRef: api.imageId, ...argument } } });

describe("rebuild checks what create checks", () => {
  it("refuses a name create would refuse (control characters)", async () => {
    const response = await rebuild({ name: "bad\u0007name" });
    expect(response.status, response.text).toBe(400);
    expect(response.json).toHaveProperty("badRequest.message", "Invalid server name: 1-255 printable characters");
  });

  it("refuses user_data below 2.57, as Nova's schema does", async () => {
    const response = await rebuild({ user_data: text("#!/bin/sh\n") }, "2.56");
    expect(response.status, response.text).toBe(400);
    expect(response.json).toHaveProperty("badRequest.code", 400);
    expect((response.json["badRequest"] as { message: string }).message).toMatch(/user_data/);
  });

  it("from 2.57, checks user_data as create does (size once decoded, UTF-8)", async () => {
    expect((await rebuild({ user_data: Buffer.alloc(70_000).toString("base64") })).status).toBe(400);
    expect((await rebuild({ user_data: Buffer.from([0xff, 0xfe, 0xfd]).toString("base64") })).status).toBe(400);
    const shown = await api.call("GET", `/v2.1/servers/${id}`, { as: "member" });
    expect(shown.json["server"]).toMatchObject({ status: "ACTIVE", "OS-EXT-STS:task_state": null });
  });

  it("from 2.57, applies user_data: the rebuild's config drive carries the new one", async () => {
    const response = await rebuild({ user_data: text("#!/bin/sh\necho rebuilt\n") });
    expect(response.status, response.text).toBe(202);
    expect(response.text).not.toContain("user_data");
    await api.waitForStatus(id, "ACTIVE");
    expect(lastRebuildDrive()["user_data"]).toBe("#!/bin/sh\necho rebuilt\n");
  });

  it("from 2.57, user_data absent keeps the current one and null removes it", async () => {
    // Each rebuild here changes the image: a rebuild with the image of the one
    // before is not redeployed by the driver (see the report of issue 8).
    const other = await api.call("POST", "/image/v2/images", { body: { name: "rb-other", url: "http://127.0.0.1:1/other.qcow2" } });
    expect(other.status, other.text).toBe(201);
    expect((await rebuild({ imageRef: other.json["id"] })).status).toBe(202);
    await api.waitForStatus(id, "ACTIVE");
    expect(lastRebuildDrive()["user_data"]).toBe("#!/bin/sh\necho rebuilt\n");
    const requests = proxy.requests.length;
    expect((await rebuild({ user_data: null })).status).toBe(202);
    await api.waitForStatus(id, "ACTIVE");
    expect(proxy.requests.slice(requests).some((r) => r.body.includes('"rebuild"'))).toBe(true);
    expect(lastRebuildDrive()).not.toHaveProperty("user_data");
  });
});
