// Tenant-visible faults carry no Ironic internals (issue 8, item 10). A deploy
// fails in Ironic with a last_error naming a signed image URL and the BMC
// address; members see a generic fault message and code (as Nova shows
// tenants), admins see the detail — in the server's fault and in the instance
// action's events. Real service on the run's real Ironic; the failure comes
// from the fault proxy (a HAND-MADE FAKE), since fake hardware never fails a
// deploy: it shows the node as 'deploy failed' once it would have become active.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const TOKEN = "temp_url_sig=5f2c0ffee0ddba11deadbeef";
const LAST_ERROR = `Image download failed for https://swift.internal:8080/v1/AUTH_x/glance/img?${TOKEN}&temp_url_expires=1; IPMI at 10.20.30.40 did not answer`;
const INTERNALS = [TOKEN, "swift.internal", "10.20.30.40", "IPMI", "last_error"];

const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
let id = "";
let requestId = "";

beforeAll(async () => {
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("fault-visibility", { nodes: 2, log: log.logger, ironicUrl: proxy.url });
  // The scheduler picks either node: whichever it is fails its deploy.
  let shown = false; // once, the first time a node looks active
  // The node's own GET or the shared watch's listing, whichever shows it first.
  proxy.add({
    method: "GET",
    path: new RegExp(`^/v1/nodes(/(${api.nodes.join("|")}))?\\?`),
    action: {
      kind: "rewrite",
      rewrite: (r) => {
        const failed = (n: Record<string, unknown>): Record<string, unknown> => {
          if (shown || n["provision_state"] !== "active" || !api.nodes.includes(String(n["uuid"]))) return n;
          shown = true;
          return { ...n, provision_state: "deploy failed", last_error: LAST_ERROR };
        };
        const body = JSON.parse(r.body) as Record<string, unknown>;
        if (!Array.isArray(body["nodes"])) return { status: r.status, body: JSON.stringify(failed(body)) };
        return { status: r.status, body: JSON.stringify({ ...body, nodes: (body["nodes"] as Array<Record<string, unknown>>).map(failed) }) };
      },
    },
  });
  id = await api.createServer("doomed", "ERROR");
  const actions = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as: "member" });
  requestId = ((actions.json["instanceActions"] as Array<{ request_id: string }>)[0] ?? { request_id: "" }).request_id;
});

afterAll(async () => {
  await api.stop();
  await proxy.stop();
});

const at = (version: string) => ({ "openstack-api-version": `compute ${version}` });

describe("a deploy that fails in Ironic", () => {
  it("members see a generic fault message and the code, no detail", async () => {
    for (const version of ["2.1", "2.95"]) {
      const shown = await api.call("GET", `/v2.1/servers/${id}`, { as: "member", headers: at(version) });
      const fault = (shown.json["server"] as { fault: Record<string, unknown> }).fault;
      expect(fault).toEqual({ code: 500, message: "The bare-metal deployment failed.", created: expect.any(String) as unknown });
      for (const secret of INTERNALS) expect(shown.text).not.toContain(secret);
    }
    const listed = await api.call("GET", "/v2.1/servers/detail", { as: "reader" });
    for (const secret of INTERNALS) expect(listed.text).not.toContain(secret);
  });

  it("admins see the detail in the fault", async () => {
    const shown = await api.call("GET", `/v2.1/servers/${id}`);
    const fault = (shown.json["server"] as { fault: Record<string, unknown> }).fault;
    expect(fault["message"]).toBe("The bare-metal deployment failed.");
    expect(fault["details"]).toContain(TOKEN);
    expect(fault["details"]).toContain("10.20.30.40");
  });

  it("members see no detail in the instance action or its events (any microversion)", async () => {
    for (const version of ["2.1", "2.51", "2.84", "2.95"]) {
      const action = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions/${requestId}`, { as: "member", headers: at(version) });
      expect(action.status, action.text).toBe(200);
      for (const secret of INTERNALS) expect(action.text, `${version}: ${action.text}`).not.toContain(secret);
      const doc = action.json["instanceAction"] as { message: string | null; events: Array<Record<string, unknown>> };
      const spawn = doc.events.find((event) => event["event"] === "driver_spawn");
      expect(spawn).toMatchObject({ result: "Error" });
      expect(spawn).not.toHaveProperty("traceback");
      if (version === "2.84" || version === "2.95") expect(spawn?.["details"]).toBe("The bare-metal deployment failed.");
    }
    const list = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as: "member" });
    for (const secret of INTERNALS) expect(list.text).not.toContain(secret);
  });

  it("admins see the detail in the event's traceback", async () => {
    const action = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions/${requestId}`, { headers: at("2.84") });
    const doc = action.json["instanceAction"] as { message: string; events: Array<Record<string, unknown>> };
    const spawn = doc.events.find((event) => event["event"] === "driver_spawn");
    expect(spawn?.["details"]).toBe("The bare-metal deployment failed.");
    expect(spawn?.["traceback"]).toContain(TOKEN);
  });
});

