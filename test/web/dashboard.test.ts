// The web dashboard in Debian's real Chromium against the real service and the
// run's real Ironic (issue 15): log in, create a server and watch it go ACTIVE,
// reboot, stop/start, delete; another project's member sees none of it; a
// server named like markup is shown as text; the page's security headers.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { testApiForFile, type TestApi, type Who } from "../support/api-service.js";
import { browserForFile } from "../support/browser.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("info");
const api = testApiForFile("dashboard", { nodes: 2, log: log.logger });
const browser = browserForFile();

const XSS_NAME = "<img src=x onerror=alert(1)>";

async function logIn(page: Page, testApi: TestApi, who: Exclude<Who, "anonymous">): Promise<void> {
  const user = testApi.users[who];
  await page.goto(`${testApi.url}/dashboard`);
  await page.getByLabel("User").fill(user.name);
  await page.getByLabel("Password").fill(testApi.passwords[who]);
  await page.getByLabel("Project").fill(user.projectName);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Servers" }).waitFor();
}

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
    await logIn(page, api, "member");
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
    await logIn(other.page, api, "other");
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

  it("shows a server named like markup as text, and admins see its node", async () => {
    const created = await api.call("POST", "/v2.1/servers", {
      as: "member",
      body: { server: { name: XSS_NAME, imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } },
    });
    expect(created.status, created.text).toBe(202);
    const id = (created.json["server"] as { id: string }).id;
    const { page, dialogs, context } = await browser.page();
    await logIn(page, api, "member");
    await expect.poll(() => row(page, XSS_NAME).count()).toBe(1);
    expect(await page.getByRole("table", { name: "Servers" }).locator("img").count()).toBe(0);
    expect(await row(page, XSS_NAME).locator("td").first().textContent()).toBe(XSS_NAME);
    await expect.poll(() => statusOf(page, XSS_NAME).textContent(), { timeout: 90_000, interval: 250 }).toBe("ACTIVE");
    expect(await page.getByRole("columnheader", { name: "Node" }).count()).toBe(0);
    expect(dialogs).toEqual([]);
    await context.close();

    const admin = await browser.page();
    await logIn(admin.page, api, "admin");
    await admin.page.getByRole("columnheader", { name: /Node/ }).waitFor();
    const node = (await api.call("GET", `/v2.1/servers/${id}`)).json["server"] as Record<string, unknown>;
    await expect.poll(() => row(admin.page, XSS_NAME).textContent()).toContain(String(node["OS-EXT-SRV-ATTR:hypervisor_hostname"]));
    expect(admin.dialogs).toEqual([]);
    await admin.context.close();
  }, 180_000);
});
