// What /openapi.json says about each route beyond what Fastify knows (method,
// URL, role, zod schemas): a summary, a tag and the success answers. Keyed by
// "METHOD url" with Fastify's URL pattern (`:id`). A route without an entry is
// still listed, marked `x-undocumented`, and test/api/openapi.test.ts fails
// until it gets one here.

export interface RouteDoc {
  summary: string;
  tag: Tag;
  description?: string;
  /** Success answers: status → description; `body: false` when the answer has none. */
  responses: Readonly<Record<string, string | { description: string; body: false }>>;
  /** Of the success bodies; application/json unless given. */
  mediaType?: string;
}

export const TAGS = {
  discovery: "Version discovery and health (no credentials).",
  servers: "Compute v2.1 servers: bare-metal instances, shown as Nova shows them.",
  "server actions": "Reboot, stop, start, rebuild, rescue, unrescue and the consoles of a server.",
  "server metadata": "A server's metadata items (key/value strings, at most 128).",
  "server tags": "A server's tags (microversion 2.26 and later).",
  "instance actions": "The audit trail of a server's operations (os-instance-actions).",
  flavors: "Compute v2.1 flavors and their extra specs (resource class, traits, capabilities).",
  keypairs: "SSH key pairs (os-keypairs).",
  "server groups": "Server groups (os-server-groups): affinity and anti-affinity over failure domains (the node, a node property, the conductor group or a trait).",
  hypervisors: "Ironic nodes as Nova's Ironic driver shows them (os-hypervisors).",
  "external events": "os-server-external-events: how Ironic reports power changes.",
  images: "The Image API v2 subset the OpenStack clients use, at /image/v2 and under /v2.1.",
  admin: "ironic-compute's own administration: projects, users and Ironic nodes.",
  identity: "Identity v3 (Keystone's shapes) under /identity: tokens, the service catalog, projects, application credentials.",
  observability: "The API description and Prometheus metrics.",
  dashboard: "The web dashboard (a client of this API, docs/dashboard.md) and the serial console's websocket proxy.",
  networks: "The network API (Neutron v2.0's shape) under /network: networks, subnets and ports with built-in address allocation (docs/networks.md).",
  volumes: "Block Storage v3 (Cinder's shapes) at /volume/v3/{project_id} and /volume/v3: existing iSCSI and Fibre Channel volumes registered by admins (docs/volumes.md).",
  quotas: "Per-project quotas (os-quota-sets) and absolute limits: instances, and servers per resource class as `class:<RESOURCE_CLASS>`.",
} as const;

export type Tag = keyof typeof TAGS;

const NO_BODY = (description: string): { description: string; body: false } => ({ description, body: false });

const NOVA_PROXY =
  " With a compute microversion header (`OpenStack-API-Version: compute 2.N` or `X-OpenStack-Nova-API-Version`) this is Nova's image proxy instead: " +
  "Nova's image format below 2.36, 404 from 2.36.";

function imageDocs(prefix: string): Record<string, RouteDoc> {
  const compute = prefix !== "/image/v2";
  const where = compute ? " (the same Image API, for clients configured with one URL)" : "";
  const proxy = compute ? NOVA_PROXY : "";
  return {
    ...(compute
      ? {
          [`GET ${prefix}/images/detail`]: {
            summary: "List images with details (Nova's image proxy)",
            tag: "images",
            description:
              "Nova's image documents (id, name, minRam, minDisk, metadata, status, progress, created, updated, links, OS-EXT-IMG-SIZE:size, server for a snapshot). " +
              "Filters name, status, server, type, minRam, minDisk, changes-since; limit and marker (`images_links`). Below microversion 2.36 (2.1 without a header); 404 from 2.36.",
            responses: { 200: "`images`." },
          },
        }
      : {}),
    [`GET ${prefix}/images`]: {
      summary: `List images${where}`,
      tag: "images",
      description: `Glance's list: \`images\`, \`first\`, \`schema\` and, when a \`limit\` filled the page, a relative \`next\` link.${proxy}`,
      responses: { 200: "The images visible to the caller's project." },
    },
    [`POST ${prefix}/images`]: {
      summary: `Register an image${where}`,
      tag: "images",
      description: "`url` is where Ironic downloads the image from; any other string-valued key is an image property.",
      responses: { 201: "The image document (Glance's shape, not wrapped)." },
    },
    [`GET ${prefix}/images/:id`]: {
      summary: `Show an image${where}`,
      tag: "images",
      ...(compute ? { description: proxy.trim() } : {}),
      responses: { 200: compute ? "The image document (Glance's shape, not wrapped; Nova's proxy: `image`)." : "The image document (Glance's shape, not wrapped)." },
    },
    [`PUT ${prefix}/images/:id/file`]: {
      summary: `Upload image data${where}`,
      tag: "images",
      description: "There is no image store: Ironic downloads the image's `url`. An empty upload is accepted as a no-op (some clients send one); data is refused with 400.",
      responses: { 204: NO_BODY("Nothing to store.") },
    },
    [`DELETE ${prefix}/images/:id`]: {
      summary: `Delete an image${where}`,
      tag: "images",
      responses: { 204: NO_BODY("Deleted.") },
    },
  };
}

