// The pattern of an Ironic request path, for metric labels and span names:
// `/v1/nodes/<uuid>/states/provision` → `/v1/nodes/{node}/states/provision`.
// Bounded by construction: every segment is either a word of Ironic's API
// below or a `{placeholder}`, so no id, name or trait ever becomes a label.

/** A collection and what one of its members is called in a pattern. */
const COLLECTIONS: Readonly<Record<string, string>> = {
  nodes: "node",
  ports: "port",
  portgroups: "portgroup",
  allocations: "allocation",
  targets: "target",
  connectors: "connector",
  vifs: "vif",
  traits: "trait",
  chassis: "chassis",
  drivers: "driver",
  conductors: "conductor",
  deploy_templates: "template",
  runbooks: "runbook",
};

/** Fixed words of Ironic's paths (kept as they are). */
const WORDS = new Set([
  "v1",
  "detail",
  "states",
  "provision",
  "power",
  "console",
  "raid",
  "boot_mode",
  "secure_boot",
  "management",
  "boot_device",
  "supported",
  "inject_nmi",
  "validate",
  "volume",
  "bios",
  "vendor_passthru",
  "methods",
  "indicators",
  "maintenance",
  "firmware",
  "history",
  "inventory",
  "children",
  "lookup",
  "heartbeat",
]);

export function ironicRoutePattern(path: string): string {
  const bare = path.split("?")[0] ?? "";
  const segments = bare.split("/").filter((segment) => segment !== "");
  if (segments.length === 0) return "/";
  const out: string[] = [];
  let previous: string | undefined;
  for (const segment of segments) {
    const member = previous === undefined ? undefined : COLLECTIONS[previous];
    if (member !== undefined && segment !== "detail") out.push(`{${member}}`);
    else if (WORDS.has(segment) || segment in COLLECTIONS) out.push(segment);
    else out.push("{id}");
    // A placeholder is never a collection name, even when the id spells one.
    previous = member !== undefined && segment !== "detail" ? undefined : segment;
  }
  return `/${out.join("/")}`;
}
