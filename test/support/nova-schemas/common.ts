// Field types shared by Nova's answers, written from Nova's API reference
// (api-ref/source/parameters.yaml) and the response schemas Nova keeps beside
// its request schemas (nova/api/validation/response_types.py). zod strict
// objects stand where Nova's schemas say `additionalProperties: false`.
import { z } from "zod";

/** Nova prints times as ISO 8601 with a zone ("2026-01-01T00:00:00Z"). */
export const dateTime = z.iso.datetime({ offset: true });
export const dateTimeOrNull = dateTime.nullable();

/** JSON Schema's `format: uuid`: any hex GUID, not only RFC 4122 versions. */
export const uuid = z.guid();

export const ipAddress = z.union([z.ipv4(), z.ipv6()]);
export const macAddress = z.string().regex(/^(?:[a-fA-F0-9]{2}:){5}[a-fA-F0-9]{2}$/);

/** Nova's project_id / user_id parameter types. */
export const projectId = z.string().min(1).max(255).regex(/^[a-zA-Z0-9-]*$/);
export const userId = projectId;

/** A resource's `links`: self and bookmark. */
export const links = z.array(z.strictObject({ rel: z.enum(["self", "bookmark"]), href: z.url() }));

/** A collection's `*_links`: exactly one `next` link. */
export const collectionLinks = z.array(z.strictObject({ rel: z.literal("next"), href: z.url() })).length(1);

/** Server metadata (response_types.metadata): string keys of 1–255 safe characters. */
export const metadataKey = z.string().regex(/^[a-zA-Z0-9\-_:. ]{1,255}$/);
export const metadata = z.record(metadataKey, z.string().max(255).nullable());

/** A server tag (parameter_types.tag). */
export const tag = z.string().min(1).max(60).regex(/^[^,/]*$/);

/** An answer with no body (Nova's `{'type': 'null'}`: 202/204 with nothing). */
export const noBody = z.undefined();

export type Schema = z.ZodType;