function networkDocs(): Record<string, RouteDoc> {
  const docs: Record<string, RouteDoc> = {
    "GET /network/v2.0": { summary: "List the network API's resources", tag: "discovery", responses: { 200: "`resources`: networks, subnets, ports." } },
    "GET /network/v2.0/": { summary: "List the network API's resources", tag: "discovery", responses: { 200: "`resources`: networks, subnets, ports." } },
    "GET /network/v2.0/extensions": {
      summary: "List the network API's extensions (none)",
      tag: "networks",
      responses: { 200: "`extensions`: [] — a client looking one up gets a 404 and does without it." },
    },
  };
  docs["GET /network/v2.0/quotas/:id"] = {
    summary: "Show a project's network quotas (all unlimited)",
    tag: "networks",
    description: "Neutron's `quota` body, every resource -1: OSC's `quota show` asks for it once the catalog lists the network service.",
    responses: { 200: "`quota`." },
  };
  const lists: Record<string, string> = {
    networks: "The caller project's networks and shared ones (admins: all).",
    subnets: "The subnets of the networks the caller sees.",
    ports: "The caller project's ports (admins: all).",
  };
  for (const [collection, seen] of Object.entries(lists)) {
    const one = collection.slice(0, -1);
    const base = `/network/v2.0/${collection}`;
    docs[`GET ${base}`] = {
      summary: `List ${collection}`,
      tag: "networks",
      description: `${seen} Neutron's filters: any attribute (\`name=…\`, \`id=…\`, \`shared=true\`, \`tenant_id=…\`${one === "port" ? ", `fixed_ips=ip_address=…`" : ""}), \`fields=\`, \`limit\`/\`marker\`.`,
      responses: { 200: `\`${collection}\` and, when more follow a \`limit\`, \`${collection}_links\`.` },
    };
    docs[`POST ${base}`] = { summary: `Create a ${one}`, tag: "networks", responses: { 201: `\`${one}\`.` } };
    docs[`GET ${base}/:id`] = { summary: `Show a ${one}`, tag: "networks", responses: { 200: `\`${one}\`.` } };
    docs[`PUT ${base}/:id`] = { summary: `Update a ${one}`, tag: "networks", responses: { 200: `\`${one}\`.` } };
    docs[`DELETE ${base}/:id`] = { summary: `Delete a ${one}`, tag: "networks", responses: { 204: NO_BODY("Deleted.") } };
  }
  return docs;
}

function volumeDocs(prefix: string): Record<string, RouteDoc> {
  const where = prefix === "/volume/v3" ? " (without the project segment)" : "";
  return {
    [`GET ${prefix}/volumes`]: {
      summary: `List volumes${where}`,
      tag: "volumes",
      description: "`id`, `name` and `links` of the project's own and the shared volumes (every project's with `all_tenants` for admins). Filters `name`, `status`; `limit` and `marker` page (`volumes_links` next).",
      responses: { 200: "`volumes`." },
    },
    [`GET ${prefix}/volumes/detail`]: {
      summary: `List volumes with details${where}`,
      tag: "volumes",
      description: "As the list, each volume in full (attachments, status, bootable, metadata; the target without its CHAP secret for admins).",
      responses: { 200: "`volumes`." },
    },
    [`POST ${prefix}/volumes`]: {
      summary: `Register an existing volume (admins)${where}`,
      tag: "volumes",
      description:
        "Cinder's create body plus `project_id` (null = shared), `bootable` and `connection` ({protocol: iscsi, target_portals, target_iqn, target_lun, auth_username, auth_password} or {protocol: fibre_channel, target_wwns, target_lun}) — or the same as `ironic_compute:*` metadata keys. The CHAP secret is never answered.",
      responses: { 202: "`volume`.", 403: "Policy doesn't allow volume:create to be performed." },
    },
    [`GET ${prefix}/volumes/:id`]: { summary: `Show a volume${where}`, tag: "volumes", responses: { 200: "`volume`." } },
    [`PUT ${prefix}/volumes/:id`]: { summary: `Rename a volume or change its description${where}`, tag: "volumes", responses: { 200: "`volume`." } },
    [`DELETE ${prefix}/volumes/:id`]: {
      summary: `Unregister a volume (admins; not while attached)${where}`,
      tag: "volumes",
      responses: { 202: NO_BODY("Unregistered (the data on the SAN is not touched)."), 400: "Invalid volume: Volume status must be available or error…" },
    },
    [`GET ${prefix}/os-quota-sets/:target`]: {
      summary: `Cinder's quota set of a project${where}`,
      tag: "volumes",
      description: "No volume quotas exist: every limit is -1; with `usage=True` the project's own volumes and gigabytes are counted.",
      responses: { 200: "`quota_set`." },
    },
  };
}

