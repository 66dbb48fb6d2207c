// Takes the screenshots of docs/dashboard.md: the service (SQLite in a temp dir)
// on a real Ironic with a few fake-hardware nodes, some servers, and Debian's
// Chromium driven by playwright-core. Run: npx tsx scripts/dashboard-screenshots.ts
// (IRONIC_URL: the Ironic to use, default the test run's http://127.0.0.1:6399).
//
// The console shot needs a socat console, which fake-hardware nodes cannot have:
// as in the tests, the service reaches Ironic through the fault proxy
// (harness/fault-proxy.ts), which turns an enabled console's info into
// tcp:// of a local listener that prints a boot log.
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { startFaultProxy } from "../harness/fault-proxy.js";
import { socatConsoleRule } from "../harness/socat-console-rule.js";
import { startService } from "../src/cli/service-runtime.js";
import { computeConfigSchema } from "../src/compute/config.js";
import { enrolNodes } from "../src/dev/enrol.js";
import { driverConfig } from "../src/driver/config.js";
import { IronicClient } from "../src/ironic/client.js";
import { ironicClientOptions } from "../src/ironic/config.js";
import { createLogger } from "../src/log/logger.js";
import { SecretBox } from "../src/store/secret-box.js";

const IRONIC_URL = process.env["IRONIC_URL"] ?? "http://127.0.0.1:6399";
const OUT = new URL("../docs/dashboard/", import.meta.url);
const BOOT_LOG = [
  "[    0.000000] Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)",
  "[    0.000000] Command line: BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro console=ttyS0,115200n8",
  "[    2.314159] systemd[1]: Detected architecture x86-64.",
  "[    5.271828] cloud-init[412]: Cloud-init v. 22.4.2 running 'init' at Wed, 02 Dec 2026 15:00:00 +0000.",
  "",
  "Debian GNU/Linux 12 web-1 ttyS0",
  "",
  "web-1 login: ",
].join("\r\n");

async function main(): Promise<void> {
  const log = createLogger({ level: "warn" });
  const listener = createServer((socket) => {
    socket.on("error", () => undefined);
    socket.on("data", (chunk) => socket.write(chunk));
    socket.write(BOOT_LOG);
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const consoleUrl = `tcp://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  const proxy = await startFaultProxy(IRONIC_URL);
  proxy.add(socatConsoleRule(consoleUrl));
  const dir = mkdtempSync(join(tmpdir(), "ironic-compute-shots-"));
  const shard = `shard-${randomUUID().slice(0, 8)}`;
  const password = `admin-${randomUUID()}`;
  const running = await startService({
    database: { kind: "sqlite", path: join(dir, "compute.sqlite") },
    secrets: SecretBox.ephemeral(),
    ironic: ironicClientOptions({ url: proxy.url }),
    driver: driverConfig({ pollIntervalMs: 100, cache: { maxAgeMs: 0, shard } }),
    compute: computeConfigSchema.parse({ workerId: "screenshots", taskPollIntervalMs: 50 }),
    api: { host: "127.0.0.1", port: 0, auth: "basic" },
    bootstrapAdmin: { project: "admin", user: "admin", password },
    log,
  });
  const browser = await chromium.launch({ executablePath: process.env["CHROMIUM"] ?? "/usr/bin/chromium" });
  try {
    const enrolClient = new IronicClient(ironicClientOptions({ url: IRONIC_URL }), log);
    const nodes = await enrolNodes(enrolClient, { count: 4, resourceClass: "BAREMETAL_SHOTS", shard, namePrefix: `rack-${randomUUID().slice(0, 4)}` });
    await enrolClient.close();
    const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const response = await fetch(`${running.api.url}${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`, "content-type": "application/json", "openstack-api-version": "compute 2.91" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    };
    const flavor = (await api("POST", "/v2.1/flavors", { flavor: { name: "baremetal", ram: 16_384, vcpus: 8, disk: 100, resource_class: "BAREMETAL_SHOTS" } }))["flavor"] as { id: string };
    const image = (await api("POST", "/image/v2/images", { name: "debian-12", url: "http://127.0.0.1:1/debian-12.qcow2", disk_format: "qcow2", visibility: "public" })) as { id: string };
    await api("POST", "/image/v2/images", { name: "ubuntu-24.04", url: "http://127.0.0.1:1/ubuntu.qcow2", disk_format: "qcow2", visibility: "public" });
    await api("POST", "/v2.1/os-keypairs", { keypair: { name: "ops-laptop" } });
    const ids: string[] = [];
    for (const name of ["web-1", "web-2", "db-1"]) {
      const created = (await api("POST", "/v2.1/servers", { server: { name, imageRef: image.id, flavorRef: flavor.id, networks: "none", key_name: "ops-laptop" } }))["server"] as { id: string };
      ids.push(created.id);
    }
    for (const id of ids) {
      for (let i = 0; i < 600; i++) {
        const server = (await api("GET", `/v2.1/servers/${id}`))["server"] as { status: string };
        if (server.status === "ACTIVE") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await api("POST", `/v2.1/servers/${ids[2] ?? ""}/action`, { "os-stop": null });
    mkdirSync(OUT, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    const shot = async (name: string): Promise<void> => {
      await page.waitForTimeout(600);
      await page.screenshot({ path: new URL(`${name}.png`, OUT).pathname });
      process.stdout.write(`docs/dashboard/${name}.png\n`);
    };
    const go = async (target: Page, hash: string, heading: RegExp): Promise<void> => {
      await target.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await target.getByRole("heading", { name: heading }).first().waitFor();
    };
    await page.goto(`${running.api.url}/dashboard`);
    await page.getByLabel("User").fill("admin");
    await page.getByLabel("Project").fill("admin");
    await shot("login");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Servers" }).waitFor();
    await page.getByRole("table", { name: "Servers" }).locator("tbody tr").filter({ hasText: "SHUTOFF" }).waitFor({ timeout: 60_000 });
    await shot("servers");
    await page.getByRole("button", { name: "Create server" }).click();
    await page.getByRole("form", { name: "Create server" }).getByLabel("Name").fill("web-3");
    await shot("create-server");
    await page.getByRole("link", { name: "web-1" }).click();
    await page.getByRole("heading", { name: "Server web-1" }).waitFor();
    await page.getByRole("table", { name: "Instance actions" }).locator("tbody tr").filter({ hasText: "create" }).getByRole("button").click();
    await page.getByRole("table", { name: "Events" }).waitFor();
    await shot("server");
    await page.getByRole("button", { name: "Console", exact: true }).click();
    await page.locator("#terminal .xterm-rows").filter({ hasText: "login:" }).waitFor({ timeout: 30_000 });
    await shot("console");
    await go(page, "#keypairs", /Key pairs/);
    await page.getByRole("table", { name: "Key pairs" }).locator("tbody tr").filter({ hasText: "ops-laptop" }).waitFor();
    await shot("keypairs");
    await go(page, "#nodes", /Nodes/);
    for (const node of nodes) await page.getByRole("table", { name: "Nodes" }).locator("tbody tr").filter({ hasText: node }).waitFor();
    await shot("nodes");
    await context.close();
  } finally {
    await browser.close();
    await running.stop();
    await proxy.stop();
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
