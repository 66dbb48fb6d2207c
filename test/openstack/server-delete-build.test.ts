// The REAL `openstack server delete` on a server that is still building
// (issue 11 #1): the command returns at once, the server is gone soon after and
// its node is free. The deploy request is held by the fault proxy (a HAND-MADE
// FAKE in front of the real Ironic) so the server is surely in BUILD when the
// delete arrives.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { runOpenstack } from "../../harness/openstack-cli.js";
import { ensureOpenstackClientInstalled } from "../../harness/openstack-client-install.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { cleanEnv } from "../support/client-process.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";
import { waitUntil } from "../support/wait.js";

const log = captureLog("warn");
let proxy: FaultProxy;
let api: TestApi;
let home = "";

beforeAll(async () => {
  await ensureOpenstackClientInstalled();
  home = mkdtempSync(join(tmpdir(), "ironic-compute-osc-delete-"));
  proxy = await startFaultProxy(sharedIronicUrl());
  api = await startTestApi("osc-delete", { nodes: 1, log: log.logger, ironicUrl: proxy.url });
}, 300_000);

afterAll(async () => {
  await api.stop();
  await proxy.stop();
  if (home !== "") rmSync(home, { recursive: true, force: true });
});

describe("openstack server delete during BUILD", () => {
  it("returns at once; the server goes and its node is free", async () => {
    proxy.add({ method: "PUT", path: /^\/v1\/nodes\/[^/]+\/states\/provision/, times: 1, action: { kind: "delay", ms: 8_000 } });
    const created = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "osc-building", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
      headers: { "openstack-api-version": "compute 2.37" },
    });
    expect(created.status, created.text).toBe(202);
    const id = (created.json["server"] as { id: string }).id;
    await waitUntil("the deploy request to be on its way", async () => {
      const server = (await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).json["server"] as Record<string, unknown>;
      return server["OS-EXT-STS:task_state"] === "spawning" ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 50 });

    const run = await runOpenstack(
      ["--os-auth-type", "http_basic", "--os-username", api.users.member.name, "--os-password", api.passwords.member,
        "--os-endpoint", `${api.url}/v2.1`, "--os-compute-api-version", "2.latest", "server", "delete", id],
      { env: cleanEnv(home), cwd: home, timeoutMs: 120_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const after = (await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).json["server"] as Record<string, unknown> | undefined;
    // Still held by the proxy: the delete was accepted without waiting for the deploy.
    expect(after?.["status"]).toBe("BUILD");
    expect(after?.["OS-EXT-STS:task_state"]).toBe("deleting");
    process.stdout.write(`openstack server delete on a BUILD server: exit 0 in ${run.ms} ms\n`);

    await waitUntil("the server to be gone", async () => ((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status === 404 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    await waitUntil("the node to be free", async () => {
      const node = (await api.call("GET", `/admin/v1/nodes/${api.nodes[0] ?? ""}`)).json["node"] as Record<string, unknown> | undefined;
      return node?.["server_id"] === null && node["provision_state"] === "available" ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
  }, 180_000);
});
