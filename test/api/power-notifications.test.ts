// Ironic's power notifications reach the real service: a dedicated real Ironic,
// configured with novaNotifierConfig() to post power-update events to THIS
// test's API (os-server-external-events, HTTP Basic as a user with the
// `service` role, as `npm start` sets it up: createIronicServiceUser),
// powers a server's node off and on behind the service's back, and the server
// follows (SHUTOFF, then ACTIVE) within seconds, while the periodic power sync
// is set to once an hour and never runs during the test.
//
// Order: the API starts first (on port 0, so its URL is known), then Ironic with
// the notifier pointed at it, then the nodes are enrolled. The service does not
// talk to Ironic before it is asked to, so starting it first is safe.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/dev/free-port.js";
import { startIronic, type RunningIronic } from "../../src/dev/ironic-process.js";
import { createIronicServiceUser } from "../../src/dev/ironic-service-user.js";
import { novaNotifierConfig } from "../../src/dev/nova-notifier.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { newClient } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const HOUR_MS = 3_600_000;
const log = captureLog("debug");
let api: TestApi;
let ironic: RunningIronic | undefined;

beforeAll(async () => {
  // Ironic's port is chosen first so the service can be built with its URL.
  const port = await freeLoopbackPort();
  api = await startTestApi("power-events", {
    nodes: 1,
    log: log.logger,
    ironicUrl: `http://127.0.0.1:${port}`,
    reconcileIntervalMs: HOUR_MS,
    beforeEnrol: async ({ url, adminPassword, compute }) => {
      const admin = await compute.authenticate("admin", adminPassword);
      if (admin === undefined) throw new Error("the test admin cannot log in");
      const notifier = await createIronicServiceUser(compute, { ...admin, requestId: "req-00000000-0000-4000-8000-000000000000" });
      ironic = await startIronic({ port, extraConfig: novaNotifierConfig({ computeUrl: `${url}/v2.1`, ...notifier }) });
    },
  });
});

afterAll(async () => {
  await api.stop();
  await ironic?.stop();
});

/** How many power-update events our API accepted (from its own request log). */
function acceptedEvents(): number {
  return log
    .records()
    .filter((record) => record["route"] === "/v2.1/os-server-external-events" && record["method"] === "POST" && record["status"] === 200).length;
}

describe("power notifications from a real Ironic", () => {
  it("a node powered off and on outside the service turns its server SHUTOFF, then ACTIVE, without the periodic sync", async () => {
    const created = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "notified-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
    });
    expect(created.status, created.text).toBe(202);
    const id = (created.json["server"] as { id: string }).id;
    await api.waitForStatus(id, "ACTIVE", "member");
    const shown = await api.call("GET", `/v2.1/servers/${id}`);
    const node = (shown.json["server"] as Record<string, unknown>)["OS-EXT-SRV-ATTR:hypervisor_hostname"] as string;
    expect(api.nodes).toContain(node);

    const direct = newClient({ url: ironic?.url ?? "" });
    try {
      // The create left the node powered on (fake hardware's deploy does not;
      // the create task does it, or the first power sync would say SHUTOFF).
      expect((await direct.nodes.get(node, ["power_state"])).power_state).toBe("power on");

      const before = acceptedEvents();
      const offAt = Date.now();
      await direct.nodes.setPowerState(node, { target: "power off" });
      const off = await api.waitForStatus(id, "SHUTOFF", "member");
      const offMs = Date.now() - offAt;
      expect(off["OS-EXT-STS:power_state"]).toBe(4);
      expect(acceptedEvents()).toBeGreaterThan(before);

      const onAt = Date.now();
      await direct.nodes.setPowerState(node, { target: "power on" });
      const on = await api.waitForStatus(id, "ACTIVE", "member");
      const onMs = Date.now() - onAt;
      expect(on["OS-EXT-STS:power_state"]).toBe(1);
      expect(acceptedEvents()).toBeGreaterThan(before + 1);
      // Far below the (hour-long) reconcile period: the event did it.
      expect(offMs).toBeLessThan(10_000);
      expect(onMs).toBeLessThan(10_000);
      log.logger.info({ offMs, onMs }, "power notification latency");
    } finally {
      await direct.close();
    }
    const changes = log.records().filter((record) => /outside ironic-compute/.test(String(record["msg"])));
    expect(changes.map((record) => record["instance"])).toEqual([id, id]);

    expect((await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" })).status).toBe(204);
  });
});
