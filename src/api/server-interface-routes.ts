// /v2.1/servers/{id}/os-interface: a server's ports as Nova's interface
// attachments (list, show). What network_data.json told the machine at its
// first boot is what these show.
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import type { InterfaceAttachment } from "../compute/server-networks.js";
import { sendFault } from "./errors.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { uuidParams, uuidRef } from "./schemas.js";

const attachBody = z
  .object({
    interfaceAttachment: z
      .object({
        net_id: z.string().min(1).max(255).optional(),
        port_id: z.string().min(1).max(255).optional(),
        fixed_ips: z.array(z.object({ ip_address: z.string().min(1).max(64) }).strict()).max(1).optional(),
        tag: z.string().max(60).optional(),
      })
      .strict(),
  })
  .strict();

/** Said with every attach: nothing hot-plugs the interface into the running OS. */
export const FIRST_BOOT_NOTE =
  "network_data.json was read at the machine's first boot: configure this interface in its OS (its MAC and address are in this answer).";

const portParams = z.object({ id: uuidRef, port_id: z.string().min(1).max(255) }).strict();

/** Nova 2.70: interface attachments show their device tag. */
const TAG_FROM = 70;

export function interfaceDoc(attachment: InterfaceAttachment, microversion: number): Record<string, unknown> {
  return {
    port_id: attachment.portId,
    net_id: attachment.networkId,
    mac_addr: attachment.macAddress,
    port_state: attachment.state,
    fixed_ips: attachment.fixedIps.map((fixed) => ({ subnet_id: fixed.subnetId, ip_address: fixed.ipAddress })),
    // Device tags are not kept (no metadata service to publish them): null, as Nova shows an untagged one.
    ...(microversion >= TAG_FROM ? { tag: null } : {}),
  };
}

export function registerServerInterfaceRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.get("/servers/:id/os-interface", { config: { access: "reader" }, schema: { params: uuidParams } }, async (request) => {
    const attachments = await compute.servers.interfaces(callerOf(request), request.params.id);
    return { interfaceAttachments: attachments.map((attachment) => interfaceDoc(attachment, request.microversion)) };
  });

  app.post("/servers/:id/os-interface", { config: { access: "member" }, schema: { params: uuidParams, body: attachBody } }, async (request, reply) => {
    const body = request.body.interfaceAttachment;
    if (body.net_id !== undefined && body.port_id !== undefined) return sendFault(reply, 400, "Specify either port_id or net_id, not both.");
    if (body.net_id === undefined && body.port_id === undefined) return sendFault(reply, 400, "Specify port_id or net_id.");
    if (body.port_id !== undefined && body.fixed_ips !== undefined) return sendFault(reply, 400, "fixed_ips go with net_id, not with port_id.");
    const fixedIp = body.fixed_ips?.[0]?.ip_address;
    const attachment = await compute.servers.attachInterface(callerOf(request), request.params.id, {
      ...(body.net_id === undefined ? {} : { networkId: body.net_id }),
      ...(body.port_id === undefined ? {} : { portId: body.port_id }),
      ...(fixedIp === undefined ? {} : { fixedIp }),
    });
    return reply.header("x-ironic-compute-note", FIRST_BOOT_NOTE).send({ interfaceAttachment: { ...interfaceDoc(attachment, request.microversion), "ironic_compute:note": FIRST_BOOT_NOTE } });
  });

  app.delete("/servers/:id/os-interface/:port_id", { config: { access: "member" }, schema: { params: portParams } }, async (request, reply) => {
    await compute.servers.detachInterface(callerOf(request), request.params.id, request.params.port_id);
    return reply.code(202).send();
  });

  app.get("/servers/:id/os-interface/:port_id", { config: { access: "reader" }, schema: { params: portParams } }, async (request, reply) => {
    const attachments = await compute.servers.interfaces(callerOf(request), request.params.id);
    const attachment = attachments.find((candidate) => candidate.portId === request.params.port_id);
    if (attachment === undefined) return sendFault(reply, 404, `Port ${request.params.port_id.slice(0, 64)} is not attached`);
    return { interfaceAttachment: interfaceDoc(attachment, request.microversion) };
  });
}
