// Microversion arithmetic and negotiation with Ironic's root document.
//
// We declare a range: MIN is the oldest API we can work with at all (1.56 gives
// the config drive as a JSON dict), MAX the newest we have tested against
// (Ironic 21.4 answers 1.82). We speak min(server max, MAX); a server whose max
// is below MIN is refused with a clear error instead of failing later in odd ways.

import { z } from "zod";

export type Microversion = readonly [major: number, minor: number];

export const MIN_MICROVERSION: Microversion = [1, 56];
export const MAX_MICROVERSION: Microversion = [1, 82];

/** Features whose request or response shape depends on the microversion. */
export const FEATURE_MICROVERSION = {
  lessee: [1, 65],
  retired: [1, 61],
  shard: [1, 82],
  deploySteps: [1, 69],
} as const satisfies Record<string, Microversion>;

export type Feature = keyof typeof FEATURE_MICROVERSION;

const VERSION_TEXT = /^(\d{1,3})\.(\d{1,3})$/;

export function parseMicroversion(text: string): Microversion | undefined {
  const match = VERSION_TEXT.exec(text.trim());
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2])];
}

export function formatMicroversion(version: Microversion): string {
  return `${version[0]}.${version[1]}`;
}

export function compareMicroversion(a: Microversion, b: Microversion): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

export function supports(negotiated: Microversion, feature: Feature): boolean {
  return compareMicroversion(negotiated, FEATURE_MICROVERSION[feature]) >= 0;
}

const versionEntry = z.object({
  id: z.string(),
  version: z.string(),
  min_version: z.string(),
});

/** `GET /` of Ironic. Older servers only list `versions`; newer add `default_version`. */
export const rootDocumentSchema = z.object({
  default_version: versionEntry.optional(),
  versions: z.array(versionEntry).optional(),
});

export type NegotiationResult =
  | { ok: true; version: Microversion; serverMin: Microversion; serverMax: Microversion }
  | { ok: false; reason: string };

export function negotiate(
  root: z.infer<typeof rootDocumentSchema>,
  ours: { min: Microversion; max: Microversion } = { min: MIN_MICROVERSION, max: MAX_MICROVERSION },
): NegotiationResult {
  const entry = root.default_version ?? root.versions?.find((v) => v.id === "v1");
  if (entry === undefined) return { ok: false, reason: "the server lists no v1 API" };
  const serverMax = parseMicroversion(entry.version);
  const serverMin = parseMicroversion(entry.min_version);
  if (serverMax === undefined || serverMin === undefined) {
    return { ok: false, reason: `unreadable version range '${entry.min_version}'..'${entry.version}'` };
  }
  const want = compareMicroversion(serverMax, ours.max) < 0 ? serverMax : ours.max;
  if (compareMicroversion(want, ours.min) < 0 || compareMicroversion(want, serverMin) < 0) {
    return {
      ok: false,
      reason:
        `Ironic supports API ${formatMicroversion(serverMin)}..${formatMicroversion(serverMax)}, ` +
        `ironic-compute needs ${formatMicroversion(ours.min)}..${formatMicroversion(ours.max)}`,
    };
  }
  return { ok: true, version: want, serverMin, serverMax };
}
