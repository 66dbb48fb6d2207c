// /v2.1/servers/{id}/action, /remote-consoles and /os-instance-actions.
// os-resetState and trigger_crash_dump are done within the request
// (compute/server-instant-actions.ts); the others start a task.
// Action bodies hold exactly one key; its argument may be null (novaclient) or
// {} (openstacksdk), and the SDK sends no microversion header on these POSTs.
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { SERIAL_CONSOLE_PATH } from "../compute/console-tokens.js";
import type { Caller, ComputeApi, ServerAction } from "../compute/contract.js";
import type { ActionEventRecord, ActionRecord } from "../store/records.js";
import { sendFault } from "./errors.js";
import { outsideVersion } from "./microversion.js";
import { baseUrl, callerOf, isAdmin, novaTime, type ApiInstance } from "./request-context.js";
import { accessIp, base64Text, emptyArgument, metadataSchema, requestIdRef, uuidParams, uuidRef } from "./schemas.js";
import { REBUILD_KEY_NAME_FROM, serverDetail } from "./server-view.js";

/**
 * The console URL Nova's serial proxy gives: ws(s)://… with a one-time token in
 * the query (a browser's WebSocket cannot send headers); the service's own
 * proxy is on the same listener as the API.
 */
async function serialConsoleUrl(compute: ComputeApi, request: FastifyRequest, caller: Caller, id: string): Promise<string> {
  const { token } = await compute.servers.serialConsole(caller, id);
  return `${baseUrl(request).replace(/^http/, "ws")}${SERIAL_CONSOLE_PATH}?token=${encodeURIComponent(token)}`;
}

