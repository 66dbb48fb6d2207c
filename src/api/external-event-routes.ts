// /v2.1/os-server-external-events (the service role, or admin): how Ironic reports power changes.
// Like Nova: 200 when every event was accepted, 207 when some were, 404 when none.
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import { sendFault } from "./errors.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { uuidRef } from "./schemas.js";

const eventsBody = z
  .object({
    events: z
      .array(
        z
          .object({
            name: z.string().min(1).max(255),
            server_uuid: uuidRef,
            tag: z.string().max(255).optional(),
            status: z.enum(["failed", "completed", "in-progress"]).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1_000),
  })
  .strict();

export function registerExternalEventRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.post("/os-server-external-events", { config: { access: "service" }, schema: { body: eventsBody } }, async (request, reply) => {
    const results = await compute.externalEvents(
      callerOf(request),
      request.body.events.map((event) => ({
        name: event.name,
        serverUuid: event.server_uuid,
        ...(event.tag === undefined ? {} : { tag: event.tag }),
        ...(event.status === undefined ? {} : { status: event.status }),
      })),
    );
    const accepted = results.filter((result) => result.code === 200).length;
    if (accepted === 0) return sendFault(reply, 404, "No instances found for any event");
    return reply.code(accepted === results.length ? 200 : 207).send({
      events: results.map((result) => ({
        name: result.name,
        server_uuid: result.serverUuid,
        ...(result.tag === undefined ? {} : { tag: result.tag }),
        status: result.code === 200 ? (result.status ?? "completed") : "failed",
        code: result.code,
      })),
    });
  });
}
