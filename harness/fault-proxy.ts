// HAND-MADE FAKE. An HTTP proxy in front of the real local Ironic that forwards
// every request unchanged, except those matching a rule, which get a fault.
// It exists only to produce what a real Ironic cannot produce on demand: resets,
// 5xx answers, slow answers, malformed or oversized bodies, and answers lost on
// the way back after Ironic acted (forward-then-reset). Everything else a
// test sees still comes from the real Ironic behind it.
//
// Matching: rules are tried in insertion order; the first match wins. A string
// path must equal the path without query; a RegExp is tested against the full
// path *including* the query (so a rule can target e.g. `marker=`); anchor it with
// `(\?|$)` to match a path regardless of query. A rule with `times` is removed
// after that many matches; remove(rule) takes one out before that (fault windows).
// Recording: `requests` gets one entry per request once its outcome is known
// (so a delayed request appears after the ones that overtook it); `body` is the
// REQUEST body the client sent. clear() removes rules only; empty the record with
// `proxy.requests.length = 0`.

import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { listenOnLoopback } from "./loopback-listener.js";

export type FaultAction =
  | { kind: "reset" } // destroy the client socket without any answer
  // forward to Ironic, wait for its whole answer, then reset the client socket
  // instead of passing it on: Ironic acted, the client cannot know it did
  | { kind: "forward-then-reset" }
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> } // answer directly
  | { kind: "delay"; ms: number } // wait, then forward normally (for client timeouts)
  | { kind: "rewrite"; rewrite: (upstream: { status: number; body: string }) => { status: number; body: string } }
  | { kind: "oversized"; bytes: number }; // 200 with a JSON-looking body of that many bytes, streamed

/** The body of Ironic's 409 NodeLocked answer (as its API wraps a conductor error), for status rules. */
export function nodeLockedBody(node: string, conductor = "conductor-1"): string {
  return JSON.stringify({
    error_message: JSON.stringify({
      faultcode: "Client",
      faultstring: `Node ${node} is locked by host ${conductor}, please retry after the current operation is completed.`,
      debuginfo: null,
    }),
  });
}

export interface FaultRule {
  method?: string;
  /** string = exact path without query; RegExp = tested on the path with query */
  path: RegExp | string;
  /** default: unlimited */
  times?: number;
  /** Let this many matching requests through untouched first (default 0). */
  after?: number;
  action: FaultAction;
}

export interface RecordedRequest {
  method: string;
  /** including the query */
  path: string;
  status: number | "reset";
  /** the request body */
  body: string;
}

export interface FaultProxy {
  url: string;
  add(rule: FaultRule): void;
  /** Removes that rule (the object passed to add) if it is still installed; true if it was. */
  remove(rule: FaultRule): boolean;
  clear(): void;
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

// RFC 9110 §7.6.1 hop-by-hop fields, plus the legacy ones proxies still drop.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

interface ActiveRule {
  rule: FaultRule;
  remaining: number; // Infinity when `times` is absent
  skip: number; // matching requests still to let through
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  if (target.protocol !== "http:") throw new Error(`fault proxy forwards to http:// only, got ${targetUrl}`);
  const rules: ActiveRule[] = [];
  const requests: RecordedRequest[] = [];
  // Our own pool towards Ironic, destroyed on stop() so no keep-alive socket lingers.
  const upstreamAgent = new Agent({ keepAlive: true });

  const takeRule = (method: string, path: string): FaultAction | undefined => {
    const pathname = path.split("?", 1)[0] ?? path;
    const index = rules.findIndex(({ rule }) => {
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
      if (typeof rule.path === "string") return rule.path === pathname;
      rule.path.lastIndex = 0; // a /g or /y RegExp would otherwise remember the last match
      return rule.path.test(path);
    });
    const active = rules[index];
    if (active === undefined) return undefined;
    if (active.skip > 0) {
      active.skip -= 1;
      return undefined;
    }
    active.remaining -= 1;
    if (active.remaining <= 0) rules.splice(index, 1);
    return active.rule.action;
  };

  const forward = (
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const outgoing: OutgoingHttpHeaders = withoutHopByHop(headers);
      // The body was buffered: it now has a known length whatever framing the client used.
      if (body.length > 0 || headers["content-length"] !== undefined || headers["transfer-encoding"] !== undefined) {
        outgoing["content-length"] = String(body.length);
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method, path, headers: outgoing, agent: upstreamAgent },
        resolve,
      );
      upstream.once("error", reject);
      upstream.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const body = await readAll(req);
    const record = (status: number | "reset"): void => {
      requests.push({ method, path, status, body: body.toString("utf8") });
    };
    let action = takeRule(method, path);

