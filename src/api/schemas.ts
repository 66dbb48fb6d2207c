// Zod pieces shared by the route files. Query values arrive as strings.
import { z } from "zod";
import { isBase64UserData } from "../compute/user-data.js";

/**
 * An id or name in a path. Not a strict UUID: clients try names as ids first
 * and must get 404 from the compute layer (which does the strict check).
 */
export const pathId = z.string().min(1).max(255);

export const idParams = z.object({ id: pathId }).strict();

/** A non-negative integer given as a query string. */
export const queryCount = z
  .string()
  .regex(/^\d{1,9}$/, "must be a non-negative integer")
  .transform((value) => Number.parseInt(value, 10));

/** oslo's bool_from_string (strict): what Nova accepts for flags like all_tenants. */
export const queryFlag = z
  .string()
  .max(8)
  .transform((value, context) => {
    const lower = value.trim().toLowerCase();
    if (["", "1", "t", "true", "on", "y", "yes"].includes(lower)) return true;
    if (["0", "f", "false", "off", "n", "no"].includes(lower)) return false;
    context.addIssue({ code: "custom", message: "must be a boolean (true/false/1/0/yes/no)" });
    return z.NEVER;
  });

/** Nova metadata: at most 128 keys, key 1–255 characters, value up to 255. */
export const metadataSchema = z
  .record(z.string().min(1).max(255), z.string().max(255))
  .refine((record) => Object.keys(record).length <= 128, "at most 128 metadata items");

/** `null` or `{}`: the argument of os-stop, os-start, unrescue… (clients send both). */
export const emptyArgument = z.union([z.null(), z.object({}).strict()]);

/** A JSON integer or a string of digits, as Nova takes counts. */
export const looseCount = z.union([
  z.number().int().min(0),
  z
    .string()
    .regex(/^\d{1,9}$/, "must be an integer")
    .transform((value) => Number.parseInt(value, 10)),
]);

/** Base64 text (Nova's user_data); the decoded size is checked by the compute layer. */
export const base64Text = z
  .string()
  .max(90_000)
  .refine(isBase64UserData, "must be base64");
