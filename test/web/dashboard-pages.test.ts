// The dashboard's other pages in Debian's real Chromium against the real
// service and Ironic (issue 15): a server's page (rename, lock/unlock,
// rescue/unrescue, rebuild, its instance actions and events), key pairs
// (generated with the private key shown once, imported, deleted), flavors,
// images with sorting, filtering and paging, networks, volumes, quotas, and the
// admin pages (nodes, projects, users), which a member does not get.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../../src/compute/keys.js";
import { testApiForFile } from "../support/api-service.js";
import { browserForFile, logInToDashboard } from "../support/browser.js";
import { newClient } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const log = captureLog("info");
const api = testApiForFile("dash-pages", { nodes: 1, log: log.logger });
const browser = browserForFile();

const go = async (page: Page, hash: string, heading: string | RegExp): Promise<void> => {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  await page.getByRole("heading", { name: heading, exact: typeof heading === "string" }).first().waitFor();
};
const detail = (page: Page, label: string) => page.getByRole("definition").nth(DETAIL_ORDER.indexOf(label));
const DETAIL_ORDER = ["ID", "Status", "Task", "Power state", "Locked", "Flavor", "Image", "Key pair", "Addresses", "Created", "Fault"];

describe("the dashboard's pages", () => {
  it("a server's page: rename, lock, rescue, unrescue, rebuild, and its actions with events", async () => {
    const created = await api.call("POST", "/v2.1/servers", { as: "member", body: { server: { name: "page-1", imageRef: api.imageId, flavorRef: api.flavorId, networks: "none" } } });
    const id = (created.json["server"] as { id: string }).id;
    await api.waitForStatus(id, "ACTIVE", "member");
    const { page, dialogs, errors, context } = await browser.page();
    await logInToDashboard(page, api, "member");
    await page.getByRole("link", { name: "page-1" }).click();
    await page.getByRole("heading", { name: "Server page-1" }).waitFor();

    await page.getByRole("button", { name: "Rename", exact: true }).click();
    await page.getByLabel("New name").fill("page-renamed");
    await page.getByRole("form", { name: "Rename server" }).getByRole("button", { name: "Rename", exact: true }).click();
    await page.getByRole("heading", { name: "Server page-renamed" }).waitFor();
    expect(((await api.call("GET", `/v2.1/servers/${id}`, { as: "member" })).json["server"] as { name: string }).name).toBe("page-renamed");

    await page.getByRole("button", { name: "Lock", exact: true }).click();
    await expect.poll(() => detail(page, "Locked").textContent()).toMatch(/^yes/);
    await page.getByRole("button", { name: "Unlock", exact: true }).click();
    await expect.poll(() => detail(page, "Locked").textContent()).toBe("no");

    await page.getByRole("button", { name: "Rescue", exact: true }).click();
    await expect.poll(() => detail(page, "Status").textContent(), { timeout: 60_000, interval: 250 }).toBe("RESCUE");
    await expect.poll(() => page.getByRole("button", { name: "Unrescue", exact: true }).isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByRole("button", { name: "Unrescue", exact: true }).click();
    await expect.poll(() => detail(page, "Status").textContent(), { timeout: 60_000, interval: 250 }).toBe("ACTIVE");
    await expect.poll(() => page.getByRole("button", { name: "Rebuild", exact: true }).isEnabled(), { timeout: 60_000 }).toBe(true);
    await page.getByRole("button", { name: "Rebuild", exact: true }).click();
    await page.getByRole("form", { name: "Rebuild server" }).getByRole("button", { name: "Rebuild", exact: true }).click();
    await expect.poll(() => detail(page, "Task").textContent(), { timeout: 30_000, interval: 100 }).not.toBe("");
    await expect.poll(async () => `${await detail(page, "Status").textContent()}/${await detail(page, "Task").textContent()}`, { timeout: 90_000, interval: 250 }).toBe("ACTIVE/");

    const actions = page.getByRole("table", { name: "Instance actions" });
    await expect.poll(() => actions.locator("tbody").textContent(), { timeout: 15_000 }).toContain("rebuild");
    expect(await detail(page, "Power state").textContent()).toBe("running");
    expect(await detail(page, "Image").textContent()).toBe("demo-dash-pages");
    for (const action of ["create", "lock", "unlock", "rescue", "unrescue"]) expect(await actions.locator("tbody").textContent()).toContain(action);
    await actions.locator("tbody tr").filter({ hasText: "create" }).getByRole("button").click();
    await expect.poll(() => page.getByRole("table", { name: "Events" }).locator("tbody tr").count()).toBeGreaterThan(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 300_000);

  it("key pairs: generated (private key shown once), imported, deleted", async () => {
    const { page, errors, context } = await browser.page();
    await logInToDashboard(page, api, "member");
    await go(page, "#keypairs", "Key pairs");
    const form = page.getByRole("form", { name: "Create key pair" });
    await form.getByLabel("Name").fill("generated-1");
    await form.getByRole("button", { name: "Save key pair" }).click();
    await expect.poll(() => page.getByLabel("Private key").textContent(), { timeout: 30_000 }).toMatch(/^-----BEGIN (OPENSSH|RSA) PRIVATE KEY-----/);
    const table = page.getByRole("table", { name: "Key pairs" });
    await table.locator("tbody tr").filter({ hasText: "generated-1" }).waitFor();
    // Shown once: another page and back, and it is gone (the service never returns it again).
    await go(page, "#flavors", "Flavors");
    await go(page, "#keypairs", "Key pairs");
    await table.locator("tbody tr").filter({ hasText: "generated-1" }).waitFor();
    expect(await page.getByLabel("Private key").count()).toBe(0);

    const { publicKey } = await generateKeyPair("dashboard-import");
    await form.getByLabel("Name").fill("imported-1");
    await form.getByLabel("Public key").fill(publicKey);
    await form.getByRole("button", { name: "Save key pair" }).click();
    await table.locator("tbody tr").filter({ hasText: "imported-1" }).waitFor();
    await table.locator("tbody tr").filter({ hasText: "imported-1" }).getByRole("button", { name: "Delete" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => table.locator("tbody tr").filter({ hasText: "imported-1" }).count()).toBe(0);
    const listed = await api.call("GET", "/v2.1/os-keypairs", { as: "member" });
    expect((listed.json["keypairs"] as { keypair: { name: string } }[]).map((k) => k.keypair.name)).toEqual(["generated-1"]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it("tables sort, filter and page; the catalog pages and quotas show the project's", async () => {
    for (let i = 0; i < 24; i++) {
      const image = await api.call("POST", "/image/v2/images", { body: { name: `bulk-${String(i).padStart(2, "0")}`, url: "http://127.0.0.1:1/x.qcow2", disk_format: "qcow2", visibility: "public" } });
      expect(image.status, image.text).toBe(201);
    }
    const { page, errors, context } = await browser.page();
    await logInToDashboard(page, api, "member");
    await go(page, "#images", "Images");
    const table = page.getByRole("table", { name: "Images" });
    const firstNames = async () => (await table.locator("tbody tr td:first-child").allTextContents());
    await expect.poll(() => page.locator(".pager").textContent()).toContain("Page 1 of 2 (25 rows)");
    expect((await firstNames())[0]).toBe("bulk-00");
    await table.getByRole("button", { name: /^Name/ }).click();
    await expect.poll(async () => (await firstNames())[0]).toBe(`demo-dash-pages`);
    await page.getByRole("button", { name: "Next ›" }).click();
    await expect.poll(async () => (await firstNames()).length).toBe(5);
    await page.getByLabel("Filter Images").fill("bulk-1");
    await expect.poll(async () => await firstNames()).toEqual(["bulk-19", "bulk-18", "bulk-17", "bulk-16", "bulk-15", "bulk-14", "bulk-13", "bulk-12", "bulk-11", "bulk-10"]);

    await go(page, "#flavors", "Flavors");
    await expect.poll(() => page.getByRole("table", { name: "Flavors" }).locator("tbody").textContent()).toContain("bm-dash-pages");
    await go(page, "#networks", "Networks");
    await expect.poll(() => page.getByRole("table", { name: "Networks" }).locator("tbody tr").count()).toBeGreaterThan(0);
    await go(page, "#volumes", "Volumes");
    await expect.poll(() => page.getByRole("table", { name: "Volumes" }).locator("tbody tr").count()).toBeGreaterThan(0);
    await go(page, "#quotas", "Quotas and usage");
    await expect.poll(() => page.getByRole("table", { name: "Quotas" }).locator("tbody").textContent()).toContain("instances");
    // Members get no admin pages: neither in the bar nor by their address.
    expect(await page.locator("#nav a", { hasText: "Nodes" }).count()).toBe(0);
    await page.evaluate(`location.hash = "#nodes"`);
    await page.getByRole("heading", { name: "Servers" }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it("admins see nodes (with the server on each), projects and users", async () => {
    const { page, errors, context } = await browser.page();
    await logInToDashboard(page, api, "admin");
    await go(page, "#nodes", "Nodes");
    const nodes = page.getByRole("table", { name: "Nodes" });
    for (const node of api.nodes) await nodes.locator("tbody tr").filter({ hasText: node }).first().waitFor();
    // Ironic's owner and lessee of a node show up without a reload.
    const ironic = newClient();
    try {
      await ironic.nodes.update(api.nodes[0] ?? "", [{ op: "add", path: "/owner", value: "owner-project-x" }, { op: "add", path: "/lessee", value: "lessee-project-y" }]);
    } finally {
      await ironic.close();
    }
    await expect.poll(() => nodes.locator("tbody tr").filter({ hasText: api.nodes[0] ?? "" }).textContent(), { timeout: 15_000 }).toMatch(/owner-project-x.*lessee-project-y/);
    await go(page, "#projects", "Projects");
    await expect.poll(() => page.getByRole("table", { name: "Projects" }).locator("tbody").textContent()).toContain(api.users.other.projectName);
    await go(page, "#users", "Users");
    await expect.poll(() => page.getByRole("table", { name: "Users" }).locator("tbody").textContent()).toContain(api.users.reader.name);

    // Choosing another project re-scopes the token: the quotas page is then that project's.
    await page.getByLabel("Project", { exact: true }).selectOption({ label: api.users.member.projectName });
    await expect.poll(async () => {
      const token = String(await page.evaluate("document.querySelector('#who select').value"));
      return token;
    }).toBe(api.users.member.projectId);
    await go(page, "#quotas", "Quotas and usage");
    const seen: string[] = [];
    page.on("request", (request) => seen.push(request.url()));
    await expect.poll(() => seen.some((url) => url.endsWith(`/os-quota-sets/${api.users.member.projectId}/detail`)), { timeout: 15_000 }).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