function discovery(summary: string, status: 200 | 300 = 200): RouteDoc {
  return { summary, tag: "discovery", responses: { [status]: "The version document." } };
}

export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  "GET /": discovery("List the API versions (Compute v2.0 and v2.1)"),
  "GET /v2": discovery("Show the legacy Compute v2.0 version (its document only; the root advertises it)"),
  "GET /v2/": discovery("Show the legacy Compute v2.0 version (its document only; the root advertises it)"),
  "GET /v2.1": discovery("Show the Compute v2.1 version and its microversion range"),
  "GET /v2.1/": discovery("Show the Compute v2.1 version and its microversion range"),
  "GET /image": discovery("List the Image API versions", 300),
  "GET /image/": discovery("List the Image API versions", 300),
  "GET /image/v2": discovery("List the Image API versions", 300),
  "GET /image/v2/": discovery("List the Image API versions", 300),
  "GET /network": discovery("List the network API versions (v2.0)"),
  "GET /network/": discovery("List the network API versions (v2.0)"),
  ...networkDocs(),
  "GET /dashboard": { summary: "The web dashboard's page", tag: "dashboard", responses: { 200: "The page (HTML) under a strict Content-Security-Policy; it logs in with the identity API." }, mediaType: "text/html" },
  "GET /dashboard/assets/:name": { summary: "The dashboard's scripts and styles", tag: "dashboard", responses: { 200: "One of the files read at start; 404 for any other name." }, mediaType: "text/javascript" },
  "GET /dashboard/assets/vendor/:name": { summary: "xterm.js, served from node_modules", tag: "dashboard", responses: { 200: "xterm.mjs or xterm.css; 404 for any other name." }, mediaType: "text/javascript" },
  "GET /dashboard/console": {
    summary: "Serial console websocket (the URL os-remote-consoles returns)",
    tag: "dashboard",
    description: "`?token=` a one-time console token; upgrades to a websocket joined to the node's socat console. 401 for an unknown, used or expired token, 403 for a browser page of another origin.",
    responses: { 101: NO_BODY("Switching to the websocket protocol.") },
  },
  "GET /healthz": { summary: "Health check", tag: "discovery", responses: { 200: '`{"status": "ok"}` while the API process serves requests.' } },
  "GET /readyz": {
    summary: "Readiness check",
    tag: "discovery",
    description:
      "Checks `database`, `migrations`, `ironic` (reachable, microversion in range) and `lease_loop` (this worker's task lease loop and heartbeat), each bounded in time. " +
      "Shows only each check's name and `ok` or `failing`; admins see why in `GET /admin/v1/status`.",
    responses: { 200: '`{"status": "ready", "checks": {"database": "ok", …}}`.', 503: '`{"status": "not ready", "checks": {…, "ironic": "failing"}}`.' },
  },

  "GET /v2.1/servers": {
    summary: "List servers (id, name, links)",
    tag: "servers",
    description:
      "The caller's project; admins add `all_tenants` for every project. Paged with `limit`/`marker` in the order asked (`sort_key`/`sort_dir`, default newest first). " +
      "`name` (and, for admins, `node`) is a regular expression (RE2, at most 255 characters); `changes-since`/`changes-before` list deleted servers too (docs/openstack-compat.md, List filters and order).",
    responses: { 200: "`servers` and, when a `limit` filled the page, `servers_links`." },
  },
  "GET /v2.1/servers/detail": {
    summary: "List servers with details",
    tag: "servers",
    responses: { 200: "`servers` (full documents) and, when a `limit` filled the page, `servers_links`." },
  },
  "POST /v2.1/servers": {
    summary: "Create a server (deploy a node)",
    tag: "servers",
    description:
      "Schedules a node of the flavor's resource class and deploys the image on it, asynchronously. `min_count`/`max_count` make several servers (`name-1`…`name-N`), each on its own node, placed all or none; they share a `reservation_id`.",
    responses: { 202: "The (first) new server's id, links and `adminPass`, its Location header pointing at it; `{reservation_id}` with `return_reservation_id`." },
  },
  "GET /v2.1/servers/:id": { summary: "Show a server", tag: "servers", responses: { 200: "The server document." } },
  "DELETE /v2.1/servers/:id": {
    summary: "Delete a server (undeploy its node)",
    tag: "servers",
    responses: { 204: NO_BODY("The deletion started.") },
  },
  "POST /v2.1/servers/:id/action": {
    summary: "Run a server action",
    tag: "server actions",
    description:
      "Exactly one of reboot, os-stop, os-start, rebuild, rescue, unrescue, lock (`locked_reason` from 2.73), unlock, " +
      "os-resetState (admin: `{\"state\": \"active\"|\"error\"}`; vm_state set, task_state cleared, the node untouched), " +
      "trigger_crash_dump (2.17 and later: an NMI through Ironic, sent before the answer; a refusal is the instance action's failed event), " +
      "or (below microversion 2.6) os-getSerialConsole; " +
      "the other consoles of 2.1–2.5 answer 400 (bare metal has a serial console only).",
    responses: {
      200: "rescue: the rescue password; os-getSerialConsole: the console URL.",
      202: "reboot, os-stop, os-start, unrescue, lock, unlock, os-resetState, trigger_crash_dump: accepted (no body); rebuild: the server document.",
    },
  },
  "PUT /v2.1/servers/:id": {
    summary: "Update a server's name, description (2.19) or hostname (2.90)",
    tag: "servers",
    description: "Allowed while the server is locked, as in Nova. `description: null` clears it.",
    responses: { 200: "The server document." },
  },
  "GET /v2.1/servers/:id/metadata": { summary: "List a server's metadata", tag: "server metadata", responses: { 200: "`metadata`." } },
  "PUT /v2.1/servers/:id/metadata": {
    summary: "Replace all of a server's metadata",
    tag: "server metadata",
    description: "At most 128 items (403 over that); vm_state active or stopped with no task running; refused (409) while locked, except for admins.",
    responses: { 200: "`metadata` as stored." },
  },
  "POST /v2.1/servers/:id/metadata": {
    summary: "Add or overwrite metadata items of a server",
    tag: "server metadata",
    description: "Merged into what is there; the same limits and states as the replace.",
    responses: { 200: "`metadata`: all of the server's items." },
  },
  "GET /v2.1/servers/:id/metadata/:key": { summary: "Show one metadata item", tag: "server metadata", responses: { 200: "`meta` with the one item." } },
  "PUT /v2.1/servers/:id/metadata/:key": {
    summary: "Set one metadata item",
    tag: "server metadata",
    description: "The body's `meta` holds exactly that key.",
    responses: { 200: "`meta` with the one item." },
  },
  "DELETE /v2.1/servers/:id/metadata/:key": { summary: "Delete one metadata item", tag: "server metadata", responses: { 204: NO_BODY("Deleted.") } },
  "GET /v2.1/servers/:id/tags": { summary: "List a server's tags (2.26)", tag: "server tags", responses: { 200: "`tags`, sorted." } },
  "PUT /v2.1/servers/:id/tags": {
    summary: "Replace a server's tags (2.26)",
    tag: "server tags",
    description: "At most 50 tags of 1–60 characters without '/' or ','; vm_state active or stopped.",
    responses: { 200: "`tags` as stored." },
  },
  "DELETE /v2.1/servers/:id/tags": { summary: "Delete all tags of a server (2.26)", tag: "server tags", responses: { 204: NO_BODY("Deleted.") } },
  "GET /v2.1/servers/:id/tags/:tag": {
    summary: "Check for one tag (2.26)",
    tag: "server tags",
    responses: { 204: NO_BODY("The server has the tag (404 when it has not).") },
  },
  "PUT /v2.1/servers/:id/tags/:tag": {
    summary: "Add one tag (2.26)",
    tag: "server tags",
    responses: { 201: NO_BODY("Added; Location names the tag."), 204: NO_BODY("The server already had it.") },
  },
  "DELETE /v2.1/servers/:id/tags/:tag": { summary: "Remove one tag (2.26)", tag: "server tags", responses: { 204: NO_BODY("Removed.") } },
  "POST /v2.1/servers/:id/remote-consoles": {
    summary: "Get the serial console URL (microversion 2.6 and later)",
    tag: "server actions",
    responses: { 200: "`remote_console` with protocol, type and url." },
  },
  "GET /v2.1/servers/:id/os-instance-actions": {
    summary: "List a server's actions",
    tag: "instance actions",
    responses: { 200: "`instanceActions`." },
  },
  "GET /v2.1/servers/:id/os-instance-actions/:requestId": {
    summary: "Show one action of a server, with its events",
    tag: "instance actions",
    responses: { 200: "`instanceAction` with its `events`." },
  },

  "GET /v2.1/flavors": {
    summary: "List flavors (id, name, links)",
    tag: "flavors",
    description: "Public flavors; admins choose with `is_public` (true, false or none). Filters minRam/minDisk; paged with limit/marker.",
    responses: { 200: "`flavors` and, when a `limit` filled the page, `flavors_links`." },
  },
  "GET /v2.1/flavors/detail": {
    summary: "List flavors with details",
    tag: "flavors",
    responses: { 200: "`flavors` and, when a `limit` filled the page, `flavors_links`." },
  },
  "POST /v2.1/flavors": {
    summary: "Create a flavor",
    tag: "flavors",
    description: "Nova's body. The flavor schedules once its extra specs name a node class: `POST …/os-extra_specs` with `resources:CUSTOM_<CLASS>=1` (and `trait:…`, `capabilities:…`).",
    responses: { 200: "The flavor document." },
  },
  "GET /v2.1/flavors/:id": { summary: "Show a flavor", tag: "flavors", responses: { 200: "The flavor document." } },
  "DELETE /v2.1/flavors/:id": { summary: "Delete a flavor", tag: "flavors", responses: { 202: NO_BODY("Deleted.") } },
  "GET /v2.1/flavors/:id/os-extra_specs": {
    summary: "Show a flavor's extra specs",
    tag: "flavors",
    description: "The scheduling constraints as Nova writes them: resources:CUSTOM_…, trait:…, capabilities:….",
    responses: { 200: "`extra_specs`." },
  },
  "POST /v2.1/flavors/:id/os-extra_specs": {
    summary: "Create or update extra specs of a flavor",
    tag: "flavors",
    description: "Merges `extra_specs` into the flavor's (admin). `resources:*` amounts are whole numbers and `trait:*` is required or forbidden.",
    responses: { 200: "The request's `extra_specs`, as Nova answers." },
  },
  "GET /v2.1/flavors/:id/os-extra_specs/:key": {
    summary: "Show one extra spec of a flavor",
    tag: "flavors",
    responses: { 200: "`{<key>: <value>}`." },
  },
  "PUT /v2.1/flavors/:id/os-extra_specs/:key": {
    summary: "Update one extra spec of a flavor",
    tag: "flavors",
    description: "The body is exactly `{<key>: <value>}` for the key of the URL (admin).",
    responses: { 200: "The request's body, as Nova answers." },
  },
  "DELETE /v2.1/flavors/:id/os-extra_specs/:key": {
    summary: "Delete one extra spec of a flavor",
    tag: "flavors",
    responses: { 200: NO_BODY("Deleted (Nova answers 200, not 204).") },
  },

  "POST /v2.1/os-keypairs": {
    summary: "Create or import a key pair",
    tag: "keypairs",
    description:
      "Without `public_key` the service generates an ssh key and returns `private_key`, once. From 2.2 `type` ssh or x509 " +
      "(x509: `public_key` is one PEM certificate, fingerprinted as Nova: SHA-1 of its DER; never generated); from 2.10 " +
      "`user_id` lets admins create another user's key pair (403 for others).",
    responses: { 200: "The key pair (below microversion 2.2).", 201: "The key pair (2.2 and later)." },
  },
  "GET /v2.1/os-keypairs": {
    summary: "List the caller's key pairs",
    tag: "keypairs",
    responses: { 200: "`keypairs` and, when a `limit` (2.35 and later) filled the page, `keypairs_links`." },
  },
  "GET /v2.1/os-keypairs/:name": {
    summary: "Show a key pair",
    tag: "keypairs",
    description: "Nova's show fields: an integer `id` (stable, from the record's UUID), `user_id`, `created_at`, `deleted`, `deleted_at`, `updated_at`; `type` from 2.2; `?user_id=` (admins) from 2.10.",
    responses: { 200: "The key pair." },
  },
  "DELETE /v2.1/os-keypairs/:name": {
    summary: "Delete a key pair",
    tag: "keypairs",
    responses: { 202: NO_BODY("Deleted (below microversion 2.2)."), 204: NO_BODY("Deleted (2.2 and later).") },
  },

  "GET /v2.1/servers/:id/os-interface": {
    summary: "List a server's interfaces",
    tag: "servers",
    description: "Its ports (issue 12): port, network, MAC (the node NIC's), state and fixed IPs.",
    responses: { 200: "`interfaceAttachments`." },
  },
  "POST /v2.1/servers/:id/os-interface": {
    summary: "Attach an interface to a server",
    tag: "servers",
    description:
      "`net_id` (with at most one `fixed_ips` address) or `port_id`; the server must hold its node (ACTIVE or SHUTOFF, no task) and the node have a NIC none of its ports uses. The OS must configure it: network_data.json is read at first boot (`ironic_compute:note`).",
    responses: { 200: "`interfaceAttachment`.", 409: "No free NIC, or the server is busy." },
  },
  "DELETE /v2.1/servers/:id/os-interface/:port_id": {
    summary: "Detach an interface from a server",
    tag: "servers",
    description: "The VIF is detached through Ironic; a port the service made is deleted (its address released), the caller's own port only unbound.",
    responses: { 202: NO_BODY("Detached.") },
  },
  "GET /v2.1/servers/:id/os-interface/:port_id": { summary: "Show one interface of a server", tag: "servers", responses: { 200: "`interfaceAttachment`." } },

  "GET /v2.1/servers/:id/os-server-password": {
    summary: "Show a server's encrypted password",
    tag: "servers",
    description: "Always `\"\"`: no guest agent posts an encrypted password here (the admin password reaches the machine in its config drive and is kept nowhere).",
    responses: { 200: "`password`." },
  },
  "DELETE /v2.1/servers/:id/os-server-password": {
    summary: "Clear a server's encrypted password",
    tag: "servers",
    description: "Nothing to clear (see GET); answered as Nova does.",
    responses: { 204: NO_BODY("Cleared.") },
  },

  "GET /v2.1/servers/:id/ips": {
    summary: "List a server's addresses by network",
    tag: "servers",
    description: "Nova's ips view: `{version, addr}` per address, without the OS-EXT-IPS fields of the server document.",
    responses: { 200: "`addresses`: network name → addresses." },
  },
  "GET /v2.1/servers/:id/ips/:network": {
    summary: "List a server's addresses on one network",
    tag: "servers",
    description: "By network name; 404 \"Instance is not a member of specified network\" for a network the server is not on.",
    responses: { 200: "`{<network>: [addresses]}`." },
  },

  "POST /v2.1/os-server-groups": {
    summary: "Create a server group",
    tag: "server groups",
    description:
      "`policies: [one]` below microversion 2.64 (soft policies from 2.15), `policy` and `rules.max_server_per_host` (anti-affinity only) from 2.64. At most `compute.serverGroups.maxPerProject` per project.",
    responses: { 200: "The group.", 403: "Quota exceeded, too many server groups." },
  },
  "GET /v2.1/os-server-groups": {
    summary: "List server groups",
    tag: "server groups",
    description: "The caller's project's; every project's with `all_projects` for admins. `limit` and `offset` page.",
    responses: { 200: "`server_groups`, each with its live members." },
  },
  "GET /v2.1/os-server-groups/:id": { summary: "Show a server group", tag: "server groups", responses: { 200: "The group." } },
  "DELETE /v2.1/os-server-groups/:id": {
    summary: "Delete a server group",
    tag: "server groups",
    description: "Its servers stay where they are, in no group.",
    responses: { 204: NO_BODY("Deleted.") },
  },

  "GET /v2.1/os-hypervisors": {
    summary: "List hypervisors (Ironic nodes)",
    tag: "hypervisors",
    description: "Integer ids below microversion 2.53, node UUIDs from 2.53 (with `with_servers` and `hypervisor_hostname_pattern`).",
    responses: { 200: "`hypervisors`." },
  },
  "GET /v2.1/os-hypervisors/detail": {
    summary: "List hypervisors with details",
    tag: "hypervisors",
    description: "Resource counters below microversion 2.88, `uptime` from 2.88.",
    responses: { 200: "`hypervisors`." },
  },
  "GET /v2.1/os-hypervisors/statistics": {
    summary: "Hypervisor totals (below microversion 2.88)",
    tag: "hypervisors",
    responses: { 200: "`hypervisor_statistics`." },
  },
  "GET /v2.1/os-hypervisors/:id/uptime": {
    summary: "Hypervisor uptime (not supported for bare metal)",
    tag: "hypervisors",
    description: "Answers 501 like Nova's Ironic driver; `openstack hypervisor show` skips it.",
    responses: { 501: "Not supported for bare-metal nodes." },
  },
  "GET /v2.1/os-availability-zone": {
    summary: "List availability zones",
    tag: "hypervisors",
    description: "Every server is in the one zone `nova`.",
    responses: { 200: "`availabilityZoneInfo`." },
  },
  "GET /v2.1/os-availability-zone/detail": {
    summary: "List availability zones with hosts",
    tag: "hypervisors",
    responses: { 200: "`availabilityZoneInfo` with the service's host." },
  },
  "GET /v2.1/os-aggregates": {
    summary: "List host aggregates (always empty)",
    tag: "hypervisors",
    responses: { 200: "`aggregates`: []." },
  },
  "GET /v2.1/os-hypervisors/:id": { summary: "Show a hypervisor", tag: "hypervisors", responses: { 200: "`hypervisor`." } },

  "GET /v2.1/os-quota-sets/:project_id": {
    summary: "Show a project's quotas",
    tag: "quotas",
    description:
      "Nova's `quota_set`: `instances`, `class:<RESOURCE_CLASS>` per limited or used class, `key_pairs` and `metadata_items` (fixed by the service); VM-only resources are -1. " +
      "Readers of the project and admins; another project's: 403. `user_id` is ignored (quotas are per project).",
    responses: { 200: "`quota_set` with `id`." },
  },
  "GET /v2.1/os-quota-sets/:project_id/defaults": {
    summary: "Show the default quotas",
    tag: "quotas",
    description: "The configured defaults (`compute.quotas`), which apply until an admin sets a project's own.",
    responses: { 200: "`quota_set` with `id`." },
  },
  "GET /v2.1/os-quota-sets/:project_id/detail": {
    summary: "Show a project's quotas with usage",
    tag: "quotas",
    description: "Each resource as `{in_use, limit, reserved}` (reserved is always 0, as in Nova).",
    responses: { 200: "`quota_set` with `id`." },
  },
  "PUT /v2.1/os-quota-sets/:project_id": {
    summary: "Set a project's quotas (admin)",
    tag: "quotas",
    description:
      "`quota_set` takes `instances`, `class:<RESOURCE_CLASS>` and `force` (-1 = unlimited). A limit below what is in use needs `force`; VM-only keys (cores, ram …) are refused with 400.",
    responses: { 200: "`quota_set` without `id`, as Nova." },
  },
  "DELETE /v2.1/os-quota-sets/:project_id": {
    summary: "Revert a project's quotas to the defaults (admin)",
    tag: "quotas",
    responses: { 202: NO_BODY("The project's own limits are gone.") },
  },
  "GET /v2.1/projects": {
    summary: "Projects, as /identity/v3/projects (for clients given one URL)",
    tag: "quotas",
    description: "OSC's identity client asks `--os-endpoint` for `projects?name=` before `quota set|show|list <project>`; the same lookup as Identity v3's.",
    responses: { 200: "`projects`." },
  },
  "GET /v2.1/projects/:id": {
    summary: "Show a visible project, as /identity/v3/projects/{id} (for clients given one URL)",
    tag: "quotas",
    responses: { 200: "`project`." },
  },
  "GET /v2.1/limits": {
    summary: "Show absolute limits",
    tag: "quotas",
    description:
      "Nova's `limits`: `rate` is empty; `absolute` has maxTotalInstances / totalInstancesUsed, the key-pair and metadata limits, and -1 / 0 for VM-only ones. `tenant_id`: admins only.",
    responses: { 200: "`limits`." },
  },

  "POST /v2.1/os-server-external-events": {
    summary: "Report server events (power-update)",
    tag: "external events",
    description: "Ironic's power notifier calls this; the server's power state is synchronised.",
    responses: { 200: "Every event was accepted.", 207: "Some events were accepted; each carries its own code." },
  },

  ...imageDocs("/image/v2"),
  ...imageDocs("/v2.1"),
  ...volumeDocs("/volume/v3/:project_id"),
  ...volumeDocs("/volume/v3"),
  "GET /volume": discovery("List the Block Storage API versions", 300),
  "GET /volume/": discovery("List the Block Storage API versions", 300),
  "GET /volume/v3": discovery("Show the Block Storage v3 version"),
  "GET /volume/v3/": discovery("Show the Block Storage v3 version"),

  "GET /admin/v1/projects": { summary: "List projects", tag: "admin", responses: { 200: "`projects`." } },
  "POST /admin/v1/projects": { summary: "Create a project", tag: "admin", responses: { 201: "`project`." } },
  "DELETE /admin/v1/projects/:id": { summary: "Delete a project", tag: "admin", responses: { 204: NO_BODY("Deleted.") } },
  "GET /admin/v1/users": { summary: "List users (never their passwords)", tag: "admin", responses: { 200: "`users`." } },
  "POST /admin/v1/users": { summary: "Create a user with a role in a project", tag: "admin", responses: { 201: "`user`." } },
  "PATCH /admin/v1/users/:id": {
    summary: "Reset a user's password or change its role",
    tag: "admin",
    description: "Revokes every token of the user, and its application credentials granting a role it loses.",
    responses: { 200: "`user`." },
  },
  "DELETE /admin/v1/users/:id": { summary: "Delete a user (and its tokens and application credentials)", tag: "admin", responses: { 204: NO_BODY("Deleted.") } },
  "GET /identity": { summary: "Identity API versions", tag: "identity", responses: { 300: "`versions.values`: v3." } },
  "GET /identity/": { summary: "Identity API versions", tag: "identity", responses: { 300: "`versions.values`: v3." } },
  "GET /identity/v3": { summary: "Identity v3 version", tag: "identity", responses: { 200: "`version`." } },
  "GET /identity/v3/": { summary: "Identity v3 version", tag: "identity", responses: { 200: "`version`." } },
  "POST /identity/v3/auth/tokens": {
    summary: "Issue a token",
    tag: "identity",
    description:
      "Methods `password` (user by id, or name + domain Default), `application_credential` (id, or name + user; no scope) and `token` (re-scope, same expiry). Scope: a project (id, or name + domain), `\"unscoped\"`, or none (the user's own project). The token is in `X-Subject-Token`; `?nocatalog` leaves the catalog out. Failed secrets count against the login limits (429).",
    responses: { 201: "`token` with user, project, roles, expires_at and the catalog." },
  },
  "GET /identity/v3/auth/tokens": {
    summary: "Validate the token in X-Subject-Token",
    tag: "identity",
    description: "The caller's own token, or any for an admin or the service role; others are 404. HEAD answers the same status without a body.",
    responses: { 200: "`token`." },
  },
  "DELETE /identity/v3/auth/tokens": { summary: "Revoke the token in X-Subject-Token", tag: "identity", responses: { 204: NO_BODY("Revoked.") } },
  "GET /identity/v3/auth/catalog": { summary: "The service catalog", tag: "identity", responses: { 200: "`catalog`." } },
  "GET /identity/v3/auth/projects": { summary: "Projects the caller may scope to", tag: "identity", responses: { 200: "`projects`." } },
  "GET /identity/v3/projects": { summary: "Projects: the caller's own, every one for an admin", tag: "identity", responses: { 200: "`projects`." } },
  "GET /identity/v3/projects/:id": { summary: "Show a visible project", tag: "identity", responses: { 200: "`project`." } },
  "GET /identity/v3/users/:id": { summary: "Show a user (yourself, or anyone for an admin)", tag: "identity", responses: { 200: "`user`." } },
  "GET /identity/v3/users/:id/projects": { summary: "Projects a user may scope to", tag: "identity", responses: { 200: "`projects`." } },
  "POST /identity/v3/users/:id/password": {
    summary: "Change your own password",
    tag: "identity",
    description: "Needs `original_password`. Revokes every token of the user, this one included.",
    responses: { 204: NO_BODY("Changed.") },
  },
  "GET /identity/v3/users/:id/application_credentials": {
    summary: "List a user's application credentials",
    tag: "identity",
    responses: { 200: "`application_credentials` (never their secrets)." },
  },
  "POST /identity/v3/users/:id/application_credentials": {
    summary: "Create an application credential",
    tag: "identity",
    description: "Bound to the token's project; roles a subset of the token's; optional `expires_at`. The secret is in this answer only.",
    responses: { 201: "`application_credential` with `secret`." },
  },
  "GET /identity/v3/users/:id/application_credentials/:credentialId": {
    summary: "Show an application credential",
    tag: "identity",
    responses: { 200: "`application_credential`." },
  },
  "DELETE /identity/v3/users/:id/application_credentials/:credentialId": {
    summary: "Delete an application credential (and its tokens)",
    tag: "identity",
    responses: { 204: NO_BODY("Deleted.") },
  },
  "GET /admin/v1/audit": {
    summary: "The audit of admin changes, newest first",
    tag: "admin",
    description:
      "Every create, update and delete of flavors, images, projects, users, quotas and volumes (registration, unregistration): who (user, project, request id), when, what and a secret-free summary (`{password: \"changed\"}`, `{role: {from, to}}`). Filters `resource_type`, `resource_id`, `user_id`, `since`, `until` (ISO-8601, inclusive); `limit` (default 100, at most 1000) and `marker` (the last id of the previous page).",
    responses: { 200: "`audit`." },
  },
  "GET /admin/v1/status": {
    summary: "Readiness with reasons, and counts (`ironic-compute status`)",
    tag: "admin",
    responses: { 200: "`status`: `ready`, `checks` (name, ok, detail), `worker_id`, `live_workers`, `nodes` (total, available, claimed_unknown), `servers`." },
  },
  "GET /admin/v1/nodes": { summary: "List the Ironic nodes this service manages", tag: "admin", responses: { 200: "`nodes`." } },
  "GET /admin/v1/nodes/:id": { summary: "Show one Ironic node", tag: "admin", responses: { 200: "`node`." } },

  "GET /openapi.json": {
    summary: "This OpenAPI document",
    tag: "observability",
    responses: { 200: "OpenAPI 3.1 (JSON)." },
  },
  "GET /metrics": {
    summary: "Prometheus metrics (text exposition format 0.0.4)",
    tag: "observability",
    description:
      "Request counters and durations by route pattern, servers by vm_state, active tasks, nodes by provision state and " +
      "availability, build info, and scrape errors by source. Admin credentials unless api.metricsPublic (loopback only).",
    mediaType: "text/plain; version=0.0.4",
    responses: { 200: "The metrics." },
  },
};
