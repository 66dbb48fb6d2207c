// The dev harness itself, against a real local Ironic: http_basic auth with a
// bcryptjs-made htpasswd, the TLS front, the fault proxy's rules, and that
// stop() leaves no process behind.

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { startIronic, type RunningIronic } from "../../src/dev/ironic-process.js";
import { startTlsFront, type TlsFront } from "../../harness/tls-front.js";

const START_TIMEOUT_MS = 120_000;
const USER = "harness";
const PASSWORD = randomBytes(18).toString("base64url");

function headers(password: string): Record<string, string> {
  return {
    authorization: `Basic ${Buffer.from(`${USER}:${password}`).toString("base64")}`,
    "x-openstack-ironic-api-version": "1.82",
  };
}

function errorCode(error: unknown): string | undefined {
  // undici wraps socket/TLS errors; the code sits on the error or its cause.
  if (!(error instanceof Error)) return undefined;
  if ("code" in error && typeof error.code === "string") return error.code;
  return errorCode(error.cause);
}

/** True while any process with this pid, or in this process group, exists. */
function processExists(pid: number): boolean {
  return existsSync(`/proc/${pid}`) || groupExists(pid);
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error: unknown) {
    if (errorCode(error) === "ESRCH") return false;
    throw error;
  }
}

describe("dev harness against a real Ironic", () => {
  let ironic: RunningIronic | undefined;
  let front: TlsFront | undefined;
  let proxy: FaultProxy | undefined;

  const running = (): RunningIronic => {
    if (ironic === undefined) throw new Error("Ironic did not start");
    return ironic;
  };

  beforeAll(async () => {
    ironic = await startIronic({ auth: "http_basic", basicUsers: { [USER]: PASSWORD } });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await proxy?.stop();
    await front?.stop();
    await ironic?.stop();
  });

  it("accepts the right basic-auth password and rejects a wrong one", async () => {
    const ok = await request(`${running().url}/v1/nodes`, { headers: headers(PASSWORD) });
    expect(ok.statusCode).toBe(200);
    expect(await ok.body.json()).toEqual({ nodes: [] });

    const wrong = await request(`${running().url}/v1/nodes`, { headers: headers(`${PASSWORD}x`) });
    await wrong.body.dump();
    expect(wrong.statusCode).toBe(401);
  });

  it("serves Ironic over TLS to a client that trusts the test CA only", async () => {
    front = await startTlsFront({ targetHost: "127.0.0.1", targetPort: running().port });
    expect(front.url).toBe(`https://127.0.0.1:${front.port}`);

    const trusting = new Agent({ connect: { ca: front.material.caCertPem } });
    const untrusting = new Agent();
    try {
      const ok = await request(`${front.url}/v1/nodes`, { headers: headers(PASSWORD), dispatcher: trusting });
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();

      const failure = await request(`${front.url}/v1/nodes`, { headers: headers(PASSWORD), dispatcher: untrusting }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(errorCode(failure)).toMatch(/CERT|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/);
    } finally {
      await trusting.close();
      await untrusting.close();
    }
  });

  it("applies fault rules: status, reset, and times: 1", async () => {
    proxy = await startFaultProxy(running().url);
    const url = `${proxy.url}/v1/nodes`;

    // status: answered by the proxy, every time, until cleared.
    proxy.add({ method: "GET", path: "/v1/nodes", action: { kind: "status", status: 503, body: '{"error_message":"down"}' } });
    for (let i = 0; i < 2; i++) {
      const answer = await request(url, { headers: headers(PASSWORD) });
      expect(answer.statusCode).toBe(503);
      expect(await answer.body.text()).toBe('{"error_message":"down"}');
    }
    proxy.clear();

    // reset: no answer at all, the connection is torn down.
    proxy.add({ path: /^\/v1\/nodes(\?|$)/, action: { kind: "reset" }, times: 1 });
    const reset = await request(`${url}?limit=1`, { headers: headers(PASSWORD) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(errorCode(reset)).toMatch(/ECONNRESET|UND_ERR_SOCKET/);

    // times: 1 — the first matching request gets the fault, the next one reaches Ironic.
    proxy.add({ path: "/v1/nodes", times: 1, action: { kind: "status", status: 500, body: "{}" } });
    const first = await request(url, { headers: headers(PASSWORD) });
    await first.body.dump();
    const second = await request(url, { headers: headers(PASSWORD) });
    expect([first.statusCode, second.statusCode]).toEqual([500, 200]);
    expect(await second.body.json()).toEqual({ nodes: [] });

    expect(proxy.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["GET", "/v1/nodes", 503],
      ["GET", "/v1/nodes", 503],
      ["GET", "/v1/nodes?limit=1", "reset"],
      ["GET", "/v1/nodes", 500],
      ["GET", "/v1/nodes", 200],
    ]);
  });

  it("stop() leaves no Ironic process and removes its temp dir", async () => {
    const { pid, dir } = running();
    expect(processExists(pid)).toBe(true);
    await proxy?.stop();
    await front?.stop();
    await running().stop();
    expect(processExists(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  }, 30_000);
});
