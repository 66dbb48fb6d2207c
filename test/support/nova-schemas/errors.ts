// Nova's error envelope (api-ref/source/index.rst "Faults"; nova/api/openstack/
// wsgi.py Fault): `{"<faultName>": {"code": N, "message": "…"}}` with the name
// fixed by the status, computeFault for any other. A 401 comes from
// keystonemiddleware in front of Nova, in Keystone's shape.
import { z } from "zod";

export const NOVA_FAULT_NAMES: Readonly<Record<number, string>> = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  409: "conflictingRequest",
  413: "overLimit",
  415: "badMediaType",
  429: "overLimit",
  501: "notImplemented",
  503: "serviceUnavailable",
};

export function novaFaultName(status: number): string {
  return NOVA_FAULT_NAMES[status] ?? "computeFault";
}

export function errorAnswer(status: number): z.ZodType {
  const nova = z.strictObject({
    [novaFaultName(status)]: z.strictObject({
      code: z.literal(status),
      message: z.string(),
      // 413/429 overLimit: seconds until a retry may pass.
      retryAfter: z.string().optional(),
    }),
  });
  if (status !== 401) return nova;
  const keystone = z.strictObject({ error: z.strictObject({ code: z.literal(401), title: z.string(), message: z.string() }) });
  return z.union([nova, keystone]);
}
