// The Host header is not trusted (issue 8, item 11):
// - links, Location and /openapi.json's server URL come from api.publicUrl when
//   it is set, whatever Host the request carried;
// - whenever a request needs no credentials (auth "none", or public metrics), a
//   Host outside the allow-list gets 421: a DNS-rebinding page (its own name,
//   resolved to 127.0.0.1) cannot drive the API through the victim's browser.
//   Allowed by default: the listen address, localhost, 127.0.0.1 and [::1] with
//   the listener's port, and publicUrl's host; api.allowedHosts adds names.
// Over real HTTP (node:http, which sends the Host header it is given), against
// a fake ComputeApi.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi, type ApiOptions } from "../../src/api/server.js";
import { loadServiceConfig } from "../../src/cli/config.js";
import type { FastifyInstance } from "fastify";
import { captureLog } from "../support/log-capture.js";
import { basicHeader, fakeCompute, fakeServer, FAKE_USERS } from "../support/fake-compute.js";
import { checkNovaAnswers, failOnNovaViolations } from "../support/nova-schemas/fastify-hook.js";

// Apps are built inside tests: fail each test that received an answer outside Nova's schema.
failOnNovaViolations();

const ONE = "11111111-1111-4111-8111-111111111111";
const log = captureLog("warn");
let listServers = 0;
const base = fakeCompute({}, [fakeServer(ONE, "p-admin")]);
const compute = fakeCompute(
  {
    servers: {
      list: (caller, filter) => {
        listServers++;
        return base.servers.list(caller, filter);
      },
    },
  },
  [fakeServer(ONE, "p-admin")],
);

interface Listening {
  app: FastifyInstance;
  port: number;
}
const started: Listening[] = [];

async function listen(options: Partial<ApiOptions>): Promise<Listening> {
  const app = buildApi(compute, { log: log.logger, auth: "basic", ...options });
  checkNovaAnswers(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  const listening = { app, port: address.port };
  started.push(listening);
  return listening;
}

function get(port: number, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", headers: { host, ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    req.once("error", reject);
    req.end();
  });
}

const noAuth: Partial<ApiOptions> = { auth: "none", noneCaller: FAKE_USERS["root"] };
let open: Listening;

beforeAll(async () => {
  open = await listen(noAuth);
});
afterAll(async () => {
  for (const { app } of started) await app.close();
});

describe("auth 'none': the Host allow-list", () => {
  it.each(["evil.example", "evil.example:{port}", "127.0.0.1.nip.io:{port}", "localhost:1", "127.0.0.1:80"])(
    "Host %s gets 421 on the API, discovery and /openapi.json, and nothing runs",
    async (template) => {
      const host = template.replace("{port}", String(open.port));
      listServers = 0;
      for (const path of ["/v2.1/servers", "/v2.1/", "/openapi.json", "/healthz"]) {
        const response = await get(open.port, path, host);
        expect(response.status, `${path} with Host ${host}`).toBe(421);
        expect(JSON.parse(response.body)).toMatchObject({ misdirectedRequest: { code: 421 } });
        expect(response.body).toContain("api.allowedHosts");
      }
      expect(listServers).toBe(0);
    },
  );

  it.each(["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"])("Host %s is served", async (template) => {
    const response = await get(open.port, "/v2.1/servers", template.replace("{port}", String(open.port)));
    expect(response.status, response.body).toBe(200);
  });

  it("the 421 does not echo a hostile Host verbatim", async () => {
    const response = await get(open.port, "/v2.1/servers", `${"x".repeat(300)}.example`);
    expect(response.status).toBe(421);
    expect(response.body.length).toBeLessThan(800);
  });

  it("api.allowedHosts adds names (any port when none is given) and host:port pairs", async () => {
    const listening = await listen({ ...noAuth, allowedHosts: ["dev.box", "other.box:9999"] });
    expect((await get(listening.port, "/v2.1/servers", `dev.box:${listening.port}`)).status).toBe(200);
    expect((await get(listening.port, "/v2.1/servers", "other.box:9999")).status).toBe(200);
    expect((await get(listening.port, "/v2.1/servers", `other.box:${listening.port}`)).status).toBe(421);
  });
});

