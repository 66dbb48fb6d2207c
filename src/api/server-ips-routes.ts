// /v2.1/servers/{id}/ips and /ips/{network}: Nova's ips API, the server's
// addresses by network name in Nova's basic address view ({version, addr}:
// its ips view leaves out the OS-EXT-IPS fields a server document has).
import { z } from "zod";
import type { ComputeApi, ServerView } from "../compute/contract.js";
import { sendFault } from "./errors.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { uuidParams, uuidRef } from "./schemas.js";

const networkParams = z.object({ id: uuidRef, network: z.string().min(1).max(255) }).strict();

type AddressList = Array<{ version: 4 | 6; addr: string }>;

function addressesOf(server: ServerView): Map<string, AddressList> {
  return new Map(
    Object.entries(server.addresses).map(([network, list]) => [network, list.map((address) => ({ version: address.version, addr: address.addr }))]),
  );
}

export function registerServerIpsRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.get("/servers/:id/ips", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request) => {
    const server = await compute.servers.get(callerOf(request), request.params.id);
    return { addresses: Object.fromEntries(addressesOf(server)) };
  });

  app.get("/servers/:id/ips/:network", { config: { access: "reader" }, schema: { params: networkParams } }, async (request, reply) => {
    const server = await compute.servers.get(callerOf(request), request.params.id);
    const list = addressesOf(server).get(request.params.network);
    // Nova's words; the server itself was found (another project's is the 404 above).
    if (list === undefined) return sendFault(reply, 404, "Instance is not a member of specified network");
    return { [request.params.network]: list };
  });
}