const rebootArgument = z
  .object({ type: z.enum(["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]) })
  .strict();

const rebuildArgument = z
  .object({
    imageRef: uuidRef,
    name: z.string().trim().min(1).max(255).optional(),
    metadata: metadataSchema.optional(),
    preserve_ephemeral: z.boolean().optional(),
    user_data: base64Text.nullable().optional(),
    "OS-DCF:diskConfig": z.enum(["AUTO", "MANUAL"]).optional(),
    description: z.string().max(255).nullable().optional(),
    adminPass: z.string().min(1).max(255).optional(),
    accessIPv4: accessIp("ipv4").optional(),
    accessIPv6: accessIp("ipv6").optional(),
    // From 2.54 (checked in the handler): the caller's keypair, or null to remove the key.
    key_name: z.string().min(1).max(255).nullable().optional(),
  })
  .strict();

const rescueArgument = z.union([z.null(), z.object({ adminPass: z.string().min(1).max(255).optional() }).strict()]);

const consoleArgument = z.object({ type: z.string().min(1).max(64) }).strict();

/** Nova's lock argument from 2.73: null, or an optional reason. */
const lockArgument = z.union([z.null(), z.object({ locked_reason: z.string().min(1).max(255).optional() }).strict()]);
const LOCKED_REASON_FROM = 73;

/** Nova's trigger_crash_dump action exists from 2.17 (404 below, as a method outside its version). */
const CRASH_DUMP_FROM = 17;

/** Nova serves the console actions only below 2.6, remote-consoles from 2.6. */
const REMOTE_CONSOLES_FROM = 6;

/** Nova's rebuild takes user_data from 2.57; below, its schema refuses the key. */
const REBUILD_USER_DATA_FROM = 57;

const actionBody = z
  .object({
    reboot: rebootArgument.optional(),
    "os-stop": emptyArgument.optional(),
    "os-start": emptyArgument.optional(),
    rebuild: rebuildArgument.optional(),
    rescue: rescueArgument.optional(),
    unrescue: emptyArgument.optional(),
    // Nova takes any argument below 2.73 (and ignores it); lockArgument from 2.73.
    lock: z.unknown().optional(),
    unlock: z.unknown().optional(),
    "os-getSerialConsole": z.object({ type: z.literal("serial") }).strict().optional(),
    // Nova's reset_server_state schema: these two states only (anything else 400).
    "os-resetState": z.object({ state: z.enum(["active", "error"]) }).strict().optional(),
    // Nova's schema: null only. From 2.17 (checked in the handler).
    trigger_crash_dump: z.null().optional(),
    // The other consoles of the 2.1–2.5 API: bare metal has none of them (400).
    "os-getVNCConsole": consoleArgument.optional(),
    "os-getSPICEConsole": consoleArgument.optional(),
    "os-getRDPConsole": consoleArgument.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length === 1, "exactly one action per request");

type ActionBody = z.output<typeof actionBody>;

/** The compute action of a body, or a console request (answered here, not an action). */
function actionOf(body: ActionBody): ServerAction | "serial-console" | "other-console" {
  if (body.reboot !== undefined) return { type: "reboot", hard: body.reboot.type.toUpperCase() === "HARD" };
  if ("os-stop" in body) return { type: "stop" };
  if ("os-start" in body) return { type: "start" };
  if (body.rebuild !== undefined) {
    const rebuild = body.rebuild;
    return {
      type: "rebuild",
      imageRef: rebuild.imageRef,
      ...(rebuild.name === undefined ? {} : { name: rebuild.name }),
      ...(rebuild.metadata === undefined ? {} : { metadata: rebuild.metadata }),
      ...(rebuild.preserve_ephemeral === undefined ? {} : { preserveEphemeral: rebuild.preserve_ephemeral }),
      ...(rebuild.user_data === undefined ? {} : { userData: rebuild.user_data }),
      ...(rebuild.adminPass === undefined ? {} : { adminPass: rebuild.adminPass }),
      ...(rebuild["OS-DCF:diskConfig"] === undefined ? {} : { diskConfig: rebuild["OS-DCF:diskConfig"] }),
      ...(rebuild.accessIPv4 === undefined ? {} : { accessIPv4: rebuild.accessIPv4 }),
      ...(rebuild.accessIPv6 === undefined ? {} : { accessIPv6: rebuild.accessIPv6 }),
      ...(rebuild.key_name === undefined ? {} : { keyName: rebuild.key_name }),
    };
  }
  if ("rescue" in body) {
    const password = body.rescue?.adminPass;
    return password === undefined ? { type: "rescue" } : { type: "rescue", adminPass: password };
  }
  if ("unrescue" in body) return { type: "unrescue" };
  if (body["os-getSerialConsole"] !== undefined) return "serial-console";
  return "other-console";
}

const remoteConsoleBody = z
  .object({
    remote_console: z
      .object({ protocol: z.enum(["vnc", "spice", "rdp", "serial", "mks"]), type: z.string().min(1).max(64) })
      .strict(),
  })
  .strict();

const actionParams = z.object({ id: uuidRef, requestId: requestIdRef }).strict();

// Instance actions as Nova shows them per role: a failed action's message is
// "Error" for everyone but admins (ours holds the failure's detail); an event's
// `details` (2.84) is the public message; its `traceback` is for admins only.

function actionDoc(action: ActionRecord, microversion: number, admin: boolean): Record<string, unknown> {
  return {
    action: action.action,
    instance_uuid: action.serverId,
    message: admin || action.message === null ? action.message : "Error",
    project_id: action.projectId,
    request_id: action.requestId,
    start_time: novaTime(action.startTime),
    user_id: action.userId,
    ...(microversion >= 58 ? { updated_at: novaTime(action.finishTime ?? action.startTime) } : {}),
  };
}

function eventDoc(event: ActionEventRecord, microversion: number, admin: boolean): Record<string, unknown> {
  return {
    event: event.event,
    start_time: novaTime(event.startTime),
    finish_time: novaTime(event.finishTime),
    result: event.result,
    ...(admin ? { traceback: event.traceback } : {}),
    // 2.62: the event's host (admins) and its digest (everyone). Events record
    // no host, so both are "" as Nova shows them for an event without one.
    ...(microversion >= 62 ? { hostId: "", ...(admin ? { host: "" } : {}) } : {}),
    ...(microversion >= 84 ? { details: event.details } : {}),
  };
}

export function registerServerActionRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.post(
    "/servers/:id/action",
    { config: { access: "member" }, schema: { params: uuidParams, body: actionBody } },
    async (request, reply): Promise<FastifyReply> => {
      const caller = callerOf(request);
      const rebuild = request.body.rebuild;
      for (const [field, from] of [
        ["user_data", REBUILD_USER_DATA_FROM],
        ["key_name", REBUILD_KEY_NAME_FROM],
      ] as const) {
        if (rebuild !== undefined && field in rebuild && request.microversion < from) {
          return sendFault(
            reply,
            400,
            `Invalid input for field/attribute rebuild: Additional properties are not allowed ('${field}' was unexpected); ${field} needs microversion 2.${from} or later.`,
          );
        }
      }
      const reset = request.body["os-resetState"];
      if (reset !== undefined) {
        await compute.servers.resetState(caller, request.params.id, reset.state);
        return reply.code(202).send();
      }
      if ("trigger_crash_dump" in request.body) {
        if (request.microversion < CRASH_DUMP_FROM) return outsideVersion(reply);
        await compute.servers.triggerCrashDump(caller, request.params.id);
        return reply.code(202).send();
      }
      if ("lock" in request.body || "unlock" in request.body) {
        if ("unlock" in request.body) {
          await compute.servers.unlock(caller, request.params.id);
          return reply.code(202).send();
        }
        let reason: string | undefined;
        if (request.microversion >= LOCKED_REASON_FROM) {
          const argument = lockArgument.safeParse(request.body.lock);
          if (!argument.success) return sendFault(reply, 400, `Invalid input for field/attribute lock: ${argument.error.issues[0]?.message ?? "invalid value"}`);
          reason = argument.data?.locked_reason;
        }
        await compute.servers.lock(caller, request.params.id, reason);
        return reply.code(202).send();
      }
      const action = actionOf(request.body);
      if (action === "serial-console" || action === "other-console") {
        if (request.microversion >= REMOTE_CONSOLES_FROM) return outsideVersion(reply);
        if (action === "other-console") {
          // Nova checks the server first: another project's server stays a 404.
          await compute.servers.get(caller, request.params.id);
          return sendFault(reply, 400, "Unavailable console type: bare-metal servers have a serial console only.");
        }
        const url = await serialConsoleUrl(compute, request, caller, request.params.id);
        return reply.code(200).send({ console: { type: "serial", url } });
      }
      const result = await compute.servers.act(caller, request.params.id, action);
      switch (action.type) {
        case "rescue":
          return reply.code(200).send(result.adminPass === undefined ? {} : { adminPass: result.adminPass });
        case "rebuild": {
          const server = result.server ?? (await compute.servers.get(caller, request.params.id));
          const context = { base: baseUrl(request), microversion: request.microversion, admin: isAdmin(request), single: true, answerOf: "rebuild" as const };
          // Nova adds the new password to the rebuild's answer (enableInstancePassword).
          return reply.code(202).send({ server: { ...serverDetail(server, context), ...(result.adminPass === undefined ? {} : { adminPass: result.adminPass }) } });
        }
        case "reboot":
        case "stop":
        case "start":
        case "unrescue":
          return reply.code(202).send();
      }
    },
  );

  app.post(
    "/servers/:id/remote-consoles",
    { config: { access: "member" }, schema: { params: uuidParams, body: remoteConsoleBody } },
    async (request, reply) => {
      if (request.microversion < REMOTE_CONSOLES_FROM) return outsideVersion(reply);
      const { protocol, type } = request.body.remote_console;
      if (protocol !== "serial" || type !== "serial") {
        return sendFault(reply, 400, `Unavailable console type ${type}: bare-metal servers have serial consoles only.`);
      }
      const url = await serialConsoleUrl(compute, request, callerOf(request), request.params.id);
      return { remote_console: { protocol: "serial", type: "serial", url } };
    },
  );

  app.get("/servers/:id/os-instance-actions", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request) => {
    const actions = await compute.servers.actions(callerOf(request), request.params.id);
    return { instanceActions: actions.map((action) => actionDoc(action, request.microversion, isAdmin(request))) };
  });

  app.get(
    "/servers/:id/os-instance-actions/:requestId",
    { config: { access: "reader" }, schema: { params: actionParams } },
    async (request) => {
      const { action, events } = await compute.servers.action(callerOf(request), request.params.id, request.params.requestId);
      return {
        instanceAction: {
          ...actionDoc(action, request.microversion, isAdmin(request)),
          events: events.map((event) => eventDoc(event, request.microversion, isAdmin(request))),
        },
      };
    },
  );
}