    if (action?.kind === "delay") {
      // Forwarded even if the client gave up meanwhile: a slow server still does
      // the work, which is exactly the ambiguity timeout tests are about.
      await sleep(action.ms);
      action = undefined;
    }
    switch (action?.kind) {
      case undefined: {
        const upstream = await forward(method, path, req.headers, body);
        const status = upstream.statusCode ?? 502;
        res.writeHead(status, upstream.statusMessage, withoutHopByHop(upstream.headers));
        try {
          // pipeline, not pipe: if the client leaves, the upstream response is
          // destroyed too instead of pinning a pooled socket.
          await pipeline(upstream, res);
        } finally {
          record(status);
        }
        return;
      }
      case "reset": {
        // RST rather than FIN: the client sees ECONNRESET, as with a crashed peer.
        req.socket.resetAndDestroy();
        record("reset");
        return;
      }
      case "forward-then-reset": {
        const upstream = await forward(method, path, req.headers, body);
        await readAll(upstream); // Ironic has answered: its effect has happened
        req.socket.resetAndDestroy();
        record("reset");
        return;
      }
      case "status": {
        const headers: Record<string, string> = { ...(action.headers ?? {}) };
        const text = action.body ?? "";
        if (text.length > 0 && !Object.keys(headers).some((key) => key.toLowerCase() === "content-type")) {
          headers["content-type"] = "application/json";
        }
        res.writeHead(action.status, headers);
        res.end(text);
        await finished(res);
        record(action.status);
        return;
      }
      case "rewrite": {
        const upstream = await forward(method, path, req.headers, body);
        const original = { status: upstream.statusCode ?? 502, body: (await readAll(upstream)).toString("utf8") };
        const replaced = action.rewrite(original);
        const headers = withoutHopByHop(upstream.headers);
        // The body changed: its old length and encoding no longer describe it.
        delete headers["content-length"];
        delete headers["content-encoding"];
        res.writeHead(replaced.status, headers);
        res.end(replaced.body);
        await finished(res);
        record(replaced.status);
        return;
      }
      case "oversized": {
        // Chunked, no Content-Length: the client must count bytes itself.
        res.writeHead(200, { "content-type": "application/json" });
        await streamJsonLike(res, action.bytes);
        record(200);
        return;
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Boundary: an upstream failure becomes a 502 to the client, as from a real proxy.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error_message: `fault proxy: upstream failed: ${String(error)}` }));
        requests.push({ method: req.method ?? "GET", path: req.url ?? "/", status: 502, body: "" });
      } else {
        res.destroy();
      }
    });
  });
  const listener = await listenOnLoopback(server);

  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${listener.port}`,
    requests,
    add(rule: FaultRule): void {
      if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) {
        throw new Error(`fault rule times must be a positive integer, got ${rule.times}`);
      }
      if (rule.after !== undefined && !(Number.isInteger(rule.after) && rule.after >= 0)) {
        throw new Error(`fault rule after must be a non-negative integer, got ${rule.after}`);
      }
      rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY, skip: rule.after ?? 0 });
    },
    remove(rule: FaultRule): boolean {
      const index = rules.findIndex((active) => active.rule === rule);
      if (index < 0) return false;
      rules.splice(index, 1);
      return true;
    },
    clear(): void {
      rules.length = 0;
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        // Ends the idle keep-alive connections too, which close() alone waits out.
        const closed = listener.close();
        upstreamAgent.destroy();
        await closed;
      })();
      return stopping;
    },
  };
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  // Fields named in Connection are hop-by-hop for this message too.
  const named = new Set(
    (headers.connection ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name.length > 0),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function finished(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.writableFinished || res.destroyed) resolve();
    else {
      res.once("finish", resolve);
      res.once("close", resolve);
    }
  });
}

/** Writes exactly `bytes` bytes that start like an Ironic node list, respecting
 * back-pressure, and stops early if the client goes away (e.g. hit its limit). */
async function streamJsonLike(res: ServerResponse, bytes: number): Promise<void> {
  const head = Buffer.from('{"nodes": [');
  const item = Buffer.from('{"uuid": "00000000-0000-4000-8000-000000000000", "name": "padding"}, '.repeat(900));
  let left = bytes;
  const write = async (chunk: Buffer): Promise<void> => {
    if (res.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  };
  for (let chunk = head; left > 0 && !res.destroyed; chunk = item) {
    const part = chunk.subarray(0, Math.min(chunk.length, left));
    left -= part.length;
    await write(part);
  }
  if (!res.destroyed) res.end();
  await finished(res);
}
