// The serial console in the browser: GET SERIAL_CONSOLE_PATH?token=… upgrades to
// a websocket that is joined to the node's socat console (tcp://host:port, as
// Ironic reports it and console-url.ts checked it), like Nova's serial proxy.
//
// The token is the only credential (a browser's WebSocket sends no headers):
// one-time, short-lived, bound to one server and one caller, redeemed before
// the upgrade (an unknown, used or expired token gets 401 and no websocket).
// A browser's Origin must be this service's own. The session ends when either
// side closes, after compute.serialConsole.idleTimeoutSeconds without a byte,
// and after maxSessionSeconds in all; closing the page closes the TCP stream.
import websocket from "@fastify/websocket";
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { connect } from "node:net";
import type { RawData, WebSocket } from "ws";
import { z } from "zod";
import { SERIAL_CONSOLE_PATH, type ConsoleGrant } from "../compute/console-tokens.js";
import type { ComputeApi } from "../compute/contract.js";

const PUBLIC = { access: "public", versioned: false } as const;
const tokenQuery = z.object({ token: z.string().min(1).max(128) });
/** Frames from the browser are keystrokes and pastes; nothing needs more. */
const MAX_FRAME_BYTES = 64 * 1024;
/** Output waiting for a slow browser beyond this pauses the console's TCP stream. */
const HIGH_WATER_BYTES = 1024 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

/** websocket close codes (RFC 6455 leaves 4000–4999 to applications). */
export const CLOSE_CODES = { consoleEnded: 1000, consoleUnreachable: 1011, idle: 4000, maxSession: 4001 } as const;

function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return origin === `${request.protocol}://${request.host}`;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function consoleProxyRoutes(compute: ComputeApi): FastifyPluginCallback {
  const grants = new WeakMap<FastifyRequest, ConsoleGrant>();
  const { idleTimeoutMs, maxSessionMs } = compute.consoles.limits;

  const redeem = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!sameOrigin(request)) return reply.code(403).type("text/plain; charset=utf-8").send("This console is for pages of this service only.");
    const query = tokenQuery.safeParse(request.query);
    const grant = query.success ? await compute.consoles.redeem(query.data.token) : undefined;
    if (grant === undefined) return reply.code(401).type("text/plain; charset=utf-8").send("The console token is unknown, used or expired.");
    grants.set(request, grant);
    return undefined;
  };

  const join = (socket: WebSocket, request: FastifyRequest): void => {
    const grant = grants.get(request);
    if (grant === undefined) {
      socket.close(CLOSE_CODES.consoleUnreachable, "no console grant");
      return;
    }
    const who = { server: grant.serverId, user: grant.caller.userId };
    const tcp = connect({ host: grant.host, port: grant.port, timeout: CONNECT_TIMEOUT_MS });
    request.log.info(who, "serial console session opened");
    let idle: NodeJS.Timeout | undefined;
    const end = (code: number, reason: string): void => {
      clearTimeout(idle);
      clearTimeout(total);
      tcp.destroy();
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
    };
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        end(CLOSE_CODES.idle, "idle timeout");
      }, idleTimeoutMs);
    };
    const total = setTimeout(() => {
      end(CLOSE_CODES.maxSession, "session time limit");
    }, maxSessionMs);
    touch();
    tcp.on("connect", () => tcp.setTimeout(0));
    tcp.on("timeout", () => {
      end(CLOSE_CODES.consoleUnreachable, "the console did not answer");
    });
    tcp.on("data", (chunk: Buffer) => {
      touch();
      socket.send(chunk, { binary: true }, () => {
        if (tcp.isPaused() && socket.bufferedAmount < HIGH_WATER_BYTES) tcp.resume();
      });
      if (socket.bufferedAmount >= HIGH_WATER_BYTES) tcp.pause();
    });
    tcp.on("error", (error) => {
      request.log.warn({ ...who, err: error.message }, "serial console stream failed");
      end(CLOSE_CODES.consoleUnreachable, "the console stream failed");
    });
    tcp.on("close", () => {
      end(CLOSE_CODES.consoleEnded, "the console closed");
    });
    socket.on("message", (data) => {
      touch();
      tcp.write(toBuffer(data));
    });
    socket.on("close", () => {
      request.log.info(who, "serial console session closed");
      end(CLOSE_CODES.consoleEnded, "closed");
    });
  };

  return (app, _options, done) => {
    void app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
    void app.register((scoped, _scopedOptions, scopedDone) => {
      scoped.get(SERIAL_CONSOLE_PATH, { websocket: true, config: PUBLIC, preValidation: redeem }, join);
      scopedDone();
    });
    done();
  };
}
