// Debian's real Chromium (/usr/bin/chromium), driven by playwright-core: no
// browser download. One browser per test file (beforeAll/afterAll); each user
// gets a context of their own (separate memory, so separate tokens). Playwright
// launches Chromium with --no-sandbox by default (chromiumSandbox: false), which
// is also what Chromium needs to start as root here.
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { aptInstall, sharedAttempt } from "../../src/dev/apt-install.js";
import type { TestApi, Who } from "./api-service.js";

export const CHROMIUM = process.env["IRONIC_COMPUTE_TEST_CHROMIUM"] ?? "/usr/bin/chromium";

/** Debian's chromium, installed on first use like the other system packages (as root). */
const ensureChromium = sharedAttempt(async () => {
  if (existsSync(CHROMIUM)) return;
  if (CHROMIUM !== "/usr/bin/chromium") throw new Error(`${CHROMIUM} (IRONIC_COMPUTE_TEST_CHROMIUM) is missing`);
  await aptInstall("chromium", "test -x /usr/bin/chromium", "chromium-install");
});

export interface TestBrowser {
  browser: Browser;
  /** A fresh context and page; the page's console errors and dialogs are recorded. */
  page(): Promise<{ context: BrowserContext; page: Page; dialogs: string[]; errors: string[] }>;
}

export function browserForFile(): TestBrowser {
  const holder = {} as TestBrowser;
  beforeAll(async () => {
    await ensureChromium();
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    holder.browser = browser;
    holder.page = async () => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const dialogs: string[] = [];
      const errors: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("response", (response) => {
        if (response.status() >= 400) errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
      });
      return { context, page, dialogs, errors };
    };
  });
  afterAll(async () => {
    // Undefined when beforeAll failed before the launch.
    await (holder.browser as Browser | undefined)?.close();
  });
  return holder;
}

/** Logs `who` in on the dashboard's login form and waits for the servers page. */
export async function logInToDashboard(page: Page, testApi: TestApi, who: Exclude<Who, "anonymous">): Promise<void> {
  const user = testApi.users[who];
  await page.goto(`${testApi.url}/dashboard`);
  await page.getByLabel("User").fill(user.name);
  await page.getByLabel("Password").fill(testApi.passwords[who]);
  await page.getByLabel("Project").fill(user.projectName);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Servers" }).waitFor();
}
