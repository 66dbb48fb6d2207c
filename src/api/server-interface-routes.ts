// /v2.1/servers/{id}/os-interface: a server's ports as Nova's interface
// attachments (list, show). What network_data.json told the machine at its
// first boot is what these show.
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import type { InterfaceAttachment } from "../compute/server-networks.js";
import { sendFault } from "./errors.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { uuidParams, uuidRef } from "./schemas.js";

const portParams = z.object({ id: uuidRef, port_id: z.string().min(1).max(255) }).strict();

export function interfaceDoc(attachment: InterfaceAttachment): Record<string, unknown> {
  return {
    port_id: attachment.portId,
    net_id: attachment.networkId,
    mac_addr: attachment.macAddress,
    port_state: attachment.state,
    fixed_ips: attachment.fixedIps.map((fixed) => ({ subnet_id: fixed.subnetId, ip_address: fixed.ipAddress })),
  };
}

export function registerServerInterfaceRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.get("/servers/:id/os-interface", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request) => {
    const attachments = await compute.servers.interfaces(callerOf(request), request.params.id);
    return { interfaceAttachments: attachments.map(interfaceDoc) };
  });

  app.get("/servers/:id/os-interface/:port_id", { config: { access: "reader" }, schema: { params: portParams } }, async (request, reply) => {
    const attachments = await compute.servers.interfaces(callerOf(request), request.params.id);
    const attachment = attachments.find((candidate) => candidate.portId === request.params.port_id);
    if (attachment === undefined) return sendFault(reply, 404, `Port ${request.params.port_id.slice(0, 64)} is not attached`);
    return { interfaceAttachment: interfaceDoc(attachment) };
  });
}
