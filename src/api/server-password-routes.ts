// /v2.1/servers/{id}/os-server-password: Nova's encrypted-password store, which
// a guest agent fills in through the metadata service. There is none here (the
// admin password goes to the machine in its config drive and is kept nowhere),
// so the answers are Nova's for a server with no password: "" and a no-op clear.
import type { ComputeApi } from "../compute/contract.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { uuidParams } from "./schemas.js";

export function registerServerPasswordRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.get("/servers/:id/os-server-password", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request) => {
    // The server must be the caller's to see (404 otherwise, as Nova).
    await compute.servers.get(callerOf(request), request.params.id);
    return { password: "" };
  });

  app.delete("/servers/:id/os-server-password", { config: { access: "member" }, schema: { params: uuidParams } }, async (request, reply) => {
    await compute.servers.get(callerOf(request), request.params.id);
    return reply.code(204).send();
  });
}
