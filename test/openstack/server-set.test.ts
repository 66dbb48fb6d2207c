// The REAL `openstack` CLI (Debian's python3-openstackclient) on server
// details: `server set --name/--property/--tag`, `server unset
// --property/--tag`, `server lock/unlock`, in deployment shape A of
// docs/openstack-compat.md (one URL, http_basic, 2.latest). Each result is
// read back through the API, not from the CLI's own output.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOpenstack } from "../../harness/openstack-cli.js";
import { ensureOpenstackClientInstalled } from "../../harness/openstack-client-install.js";
import { testApiForFile } from "../support/api-service.js";
import { cleanEnv } from "../support/client-process.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("warn");
const api = testApiForFile("server-set", { nodes: 1, log: log.logger });
let home = "";
let id = "";
/** The x-openstack-request-id the create answered with (issue 17 #2). */
let createRequestId = "";

async function openstack(...command: string[]): Promise<string> {
  const run = await runOpenstack(
    [
      "--os-auth-type", "http_basic",
      "--os-username", api.users.member.name,
      "--os-password", api.passwords.member,
      "--os-endpoint", `${api.url}/v2.1`,
      "--os-compute-api-version", "2.latest",
      ...command,
    ],
    { env: cleanEnv(home), cwd: home, timeoutMs: 120_000 },
  );
  expect(run.code, `openstack ${command.join(" ")}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

async function shown(): Promise<Record<string, unknown>> {
  const result = await api.call("GET", `/v2.1/servers/${id}`, { as: "member", headers: { "openstack-api-version": "compute 2.95" } });
  return result.json["server"] as Record<string, unknown>;
}

beforeAll(async () => {
  await ensureOpenstackClientInstalled();
  home = mkdtempSync(join(tmpdir(), "ironic-compute-osc-set-"));
  const created = await api.call("POST", "/v2.1/servers", {
    as: "member",
    body: { server: { name: "osc-set", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
  });
  expect(created.status, created.text).toBe(202);
  id = (created.json["server"] as { id: string }).id;
  createRequestId = String(created.headers["x-openstack-request-id"]);
  await api.waitForStatus(id, "ACTIVE", "member");
}, 300_000);

afterAll(() => {
  if (home !== "") rmSync(home, { recursive: true, force: true });
});

describe("openstack server set / unset / lock", () => {
  it("server set --name --property --tag, then server unset --property --tag", async () => {
    await openstack("server", "set", "--name", "osc-renamed", "--property", "team=blue", "--property", "tier=web", "--tag", "prod", "--tag", "eu", id);
    expect(await shown()).toMatchObject({ name: "osc-renamed", metadata: { team: "blue", tier: "web" }, tags: ["eu", "prod"] });
    await openstack("server", "unset", "--property", "tier", "--tag", "eu", id);
    expect(await shown()).toMatchObject({ metadata: { team: "blue" }, tags: ["prod"] });
  }, 120_000);

  it("server lock --reason, then server unlock", async () => {
    await openstack("server", "lock", "--reason", "maintenance window", id);
    expect(await shown()).toMatchObject({ locked: true, locked_reason: "maintenance window" });
    const refused = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { reboot: { type: "SOFT" } } });
    expect(refused.status).toBe(409);
    await openstack("server", "unlock", id);
    expect(await shown()).toMatchObject({ locked: false, locked_reason: null });
  }, 120_000);

  it("server event show lists the deploy's phases (issue 11 #7)", async () => {
    const actions = JSON.parse(await openstack("server", "event", "list", id, "-f", "json")) as Array<Record<string, unknown>>;
    const create = actions.find((action) => action["Action"] === "create");
    expect(create, JSON.stringify(actions)).toBeDefined();
    // The request id the API answered the create with is the one the CLI shows (issue 17 #2).
    expect(create?.["Request ID"]).toBe(createRequestId);
    for (const action of actions) expect(action["Request ID"]).toMatch(/^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const shownAction = JSON.parse(await openstack("server", "event", "show", id, String(create?.["Request ID"]), "-f", "json")) as Record<string, unknown>;
    const events = (shownAction["events"] as Array<Record<string, unknown>>).map((event) => event["event"]);
    // The claim carried the instance_info: no spawn_write_instance_info after a fresh claim (issue 14 #1).
    expect(events).toEqual(expect.arrayContaining(["schedule_and_claim", "driver_spawn", "spawn_deploy_requested"]));
    expect(events).not.toContain("spawn_write_instance_info");
  }, 120_000);
});
