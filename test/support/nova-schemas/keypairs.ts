// Key pairs (api-ref/source/os-keypairs.inc; Nova's schemas/keypairs.py).
import { z } from "zod";
import { collectionLinks, dateTime, userId } from "./common.js";

const keypairType = z.enum(["ssh", "x509"]);
const name = z.string().min(1).max(255);

export function keypairCreateAnswer(mv: number): z.ZodType {
  return z.strictObject({
    keypair: z.strictObject({
      fingerprint: z.string(),
      name,
      // 2.92: Nova no longer generates keys, so there is never a private key.
      ...(mv >= 92 ? {} : { private_key: z.string().optional() }),
      public_key: z.string(),
      user_id: userId,
      ...(mv >= 2 ? { type: keypairType } : {}),
    }),
  });
}

export function keypairShowAnswer(mv: number): z.ZodType {
  return z.strictObject({
    keypair: z.strictObject({
      created_at: dateTime,
      deleted: z.literal(false),
      deleted_at: z.null(),
      fingerprint: z.string(),
      id: z.number().int(),
      name,
      public_key: z.string(),
      updated_at: z.null(),
      user_id: userId,
      ...(mv >= 2 ? { type: keypairType } : {}),
    }),
  });
}

export function keypairListAnswer(mv: number): z.ZodType {
  const item = z.strictObject({
    keypair: z.strictObject({ fingerprint: z.string(), name, public_key: z.string(), ...(mv >= 2 ? { type: keypairType } : {}) }),
  });
  return z.strictObject({ keypairs: z.array(item), ...(mv >= 35 ? { keypairs_links: collectionLinks.optional() } : {}) });
}
