// Power fallbacks, console offering and typed rescue failures. Refusals and
// states a healthy fake-hardware Ironic never produces are injected by the fault
// proxy (a HAND-MADE FAKE in front of the real Ironic).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import type { IronicDriver } from "../../src/driver/driver.js";
import { ConsoleUnavailableError, RescueFailedError, UnrescueFailedError } from "../../src/driver/errors.js";
import { powerFromEvent } from "../../src/driver/power.js";
import type { IronicClient } from "../../src/ironic/client.js";
import { captureLog } from "../support/log-capture.js";
import { newClient, sharedIronicUrl, uniqueResourceClass } from "../support/ironic.js";
import { fastDriver, instanceSpec } from "./support.js";

let proxy: FaultProxy;
let direct: IronicClient;
let viaProxy: IronicClient;
let driver: IronicDriver;
let node = "";
const spec = instanceSpec();
const log = captureLog("warn");

const refusal = (text: string) =>
  JSON.stringify({ error_message: JSON.stringify({ faultcode: "Client", faultstring: text, debuginfo: null }) });
/**
 * Shows the node changed by `change` (null: as it is) both where the driver reads
 * it alone and in the shared watch's listing, so the two never disagree.
 */
function showNode(change: (node: Record<string, unknown>) => Record<string, unknown> | null): void {
  proxy.add({
    method: "GET",
    path: new RegExp(`^/v1/nodes/${node}\\?`),
    action: {
      kind: "rewrite",
      rewrite: (r) => {
        const changed = change(JSON.parse(r.body) as Record<string, unknown>);
        return changed === null ? r : { status: 200, body: JSON.stringify(changed) };
      },
    },
  });
  proxy.add({
    method: "GET",
    path: /^\/v1\/nodes\?/,
    action: {
      kind: "rewrite",
      rewrite: (r) => {
        const page = JSON.parse(r.body) as { nodes: Array<Record<string, unknown>> };
        const nodes = page.nodes.map((listed) => (listed["uuid"] === node ? (change(listed) ?? listed) : listed));
        return { status: r.status, body: JSON.stringify({ ...page, nodes }) };
      },
    },
  });
}
const powerPuts = () => proxy.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/states/power")).map((r) => (JSON.parse(r.body) as { target: string }).target);

beforeAll(async () => {
  direct = newClient();
  [node = ""] = await enrolNodes(direct, { count: 1, resourceClass: uniqueResourceClass("power"), traits: ["CUSTOM_GOLD"] });
  proxy = await startFaultProxy(sharedIronicUrl());
  viaProxy = newClient({ url: proxy.url });
  driver = fastDriver(viaProxy, log.logger);
  await fastDriver(direct).spawn({ instanceUuid: spec.uuid, nodeUuid: node }, spec);
});

afterEach(() => {
  proxy.clear();
  proxy.requests.length = 0;
});

afterAll(async () => {
  await fastDriver(direct).destroy({ instanceUuid: spec.uuid, nodeUuid: node });
  await viaProxy.close();
  await proxy.stop();
  await direct.close();
});

describe("power", () => {
  it("falls back to a hard reboot when the soft one is refused (400)", async () => {
    proxy.add({ method: "PUT", path: `/v1/nodes/${node}/states/power`, times: 1, action: { kind: "status", status: 400, body: refusal("soft rebooting is not supported") } });
    await driver.reboot({ instanceUuid: spec.uuid, nodeUuid: node }, "soft");
    expect(powerPuts()).toEqual(["soft rebooting", "rebooting"]);
    expect(log.text()).toMatch(/soft reboot refused/);
  });

  it("powers off hard when the soft power off is refused", async () => {
    proxy.add({ method: "PUT", path: `/v1/nodes/${node}/states/power`, times: 1, action: { kind: "status", status: 400, body: refusal("soft power off is not supported") } });
    await driver.powerOff({ instanceUuid: spec.uuid, nodeUuid: node });
    expect(powerPuts()).toEqual(["soft power off", "power off"]);
    expect(await driver.power({ instanceUuid: spec.uuid, nodeUuid: node })).toBe("shutdown");
    await driver.powerOn({ instanceUuid: spec.uuid, nodeUuid: node });
  });

  it("powers off hard when the node is still on after the soft attempt, and sends the soft timeout", async () => {
    // While only the soft power off was sent: the guest ignored it.
    showNode((n) =>
      n["power_state"] !== "power off" || powerPuts().length !== 1 ? null : { ...n, power_state: "power on", last_error: "soft power off timed out" },
    );
    await driver.powerOff({ instanceUuid: spec.uuid, nodeUuid: node }, 7);
    expect(powerPuts()).toEqual(["soft power off", "power off"]);
    const soft = proxy.requests.find((r) => r.body.includes("soft power off"));
    expect(JSON.parse(soft?.body ?? "{}")).toEqual({ target: "soft power off", timeout: 7 });
    await driver.powerOn({ instanceUuid: spec.uuid, nodeUuid: node });
  });

  it("maps Ironic's power-update events", () => {
    expect(powerFromEvent("POWER_OFF")).toBe("shutdown");
    expect(powerFromEvent("POWER_ON")).toBe("running");
  });
});

