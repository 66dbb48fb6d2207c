// The web dashboard in Debian's real Chromium against the real service and the
// run's real Ironic (issue 15): log in, create a server and watch it go ACTIVE,
// open its serial console and read a test console's banner, reboot, stop/start,
// delete; another project's member sees none of it; a server named like markup
// is shown as text; the page's security headers; console tokens are one-time.
//
// Serial console: Ironic's fake-hardware nodes cannot have a socat console (the
// `fake` console interface reports `{}`), so, as in test/openstack/openstack-cli.test.ts,
// the service reaches Ironic through the hand-made fault proxy (harness/fault-proxy.ts)
// which forwards everything unchanged except GET …/states/console: an enabled
// console's info becomes socat `tcp://127.0.0.1:PORT` of this test's TCP
// listener, which prints a banner and echoes what it gets.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { socatConsoleRule } from "../../harness/socat-console-rule.js";
import { startTestApi, type TestApi } from "../support/api-service.js";
import { browserForFile, logInToDashboard } from "../support/browser.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("info");
const browser = browserForFile();
const BANNER = "ironic-compute test serial console";

let api: TestApi;
let proxy: FaultProxy;
let listener: Server;
/** Every connection the console listener has had, and whether it is closed. */
const consoleSockets: { socket: Socket; closed: boolean; received: string }[] = [];

