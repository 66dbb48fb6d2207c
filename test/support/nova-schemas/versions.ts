// Version documents (api-ref/source/versions.inc; Nova's schemas/versions.py):
// GET / lists the versions, GET /v2.1/ and /v2/ show one.
import { z } from "zod";
import { dateTime } from "./common.js";

const versionLinks = z.array(z.strictObject({ href: z.string(), rel: z.string(), type: z.string().optional() }));
const mediaTypes = z.array(z.strictObject({ base: z.string(), type: z.string() }));

const version = z.strictObject({
  id: z.string(),
  status: z.enum(["CURRENT", "SUPPORTED", "DEPRECATED"]),
  links: versionLinks,
  min_version: z.string(),
  updated: dateTime,
  version: z.string().optional(),
  "media-types": mediaTypes.optional(),
});

export const versionListAnswer = z.strictObject({ versions: z.array(version) });
export const versionAnswer = z.strictObject({ version });