describe("a rebuild that Ironic refuses with internals in its error", () => {
  let rebuilt = "";
  let rebuildRequest = "";

  beforeAll(async () => {
    rebuilt = await api.createServer("refused");
    const node = ((await api.call("GET", `/v2.1/servers/${rebuilt}`)).json["server"] as Record<string, string>)["OS-EXT-SRV-ATTR:hypervisor_hostname"] ?? "";
    const faultstring = `Cannot rebuild: conductor could not reach ${LAST_ERROR}`;
    proxy.add({
      method: "PUT",
      path: `/v1/nodes/${node}/states/provision`,
      times: 1,
      action: { kind: "status", status: 400, body: JSON.stringify({ error_message: JSON.stringify({ faultcode: "Client", faultstring, debuginfo: null }) }) },
    });
    const response = await api.call("POST", `/v2.1/servers/${rebuilt}/action`, { as: "member", body: { rebuild: { imageRef: api.imageId } } });
    expect(response.status, response.text).toBe(202);
    await api.waitForStatus(rebuilt, "ERROR", "member");
    const actions = await api.call("GET", `/v2.1/servers/${rebuilt}/os-instance-actions`, { as: "member" });
    rebuildRequest = ((actions.json["instanceActions"] as Array<{ action: string; request_id: string }>).find((a) => a.action === "rebuild") ?? { request_id: "" }).request_id;
  });

  it("members see a generic fault, action message 'Error' and no detail anywhere", async () => {
    const shown = await api.call("GET", `/v2.1/servers/${rebuilt}`, { as: "member" });
    expect((shown.json["server"] as { fault: Record<string, unknown> }).fault).toMatchObject({
      code: 500,
      message: "The bare-metal service refused or failed the request.",
    });
    const action = await api.call("GET", `/v2.1/servers/${rebuilt}/os-instance-actions/${rebuildRequest}`, { as: "member", headers: at("2.95") });
    expect((action.json["instanceAction"] as { message: string }).message).toBe("Error");
    const list = await api.call("GET", `/v2.1/servers/${rebuilt}/os-instance-actions`, { as: "member" });
    for (const text of [shown.text, action.text, list.text]) {
      for (const secret of INTERNALS) expect(text).not.toContain(secret);
    }
  });

  it("admins see the detail in the fault and the action message", async () => {
    const shown = await api.call("GET", `/v2.1/servers/${rebuilt}`);
    expect((shown.json["server"] as { fault: Record<string, unknown> }).fault["details"]).toContain(TOKEN);
    const action = await api.call("GET", `/v2.1/servers/${rebuilt}/os-instance-actions/${rebuildRequest}`, { headers: at("2.95") });
    expect((action.json["instanceAction"] as { message: string }).message).toContain(TOKEN);
  });
});