describe("public metrics: the same allow-list", () => {
  it("with auth basic and public metrics, a foreign Host gets 421, even with credentials", async () => {
    const listening = await listen({ metricsPublic: true });
    expect((await get(listening.port, "/metrics", "evil.example")).status).toBe(421);
    expect((await get(listening.port, "/metrics", `127.0.0.1:${listening.port}`)).status).toBe(200);
    expect((await get(listening.port, "/v2.1/servers", "evil.example", { authorization: basicHeader("root") })).status).toBe(421);
  });

  it("with auth basic and private metrics there is no allow-list (every request needs credentials)", async () => {
    const listening = await listen({});
    expect((await get(listening.port, "/v2.1/servers", "api.example:8774", { authorization: basicHeader("root") })).status).toBe(200);
  });
});

describe("api.publicUrl: links never come from the Host header", () => {
  it("discovery, server links and /openapi.json use publicUrl", async () => {
    const listening = await listen({ publicUrl: "https://compute.example.com:8443/nova/" });
    const host = "attacker.example";
    const version = JSON.parse((await get(listening.port, "/v2.1", host)).body) as { version: { links: Array<{ href: string }> } };
    expect(version.version.links[0]?.href).toBe("https://compute.example.com:8443/nova/v2.1/");
    const server = JSON.parse((await get(listening.port, `/v2.1/servers/${ONE}`, host, { authorization: basicHeader("root") })).body) as {
      server: { links: Array<{ href: string }> };
    };
    expect(server.server.links.map((link) => link.href)).toEqual([
      `https://compute.example.com:8443/nova/v2.1/servers/${ONE}`,
      `https://compute.example.com:8443/nova/servers/${ONE}`,
    ]);
    const openapi = JSON.parse((await get(listening.port, "/openapi.json", host)).body) as { servers: Array<{ url: string }> };
    expect(openapi.servers[0]?.url).toBe("https://compute.example.com:8443/nova");
  });

  it("without publicUrl, links still follow the request (Nova's default)", async () => {
    const listening = await listen({});
    const version = JSON.parse((await get(listening.port, "/v2.1", "api.example:8774")).body) as { version: { links: Array<{ href: string }> } };
    expect(version.version.links[0]?.href).toBe("http://api.example:8774/v2.1/");
  });

  it("with auth 'none', publicUrl's host is allowed", async () => {
    const listening = await listen({ ...noAuth, publicUrl: "http://compute.example.com" });
    expect((await get(listening.port, "/v2.1/servers", "compute.example.com")).status).toBe(200);
    expect((await get(listening.port, "/v2.1/servers", "compute.example.com:80")).status).toBe(200);
    expect((await get(listening.port, "/v2.1/servers", "compute.example.com:81")).status).toBe(421);
  });
});

describe("configuration", () => {
  const dir = mkdtempSync(join(tmpdir(), "ironic-compute-host-config-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const load = (api: string) => {
    const file = join(dir, "config.yaml");
    writeFileSync(file, `ironic: {url: http://ironic:6385}\ndatabase: {kind: sqlite, path: /tmp/x.sqlite}\napi: ${api}\n`);
    return loadServiceConfig({ file, env: {} });
  };

  it("takes api.publicUrl and api.allowedHosts", () => {
    const config = load("{publicUrl: 'https://compute.example.com/', allowedHosts: [dev.box, 'other.box:9999']}");
    expect(config.api.publicUrl).toBe("https://compute.example.com/");
    expect(config.api.allowedHosts).toEqual(["dev.box", "other.box:9999"]);
  });

  it.each(["ftp://x.example", "https://user:pw@x.example", "https://x.example/?a=1", "https://x.example/#f", "not a url"])("refuses publicUrl %s", (url) => {
    expect(() => load(`{publicUrl: '${url}'}`)).toThrow(/api\.publicUrl/);
  });

  it("refuses an allowedHosts entry that is not a host name", () => {
    expect(() => load("{allowedHosts: ['http://x.example']}")).toThrow(/api\.allowedHosts/);
  });
});
