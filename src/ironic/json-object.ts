// A JSON object as Ironic sends it, checked cheaply. Answers come from
// JSON.parse, whose object keys are always strings: z.record(z.string(), …)
// would re-check every key (and copy the object) for nothing, and did so for
// every node of a listing (`properties` alone was a third of a node's
// validation). Values stay unknown; whoever reads one validates it then.
import { z } from "zod";

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const jsonObjectSchema = z.custom<Record<string, unknown>>(isJsonObject, "expected an object");
