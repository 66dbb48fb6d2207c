// A server's ports and volumes and addresses: os-interface
// (api-ref/source/os-interface.inc), os-volume_attachments
// (os-volume-attachments.inc) and ips (ips.inc); Nova's schemas
// attach_interfaces.py, volume_attachments.py and ips.py.
import { z } from "zod";
import { ipAddress, macAddress, tag, uuid } from "./common.js";

function interfaceAttachment(mv: number): z.ZodType {
  return z.strictObject({
    fixed_ips: z.array(z.strictObject({ ip_address: ipAddress, subnet_id: uuid })).nullable(),
    mac_addr: macAddress,
    net_id: uuid,
    port_id: uuid,
    port_state: z.string(),
    ...(mv >= 70 ? { tag: z.string().nullable() } : {}),
  });
}

export function interfaceAnswer(mv: number): z.ZodType {
  return z.strictObject({ interfaceAttachment: interfaceAttachment(mv) });
}

export function interfaceListAnswer(mv: number): z.ZodType {
  return z.strictObject({ interfaceAttachments: z.array(interfaceAttachment(mv)) });
}

const device = z.string().regex(/(^\/dev\/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$/).nullable();

function volumeAttachment(mv: number, created: boolean): z.ZodType {
  return z.strictObject({
    ...(mv >= 89 ? { attachment_id: uuid, bdm_uuid: uuid } : { id: z.string() }),
    device: created && mv >= 70 ? device : device.optional(),
    serverId: uuid,
    volumeId: z.string(),
    ...(mv >= 70 ? { tag: tag.nullable() } : {}),
    ...(mv >= 79 ? { delete_on_termination: z.boolean() } : {}),
  });
}

export function volumeAttachmentAnswer(mv: number): z.ZodType {
  return z.strictObject({ volumeAttachment: volumeAttachment(mv, false) });
}

/** POST answer: below 2.89 it still has `id` (Nova keeps the create answer at 2.79's shape). */
export function volumeAttachmentCreateAnswer(mv: number): z.ZodType {
  return z.strictObject({ volumeAttachment: volumeAttachment(Math.min(mv, 79), true) });
}

export function volumeAttachmentListAnswer(mv: number): z.ZodType {
  return z.strictObject({ volumeAttachments: z.array(volumeAttachment(mv, false)) });
}

const addressList = z.array(z.strictObject({ addr: ipAddress, version: z.union([z.literal(4), z.literal(6)]) }));

export const ipsAnswer = z.strictObject({ addresses: z.record(z.string().min(1), addressList) });
/** GET /servers/{id}/ips/{network}: `{"<network>": [...]}`. */
export const networkIpsAnswer = z.record(z.string().min(1), addressList).refine((value) => Object.keys(value).length === 1, "exactly one network");
