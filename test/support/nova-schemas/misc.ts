// The smaller answers: metadata (metadata.inc), tags (os-server-tags.inc),
// os-server-password, consoles (servers-remote-consoles.inc and the legacy
// console actions), console output, rescue, createBackup/createImage,
// os-server-external-events and the image proxy (images.inc); Nova's schemas
// server_metadata.py, server_tags.py, server_password.py, remote_consoles.py,
// console_output.py, rescue.py, servers.py, server_external_events.py, images.py.
import { z } from "zod";
import { collectionLinks, dateTime, dateTimeOrNull, links, metadata, tag, uuid } from "./common.js";

export const metadataAnswer = z.strictObject({ metadata });
export const metaItemAnswer = z.strictObject({ meta: metadata.refine((value) => Object.keys(value).length === 1, "exactly one item") });

export const tagsAnswer = z.strictObject({ tags: z.array(tag) });

export const passwordAnswer = z.strictObject({ password: z.string() });

export function remoteConsoleAnswer(mv: number): z.ZodType {
  const protocols = ["vnc", "spice", "serial", "rdp", ...(mv >= 8 ? ["mks"] : [])];
  const types = ["novnc", "xvpvnc", "spice-html5", "serial", "rdp-html5", ...(mv >= 8 ? ["webmks"] : [])];
  return z.strictObject({ remote_console: z.strictObject({ protocol: z.enum(protocols), type: z.enum(types), url: z.url() }) });
}

/** The console actions below 2.6 (os-getVNCConsole, os-getSerialConsole, …). */
export const legacyConsoleAnswer = z.strictObject({ console: z.strictObject({ type: z.string(), url: z.url() }) });

export const consoleOutputAnswer = z.strictObject({ output: z.string() });

export const rescueAnswer = z.strictObject({ adminPass: z.string().optional() });

/** createBackup and createImage from 2.45: the new image's id. */
export const imageIdAnswer = z.strictObject({ image_id: uuid.nullable() });

export function externalEventsAnswer(mv: number): z.ZodType {
  const names = [
    "network-changed", "network-vif-plugged", "network-vif-unplugged", "network-vif-deleted",
    ...(mv >= 51 ? ["volume-extended"] : []),
    ...(mv >= 76 ? ["power-update"] : []),
    ...(mv >= 82 ? ["accelerator-request-bound"] : []),
    ...(mv >= 93 ? ["volume-reimaged"] : []),
  ];
  return z.strictObject({
    events: z.array(z.strictObject({
      code: z.union([z.literal(200), z.literal(400), z.literal(404), z.literal(422)]),
      name: z.enum(names),
      server_uuid: uuid,
      status: z.enum(["failed", "completed", "in-progress"]),
      tag: z.string().max(255).optional(),
    })),
  });
}

/** Nova's own image proxy (deprecated, 404 from 2.36): self, bookmark and the Glance alternate. */
const imageLinks = z.tuple([
  z.strictObject({ href: z.url(), rel: z.literal("self") }),
  z.strictObject({ href: z.url(), rel: z.literal("bookmark") }),
  z.strictObject({ href: z.url(), rel: z.literal("alternate"), type: z.literal("application/vnd.openstack.image") }),
]);

const image = z.strictObject({
  created: dateTime,
  id: uuid,
  links: imageLinks,
  metadata: z.record(z.string().regex(/^[a-zA-Z0-9\-_:. ]{1,255}$/), z.unknown()),
  minDisk: z.number().int().min(0),
  minRam: z.number().int().min(0),
  name: z.string().nullable(),
  progress: z.union([z.literal(0), z.literal(25), z.literal(50), z.literal(100)]),
  server: z.strictObject({ id: uuid, links }).optional(),
  status: z.enum(["ACTIVE", "SAVING", "DELETED", "ERROR", "UNKNOWN"]),
  updated: dateTimeOrNull,
  "OS-DCF:diskConfig": z.enum(["AUTO", "MANUAL"]).optional(),
  // Glance's size, null for an image registered without data (Nova passes it through).
  "OS-EXT-IMG-SIZE:size": z.number().int().nullable(),
});

export const imageAnswer = z.strictObject({ image });
export const imageListAnswer = z.strictObject({
  images: z.array(z.strictObject({ id: uuid, links: imageLinks, name: z.string().nullable() })),
  images_links: collectionLinks.optional(),
});
export const imageDetailListAnswer = z.strictObject({ images: z.array(image), images_links: collectionLinks.optional() });
