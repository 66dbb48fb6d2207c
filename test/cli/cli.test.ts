// The real `ironic-compute` command (node bin/ironic-compute.js, a child process)
// against the real service on the run's real Ironic.
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { testApiForFile } from "../support/api-service.js";
import { CLI_BIN, envWithoutOurs } from "../support/cli-process.js";
import { captureLog } from "../support/log-capture.js";

const api = testApiForFile("cli", { nodes: 1, log: captureLog("warn").logger });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      {
        env: envWithoutOurs({ IRONIC_COMPUTE_URL: api.url, IRONIC_COMPUTE_USERNAME: "admin", IRONIC_COMPUTE_PASSWORD: api.passwords.admin, ...env }),
        timeout: 90_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// Each command is a fresh node process (about a second each under load).
describe("ironic-compute CLI", { timeout: 180_000 }, () => {
  it("flavor list -f json", async () => {
    const run = await cli(["flavor", "list", "-f", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const flavors = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(flavors).toEqual(expect.arrayContaining([expect.objectContaining({ ID: api.flavorId, Name: "bm-cli", "Resource Class": `CUSTOM_${api.resourceClass}` })]));
  });

  it("flavor create --resource-class/--property, set, unset write Nova's extra specs; a class-less flavor is refused at server create", async () => {
    const created = await cli(["-f", "json", "flavor", "create", "--resource-class", "gold-cli", "--required-trait", "CUSTOM_RAID", "--property", "hw:note=cli", "gold-cli"]);
    expect(created.code, created.stderr).toBe(0);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    const specs = async () => (await api.call("GET", `/v2.1/flavors/${id}/os-extra_specs`)).json["extra_specs"];
    expect(await specs()).toEqual({
      "resources:CUSTOM_GOLD_CLI": "1",
      "resources:VCPU": "0",
      "resources:MEMORY_MB": "0",
      "resources:DISK_GB": "0",
      "trait:CUSTOM_RAID": "required",
      "hw:note": "cli",
    });
    expect((await cli(["flavor", "set", "--property", "capabilities:boot_mode=uefi", "gold-cli"])).code).toBe(0);
    expect((await cli(["flavor", "unset", "--property", "hw:note", "--property", "trait:CUSTOM_RAID", "gold-cli"])).code).toBe(0);
    expect(await specs()).toEqual({
      "resources:CUSTOM_GOLD_CLI": "1",
      "resources:VCPU": "0",
      "resources:MEMORY_MB": "0",
      "resources:DISK_GB": "0",
      "capabilities:boot_mode": "uefi",
    });

    expect((await cli(["flavor", "create", "--property", "trait:CUSTOM_RAID=required", "classless-cli"])).code).toBe(0);
    const refused = await cli(["server", "create", "--flavor", "classless-cli", "--image", "demo-cli", "classless-1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: Flavor \S+ has no bare-metal resource class: set its extra spec resources:CUSTOM_<CLASS>=1.*\(HTTP 400\)\n$/);
    const bad = await cli(["flavor", "create", "--property", "trait:CUSTOM_RAID=maybe", "bad-cli"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("a trait is 'required' or 'forbidden'");
  });

  it("server create --wait, list, show, reboot --wait, delete --wait", async () => {
    const created = await cli(["server", "create", "--flavor", "bm-cli", "--image", "demo-cli", "--property", "team=red", "--wait", "cli-1"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/status\s*\|\s*ACTIVE/);
    expect(created.stderr).toMatch(/cli-1: (BUILD|ACTIVE) step=\S+ .*elapsed=\d+s/);
    const list = await cli(["server", "list", "-f", "json"]);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ Name: "cli-1", Status: "ACTIVE", Flavor: "bm-cli" })]);
    const reboot = await cli(["server", "reboot", "--hard", "--wait", "cli-1"]);
    expect(reboot.code, reboot.stderr).toBe(0);
    const show = await cli(["--format", "json", "server", "show", "cli-1"]);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: "cli-1", status: "ACTIVE", metadata: { team: "red" } });
    const deleted = await cli(["server", "delete", "--wait", "cli-1"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toMatch(/deleted/);
    const gone = await cli(["server", "show", "cli-1"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe("error: No server with a name or ID of 'cli-1' exists.\n");
  });

  it("a server that ends in ERROR: exit code 1 and its fault", async () => {
    const flavor = await cli(["flavor", "create", "--resource-class", "NO_NODES_CLI", "--vcpus", "1", "nowhere-cli"]);
    expect(flavor.code, flavor.stderr).toBe(0);
    const run = await cli(["server", "create", "--flavor", "nowhere-cli", "--image", "demo-cli", "--wait", "doomed-cli"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: server doomed-cli \(\S+\) is in ERROR: .*No valid host/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect((await cli(["server", "delete", "--wait", "doomed-cli"])).code).toBe(0);
  });

  it("API errors print the message, exit 1, no stack trace", async () => {
    const wrong = await cli(["server", "list"], { IRONIC_COMPUTE_PASSWORD: "wrong-password" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: .*\(HTTP 401\)\n$/);
    const forbidden = await cli(["flavor", "create", "--resource-class", "X", "x"], {
      IRONIC_COMPUTE_USERNAME: "member-cli",
      IRONIC_COMPUTE_PASSWORD: api.passwords.member,
    });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^error: .*admin.*\(HTTP 403\)\n$/);
    const unreachable = await cli(["image", "list"], { IRONIC_COMPUTE_URL: "http://127.0.0.1:1" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: cannot reach the API/);
  });

  it("keypair create prints the generated private key once; image, node, project and user commands work", async () => {
    const keypair = await cli(["keypair", "create", "kp-cli"], { IRONIC_COMPUTE_USERNAME: "member-cli", IRONIC_COMPUTE_PASSWORD: api.passwords.member });
    expect(keypair.code, keypair.stderr).toBe(0);
    expect(keypair.stdout).toMatch(/^-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    const images = await cli(["image", "list", "-f", "json"]);
    expect(JSON.parse(images.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ Name: "demo-cli" })]));
    const nodes = await cli(["node", "list", "-f", "json"]);
    expect(JSON.parse(nodes.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ UUID: api.nodes[0] })]));
    const project = await cli(["project", "create", "p-cli-extra"]);
    expect(project.code, project.stderr).toBe(0);
    const user = await cli(["-f", "json", "user", "create", "--project", "p-cli-extra", "--role", "reader", "u-cli-extra"]);
    expect(user.code, user.stderr).toBe(0);
    const generated = (JSON.parse(user.stdout) as { password: string }).password;
    const asNew = await cli(["server", "list"], { IRONIC_COMPUTE_USERNAME: "u-cli-extra", IRONIC_COMPUTE_PASSWORD: generated });
    expect(asNew.code, asNew.stderr).toBe(0);
    const reset = await cli(["-f", "json", "user", "set", "--reset-password", "--role", "member", "u-cli-extra"]);
    expect(reset.code, reset.stderr).toBe(0);
    const changed = JSON.parse(reset.stdout) as { password: string; role: string };
    expect(changed.role).toBe("member");
    expect(changed.password).not.toBe(generated);
    const oldPassword = await cli(["server", "list"], { IRONIC_COMPUTE_USERNAME: "u-cli-extra", IRONIC_COMPUTE_PASSWORD: generated });
    expect(oldPassword.code).toBe(1);
    const newPassword = await cli(["server", "list"], { IRONIC_COMPUTE_USERNAME: "u-cli-extra", IRONIC_COMPUTE_PASSWORD: changed.password });
    expect(newPassword.code, newPassword.stderr).toBe(0);
    expect((await cli(["user", "set", "u-cli-extra"])).stderr).toMatch(/give --role, --reset-password or both/);
    expect((await cli(["user", "delete", "u-cli-extra"])).code).toBe(0);
    expect((await cli(["project", "delete", "p-cli-extra"])).code).toBe(0);
  });

  it("audit list shows the admin changes, newest first, filtered; never a password", async () => {
    const project = await cli(["-f", "json", "project", "create", "p-cli-audit"]);
    expect(project.code, project.stderr).toBe(0);
    const projectId = (JSON.parse(project.stdout) as { id: string }).id;
    const user = await cli(["-f", "json", "user", "create", "--project", "p-cli-audit", "u-cli-audit"]);
    expect(user.code, user.stderr).toBe(0);
    const password = (JSON.parse(user.stdout) as { password: string }).password;
    const listed = await cli(["-f", "json", "audit", "list", "--resource-type", "project", "--resource-id", projectId]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ Action: "create", Type: "project", ID: projectId, Name: "p-cli-audit", User: "admin" })]);
    const latest = await cli(["-f", "json", "audit", "list", "--limit", "1"]);
    expect(latest.code, latest.stderr).toBe(0);
    const [entry] = JSON.parse(latest.stdout) as Array<Record<string, string>>;
    expect(entry).toMatchObject({ Action: "create", Type: "user", Name: "u-cli-audit" });
    expect(JSON.parse(entry?.["Changes"] ?? "{}")).toEqual({ project_id: projectId, role: "member", password: "set" });
    expect(latest.stdout).not.toContain(password);
    const asMember = await cli(["audit", "list"], { IRONIC_COMPUTE_USERNAME: "member-cli", IRONIC_COMPUTE_PASSWORD: api.passwords.member });
    expect(asMember.code).toBe(1);
    expect((await cli(["audit", "list", "--limit", "5000"])).code).toBe(1);
  });
});