describe("serial console through the driver", () => {
  const showConsole = (info: Record<string, unknown> | null) => { proxy.add({
      method: "GET",
      path: `/v1/nodes/${node}/states/console`,
      action: { kind: "rewrite", rewrite: () => ({ status: 200, body: JSON.stringify({ console_enabled: true, console_info: info }) }) },
    }); };

  const cases: Array<[string, Record<string, unknown> | null, { host: string; port: number } | null]> = [
    ["tcp://127.0.0.1:10000", { type: "socat", url: "tcp://127.0.0.1:10000" }, { host: "127.0.0.1", port: 10000 }],
    ["tcp://[::1]:10000", { type: "socat", url: "tcp://[::1]:10000" }, { host: "::1", port: 10000 }],
    ["ssl://…", { type: "socat", url: "ssl://127.0.0.1:10000" }, null],
    ["http://abcxyz:1a1b", { type: "socat", url: "http://abcxyz:1a1b" }, null],
    ["an invalid url", { type: "socat", url: "an invalid url" }, null],
    ["type shellinabox", { type: "shellinabox", url: "http://127.0.0.1:4201" }, null],
    ["no console info", null, null],
  ];
  for (const [name, info, expected] of cases) {
    it(`${name} → ${expected === null ? "ConsoleUnavailableError" : `${expected.host}:${expected.port}`}`, async () => {
      showConsole(info);
      const result = driver.serialConsole({ instanceUuid: spec.uuid, nodeUuid: node });
      if (expected === null) await expect(result).rejects.toBeInstanceOf(ConsoleUnavailableError);
      else expect(await result).toEqual(expected);
    });
  }

  it("resets an enabled console (disable, then enable) when asked", async () => {
    await direct.nodes.setConsole(node, true);
    for (let i = 0; i < 50 && !(await direct.nodes.getConsole(node)).console_enabled; i++) await new Promise((r) => setTimeout(r, 100));
    await expect(driver.serialConsole({ instanceUuid: spec.uuid, nodeUuid: node }, true)).rejects.toBeInstanceOf(ConsoleUnavailableError);
    const switches = proxy.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/states/console")).map((r) => r.body);
    expect(switches).toEqual(['{"enabled":false}', '{"enabled":true}']);
    await direct.nodes.setConsole(node, false);
  });

  it("refuses when the console is disabled and enabling is not allowed (Nova's behaviour)", async () => {
    const strict = fastDriver(viaProxy, undefined, { console: { enableIfDisabled: false, timeoutMs: 5_000 } });
    await expect(strict.serialConsole({ instanceUuid: spec.uuid, nodeUuid: node })).rejects.toThrow(/disabled/);
  });
});

describe("typed rescue failures", () => {
  const showState = (state: string) => {
    showNode((n) => ({ ...n, provision_state: state, target_provision_state: null, last_error: "ramdisk did not call back" }));
  };

  it("rescue failed → RescueFailedError with Ironic's reason", async () => {
    showState("rescue failed");
    const error = await driver.rescue({ instanceUuid: spec.uuid, nodeUuid: node }, "pw-fail-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RescueFailedError);
    expect((error as Error).message).toMatch(/ramdisk did not call back/);
  });

  it("unrescue failed (after our request) → UnrescueFailedError", async () => {
    proxy.add({
      method: "PUT",
      path: `/v1/nodes/${node}/states/provision`,
      times: 1,
      action: { kind: "status", status: 202, body: "" },
    });
    showState("unrescue failed");
    await expect(driver.unrescue({ instanceUuid: spec.uuid, nodeUuid: node })).rejects.toBeInstanceOf(UnrescueFailedError);
  });
});
