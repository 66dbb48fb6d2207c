// Flavors (api-ref/source/flavors.inc, os-flavor-extra-specs.inc; Nova's
// schemas/flavors.py). The bare-metal scheduling data lives in extra_specs
// (`resources:CUSTOM_<CLASS>=1`, `trait:<T>=required`, `capabilities:<k>=<v>`),
// so the flavor document itself has no field of ours.
import { z } from "zod";
import { metadata } from "./common.js";

const flavorLinks = z.array(z.strictObject({ href: z.url(), rel: z.string() }));
const description = z.string().nullable();
const extraSpecs = z.record(z.string().regex(/^[a-zA-Z0-9\-_:. ]{1,255}$/), z.string().max(255));

function summaryShape(mv: number): z.ZodRawShape {
  return { id: z.string(), links: flavorLinks, name: z.string(), ...(mv >= 55 ? { description } : {}) };
}

function flavor(mv: number): z.ZodType {
  return z.strictObject({
    ...summaryShape(mv),
    disk: z.number().int(),
    ram: z.number().int(),
    vcpus: z.number().int(),
    // Below 2.75 a flavor without swap shows "" (Nova's quirk), from 2.75 0.
    swap: mv >= 75 ? z.number().int() : z.union([z.number().int(), z.literal("")]),
    "os-flavor-access:is_public": z.boolean(),
    rxtx_factor: z.number(),
    "OS-FLV-EXT-DATA:ephemeral": z.number().int(),
    "OS-FLV-DISABLED:disabled": z.boolean(),
    // 2.61: shown when policy allows (it does here, for everyone).
    ...(mv >= 61 ? { extra_specs: extraSpecs.optional() } : {}),
  });
}

export function flavorAnswer(mv: number): z.ZodType {
  return z.strictObject({ flavor: flavor(mv) });
}

export function flavorDetailListAnswer(mv: number): z.ZodType {
  return z.strictObject({ flavors: z.array(flavor(mv)), flavors_links: flavorLinks.optional() });
}

export function flavorListAnswer(mv: number): z.ZodType {
  return z.strictObject({ flavors: z.array(z.strictObject(summaryShape(mv))), flavors_links: flavorLinks.optional() });
}

export const extraSpecsAnswer = z.strictObject({ extra_specs: metadata });
/**
 * POST /flavors/{id}/os-extra_specs and PUT …/{key} answer with the request body
 * as Nova does (`return body`): values as the client sent them, numbers and
 * booleans included (Nova's request schema takes them).
 */
const echoedValue = z.union([z.string(), z.number(), z.boolean()]);
export const extraSpecsEchoAnswer = z.strictObject({ extra_specs: z.record(z.string(), echoedValue) });
export const extraSpecEchoAnswer = z.record(z.string(), echoedValue).refine((value) => Object.keys(value).length === 1, "exactly one extra spec");
/** GET/PUT /flavors/{id}/os-extra_specs/{key}: `{"<key>": "<value>"}`. */
export const extraSpecAnswer = metadata.refine((value) => Object.keys(value).length === 1, "exactly one extra spec");
