// The request id end to end at the API (issue 17): a client's valid
// X-OpenStack-Request-ID becomes the request's id (echoed, recorded in the
// server's instance actions); an invalid one is ignored for a fresh req-<uuid>.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { sharedIronicLogFile } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("info");
const api = testApiForFile("request-id", { nodes: 1, log: log.logger });

const REQ = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

it("a client's X-OpenStack-Request-ID names the create and lock actions; an invalid one is replaced", async () => {
  const given = `req-${randomUUID()}`;
  const created = await api.call("POST", "/v2.1/servers", {
    as: "member",
    headers: { "X-OpenStack-Request-ID": given.toUpperCase().replace("REQ-", "req-") },
    body: { server: { name: "request-id-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
  });
  expect(created.status, created.text).toBe(202);
  expect(created.headers["x-openstack-request-id"]).toBe(given);
  expect(created.headers["x-compute-request-id"]).toBe(given);
  const id = (created.json["server"] as { id: string }).id;
  await api.waitForStatus(id, "ACTIVE", "member");

  const invalid = `req-${randomUUID()}-x`;
  const locked = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", headers: { "X-OpenStack-Request-ID": invalid }, body: { lock: null } });
  expect(locked.status, locked.text).toBe(202);
  const lockId = locked.headers["x-openstack-request-id"];
  expect(lockId).toMatch(REQ);
  expect(lockId).not.toBe(invalid);
  expect(lockId).not.toBe(given);

  const actions = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as: "member" });
  expect(actions.status, actions.text).toBe(200);
  const byAction = Object.fromEntries((actions.json["instanceActions"] as Array<{ action: string; request_id: string }>).map((a) => [a.action, a.request_id]));
  expect(byAction).toEqual({ create: given, lock: lockId });
  const one = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions/${given}`, { as: "member" });
  expect(one.status, one.text).toBe(200);
  expect(one.json["instanceAction"]).toMatchObject({ action: "create", request_id: given });
  // The unchecked header never reaches a log line.
  expect(log.text()).not.toContain(invalid);
  // The create's task logs under the client's id and sends it to Ironic as its
  // global request id: Ironic's own log lines carry it.
  expect(log.records().some((line) => line["request_id"] === given && line["msg"] === "task finished")).toBe(true);
  const ironicLog = sharedIronicLogFile();
  expect(ironicLog, "set IRONIC_COMPUTE_TEST_IRONIC_LOG with IRONIC_COMPUTE_TEST_IRONIC_URL").not.toBe("");
  expect(readFileSync(ironicLog, "utf8").split("\n").filter((line) => line.includes(`[${given} req-`)).length).toBeGreaterThan(0);

  expect((await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { unlock: null } })).status).toBe(202);
  expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
}, 180_000);
