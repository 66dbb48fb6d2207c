// The console proxy's own rules, without Ironic: a token is spent on first use
// and dies at its TTL (ConsoleTokens with a hand-driven clock), and a session
// ends after the idle limit and after the total limit, closing the TCP stream.
// The compute side is the fake ComputeApi (test/support/fake-compute.ts) whose
// consoles.redeem hands out a grant to this test's real TCP listener, with
// limits of a few hundred milliseconds (the config's minimum is 5 s).
import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { buildApi } from "../../src/api/server.js";
import { ConsoleTokens, type ConsoleGrant } from "../../src/compute/console-tokens.js";
import { consoleProxyRoutes, CLOSE_CODES } from "../../src/web/console-proxy.js";
import { fakeCompute } from "../support/fake-compute.js";
import { captureLog } from "../support/log-capture.js";

const CALLER = { userId: "u-1", userName: "alice", projectId: "p-1", role: "member" as const };
const log = captureLog("info");
const sockets: { socket: Socket; closed: boolean }[] = [];
const listener = createServer((socket) => {
  const entry = { socket, closed: false };
  sockets.push(entry);
  socket.on("close", () => (entry.closed = true));
  socket.on("data", (chunk) => socket.write(chunk));
  socket.write("banner\r\n");
});
const IDLE_MS = 400;
const TOTAL_MS = 1_500;
let tokens: ConsoleTokens;
let url = "";
let app: ReturnType<typeof buildApi>;

beforeAll(async () => {
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  tokens = new ConsoleTokens({ tokenTtlMs: 60_000, idleTimeoutMs: IDLE_MS, maxSessionMs: TOTAL_MS });
  const compute = fakeCompute({ consoles: { redeem: (token) => Promise.resolve(tokens.redeem(token)), limits: tokens.limits } });
  app = buildApi(compute, { log: log.logger, auth: "basic", plugins: [{ plugin: consoleProxyRoutes(compute), prefix: "" }] });
  await app.listen({ host: "127.0.0.1", port: 0 });
  url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/dashboard/console?token=`;
});

afterAll(async () => {
  await app.close();
  for (const entry of sockets) entry.socket.destroy();
  await new Promise<void>((resolve) => {
    listener.close(() => {
      resolve();
    });
  });
});

const grant = (): ConsoleGrant => ({ serverId: "s-1", caller: CALLER, host: "127.0.0.1", port: (listener.address() as AddressInfo).port });

function open(token: string): Promise<{ socket: WebSocket; closed: Promise<{ code: number; ms: number }> }> {
  const socket = new WebSocket(`${url}${token}`);
  const started = Date.now();
  const closed = new Promise<{ code: number; ms: number }>((resolve) => {
    socket.once("close", (code) => {
      resolve({ code, ms: Date.now() - started });
    });
  });
  return new Promise((resolve, reject) => {
    socket.once("open", () => {
      resolve({ socket, closed });
    });
    socket.once("unexpected-response", (_request, response) => {
      reject(new Error(`refused: ${response.statusCode ?? 0}`));
    });
  });
}

describe("console tokens", () => {
  it("are spent on first use and worthless after their TTL", () => {
    let now = 1_000_000;
    const clocked = new ConsoleTokens({ tokenTtlMs: 600_000, idleTimeoutMs: 1, maxSessionMs: 1 }, () => now);
    const once = clocked.issue(grant());
    expect(once.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(clocked.redeem(once.token)).toMatchObject({ serverId: "s-1", caller: CALLER });
    expect(clocked.redeem(once.token)).toBeUndefined();
    const late = clocked.issue(grant());
    now += 600_000;
    expect(clocked.redeem(late.token)).toBeUndefined();
    const inTime = clocked.issue(grant());
    now += 599_999;
    expect(clocked.redeem(inTime.token)).toBeDefined();
  });
});

describe("console sessions", () => {
  it("end after the idle limit, and the TCP stream with them", async () => {
    const before = sockets.length;
    const { closed } = await open(tokens.issue(grant()).token);
    const { code, ms } = await closed;
    expect(code).toBe(CLOSE_CODES.idle);
    expect(ms).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(ms).toBeLessThan(TOTAL_MS);
    await expect.poll(() => sockets[before]?.closed).toBe(true);
  });

  it("end at the total limit however busy, and a closing client closes the TCP stream", async () => {
    const { socket, closed } = await open(tokens.issue(grant()).token);
    const typing = setInterval(() => {
      socket.send("x");
    }, 100);
    const { code, ms } = await closed;
    clearInterval(typing);
    expect(code).toBe(CLOSE_CODES.maxSession);
    expect(ms).toBeGreaterThanOrEqual(TOTAL_MS - 50);

    const before = sockets.length;
    const second = await open(tokens.issue(grant()).token);
    await expect.poll(() => sockets.length).toBe(before + 1);
    second.socket.close();
    await expect.poll(() => sockets[before]?.closed).toBe(true);
  });
});