beforeAll(async () => {
  listener = createServer((socket) => {
    const entry = { socket, closed: false, received: "" };
    consoleSockets.push(entry);
    socket.on("data", (chunk) => {
      entry.received += chunk.toString("utf8");
      socket.write(chunk);
    });
    socket.on("close", () => (entry.closed = true));
    socket.on("error", () => undefined);
    socket.write(`${BANNER}\r\n`);
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const consoleUrl = `tcp://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  proxy = await startFaultProxy(sharedIronicUrl());
  proxy.add(socatConsoleRule(consoleUrl));
  api = await startTestApi("dashboard", { nodes: 2, log: log.logger, ironicUrl: proxy.url });
});

afterAll(async () => {
  await (api as TestApi | undefined)?.stop();
  await (proxy as FaultProxy | undefined)?.stop();
  for (const entry of consoleSockets) entry.socket.destroy();
  const server = listener as Server | undefined;
  if (server !== undefined) {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
});

const XSS_NAME = "<img src=x onerror=alert(1)>";

const row = (page: Page, name: string) => page.getByRole("table", { name: "Servers" }).locator("tbody tr").filter({ hasText: name });
const statusOf = (page: Page, name: string) => row(page, name).locator(".status");

describe("the dashboard", () => {
  it("serves the page with a strict CSP, no framing, and no token anywhere but memory", async () => {
    const response = await api.call("GET", "/dashboard", { as: "anonymous" });
    expect(response.status).toBe(200);
    const csp = String(response.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers["x-frame-options"]).toBe("DENY");
    expect(response.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(response.text).not.toContain("style=");
    const xterm = await api.call("GET", "/dashboard/assets/vendor/xterm.mjs", { as: "anonymous" });
    expect(xterm.status).toBe(200);
    // Only the files loaded at start are served: no path reaches the disk.
    expect((await api.call("GET", "/dashboard/assets/..%2F..%2F..%2Fpackage.json", { as: "anonymous" })).status).toBe(404);
    expect((await api.call("GET", "/dashboard/assets/dom.js%00", { as: "anonymous" })).status).toBe(404);
  });

  it("logs in, creates a server and watches it go ACTIVE, reboots, stops, starts and deletes it", async () => {
    const { page, dialogs, errors, context } = await browser.page();
    await logInToDashboard(page, api, "member");
    expect(await page.evaluate("[localStorage.length, sessionStorage.length, document.cookie]")).toEqual([0, 0, ""]);

    await page.getByRole("button", { name: "Create server" }).click();
    const form = page.getByRole("form", { name: "Create server" });
    // The form's own checks, before any request.
    await form.getByRole("button", { name: "Create" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("A name is required.");
    await form.getByLabel("Name").fill("web-1");
    await form.getByLabel("Flavor").selectOption(api.flavorId);
    await form.getByLabel("Image").selectOption(api.imageId);
    await form.getByLabel("Network").selectOption("none");
    await form.getByLabel("User data").fill("#cloud-config\n");
    await form.getByRole("button", { name: "Create" }).click();
    await row(page, "web-1").waitFor();
    // Polled without a reload: BUILD first, then ACTIVE.
    await expect.poll(() => statusOf(page, "web-1").textContent(), { timeout: 90_000, interval: 250 }).toBe("ACTIVE");
    const listed = await api.call("GET", "/v2.1/servers?name=web-1", { as: "member" });
    const id = ((listed.json["servers"] as { id: string }[])[0] ?? { id: "" }).id;
    expect(id).not.toBe("");

    // The serial console: the banner through the page's terminal, keystrokes back.
    const before = consoleSockets.length;
    await row(page, "web-1").getByRole("button", { name: "Console" }).click();
    await expect.poll(() => page.locator("#console-state").textContent(), { timeout: 30_000 }).toBe("Connected.");
    await expect.poll(() => page.locator("#terminal .xterm-rows").textContent(), { timeout: 15_000 }).toContain(BANNER);
    expect(consoleSockets.length).toBe(before + 1);
    const session = consoleSockets[before];
    await page.locator("#terminal").click();
    await page.keyboard.type("hello");
    await expect.poll(() => session?.received).toBe("hello");
    await expect.poll(() => page.locator("#terminal .xterm-rows").textContent()).toContain(`hello`);
    // Leaving the page closes the websocket, and the proxy closes the TCP stream.
    await page.getByRole("link", { name: "← Servers" }).click();
    await expect.poll(() => session?.closed, { timeout: 10_000 }).toBe(true);

    await row(page, "web-1").getByRole("button", { name: "Soft reboot" }).click();
    await expect.poll(async () => {
      const actions = await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`, { as: "member" });
      return (actions.json["instanceActions"] as { action: string }[]).map((a) => a.action);
    }).toContain("reboot");
    await expect.poll(() => statusOf(page, "web-1").textContent(), { timeout: 60_000, interval: 250 }).toBe("ACTIVE");
    await expect.poll(() => row(page, "web-1").getByRole("button", { name: "Stop" }).isEnabled(), { timeout: 60_000 }).toBe(true);

    await row(page, "web-1").getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => statusOf(page, "web-1").textContent(), { timeout: 60_000, interval: 250 }).toBe("SHUTOFF");
    await expect.poll(() => row(page, "web-1").getByRole("button", { name: "Start" }).isEnabled(), { timeout: 60_000 }).toBe(true);
    await row(page, "web-1").getByRole("button", { name: "Start" }).click();
    await expect.poll(() => statusOf(page, "web-1").textContent(), { timeout: 60_000, interval: 250 }).toBe("ACTIVE");
    await expect.poll(() => row(page, "web-1").getByRole("button", { name: "Hard reboot" }).isEnabled(), { timeout: 60_000 }).toBe(true);
    await row(page, "web-1").getByRole("button", { name: "Hard reboot" }).click();
    await expect.poll(() => statusOf(page, "web-1").textContent(), { timeout: 60_000, interval: 250 }).toBe("ACTIVE");

    // Another project's member sees none of it.
    const other = await browser.page();
    await logInToDashboard(other.page, api, "other");
    await expect.poll(() => other.page.getByRole("table", { name: "Servers" }).locator("tbody").textContent()).toContain("No servers in this project.");
    await other.context.close();

    await expect.poll(() => row(page, "web-1").getByRole("button", { name: "Delete" }).isEnabled(), { timeout: 60_000 }).toBe(true);
    await row(page, "web-1").getByRole("button", { name: "Delete" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => row(page, "web-1").count(), { timeout: 90_000, interval: 250 }).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 300_000);

  it("gives a ws:// console URL (remote-consoles and OSC's legacy action) whose token works once", async () => {
    const created = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: "console-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
    });
    const id = (created.json["server"] as { id: string }).id;
    await api.waitForStatus(id, "ACTIVE", "member");
    const remote = await api.call("POST", `/v2.1/servers/${id}/remote-consoles`, {
      as: "member",
      headers: { "openstack-api-version": "compute 2.6" },
      body: { remote_console: { protocol: "serial", type: "serial" } },
    });
    expect(remote.status, remote.text).toBe(200);
    const answer = remote.json["remote_console"] as { protocol: string; type: string; url: string };
    expect(answer).toMatchObject({ protocol: "serial", type: "serial" });
    expect(answer.url).toMatch(new RegExp(`^${api.url.replace("http", "ws")}/dashboard/console\\?token=[A-Za-z0-9_-]{43}$`));
    const legacy = await api.call("POST", `/v2.1/servers/${id}/action`, { as: "member", body: { "os-getSerialConsole": { type: "serial" } } });
    expect(legacy.json["console"]).toMatchObject({ type: "serial", url: expect.stringMatching(/^ws:\/\/.+\/dashboard\/console\?token=/) as unknown });
    // Another project's member gets no token for it.
    const foreign = await api.call("POST", `/v2.1/servers/${id}/remote-consoles`, {
      as: "other",
      headers: { "openstack-api-version": "compute 2.6" },
      body: { remote_console: { protocol: "serial", type: "serial" } },
    });
    expect(foreign.status).toBe(404);

    const first = await openSocket(answer.url);
    expect(first.status).toBe("open");
    await expect.poll(() => first.text()).toContain(BANNER);
    first.socket?.close();
    // Used once: refused before any upgrade, as is a made-up token and a foreign page's Origin.
    expect((await openSocket(answer.url)).status).toBe(401);
    expect((await openSocket(answer.url.replace(/token=.*/, "token=made-up"))).status).toBe(401);
    const { token } = await api.running.compute.servers.serialConsole({ userName: api.users.member.name, userId: api.users.member.id, projectId: api.users.member.projectId, role: "member", requestId: "req-test" }, id);
    const wsBase = api.url.replace("http", "ws");
    expect((await openSocket(`${wsBase}/dashboard/console?token=${token}`, "https://evil.example")).status).toBe(403);
    // A token issued before the server went away is worth nothing after.
    const { token: stale } = await api.running.compute.servers.serialConsole({ userName: api.users.member.name, userId: api.users.member.id, projectId: api.users.member.projectId, role: "member", requestId: "req-test" }, id);
    await api.call("DELETE", `/v2.1/servers/${id}`, { as: "member" });
    await expect.poll(async () => (await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).status, { timeout: 60_000, interval: 200 }).toBe(404);
    expect((await openSocket(`${wsBase}/dashboard/console?token=${stale}`)).status).toBe(401);
  }, 180_000);

  it("shows a server named like markup as text, and admins see its node", async () => {
    const created = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: XSS_NAME, imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
    });
    expect(created.status, created.text).toBe(202);
    const id = (created.json["server"] as { id: string }).id;
    const { page, dialogs, context } = await browser.page();
    await logInToDashboard(page, api, "member");
    await expect.poll(() => row(page, XSS_NAME).count()).toBe(1);
    expect(await page.getByRole("table", { name: "Servers" }).locator("img").count()).toBe(0);
    expect(await row(page, XSS_NAME).locator("td").first().textContent()).toBe(XSS_NAME);
    await expect.poll(() => statusOf(page, XSS_NAME).textContent(), { timeout: 90_000, interval: 250 }).toBe("ACTIVE");
    expect(await page.getByRole("columnheader", { name: "Node" }).count()).toBe(0);
    expect(dialogs).toEqual([]);
    await context.close();

    const admin = await browser.page();
    await logInToDashboard(admin.page, api, "admin");
    await admin.page.getByRole("columnheader", { name: /Node/ }).waitFor();
    const node = (await api.call("GET", `/v2.1/servers/${id}`)).json["server"] as Record<string, unknown>;
    await expect.poll(() => row(admin.page, XSS_NAME).textContent()).toContain(String(node["OS-EXT-SRV-ATTR:hypervisor_hostname"]));
    expect(admin.dialogs).toEqual([]);
    await admin.context.close();
  }, 180_000);
});

/** Opens a websocket as a non-browser client: its state, or the HTTP status that refused the upgrade. */
async function openSocket(url: string, origin?: string): Promise<{ status: "open" | number; socket?: WebSocket; text(): string }> {
  const socket = new WebSocket(url, origin === undefined ? {} : { origin });
  let text = "";
  socket.on("message", (data: Buffer) => (text += data.toString("utf8")));
  return new Promise((resolve, reject) => {
    socket.once("open", () => {
      resolve({ status: "open", socket, text: () => text });
    });
    socket.once("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode ?? 0, text: () => text });
      socket.terminate();
    });
    socket.once("error", (error) => {
      if (socket.readyState !== socket.CLOSED) reject(error);
    });
  });
}
