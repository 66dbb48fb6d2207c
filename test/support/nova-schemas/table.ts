// Which Nova answer shape each compute route gives: (method, route pattern,
// server action, microversion range) → the statuses Nova answers with and the
// schema of the body. Route patterns are Fastify's (`:id`), as in the route
// table, so test/api/nova-schemas.test.ts can compare the two.
import { z } from "zod";
import { noBody } from "./common.js";
import * as attachments from "./attachments.js";
import * as flavors from "./flavors.js";
import * as hosts from "./groups-zones-hosts.js";
import * as actions from "./instance-actions.js";
import * as keypairs from "./keypairs.js";
import * as misc from "./misc.js";
import * as quotas from "./quotas.js";
import * as servers from "./servers.js";
import * as versions from "./versions.js";

export type Method = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

export interface AnswerRule {
  method: Method;
  route: string;
  /** For POST /servers/{id}/action: the action's key in the body. */
  action?: string;
  /** Microversion range, inclusive; default all. */
  from?: number;
  to?: number;
  /** The success statuses Nova answers with. */
  status: readonly number[];
  schema: (microversion: number, body: unknown) => z.ZodType;
}

const always = (schema: z.ZodType) => (): z.ZodType => schema;
const S = "/v2.1/servers/:id";
/** The microversion where Nova moved an answer from 200/202 to 201/204. */
const KEYPAIR_STATUS_FROM = 2;

const SERVER_ACTIONS: AnswerRule[] = [
  ...["reboot", "os-stop", "os-start", "unrescue", "os-resetState", "trigger_crash_dump", "lock", "unlock", "changePassword"].map(
    (action): AnswerRule => ({ method: "POST", route: `${S}/action`, action, status: [202], schema: always(noBody) }),
  ),
  { method: "POST", route: `${S}/action`, action: "rebuild", status: [202], schema: servers.serverRebuildAnswer },
  { method: "POST", route: `${S}/action`, action: "rescue", status: [200], schema: always(misc.rescueAnswer) },
  { method: "POST", route: `${S}/action`, action: "os-getConsoleOutput", status: [200], schema: always(misc.consoleOutputAnswer) },
  ...["os-getVNCConsole", "os-getSerialConsole", "os-getSPICEConsole", "os-getRDPConsole"].map(
    (action): AnswerRule => ({ method: "POST", route: `${S}/action`, action, status: [200], schema: always(misc.legacyConsoleAnswer) }),
  ),
  ...["createBackup", "createImage"].map((action): AnswerRule => ({
    method: "POST",
    route: `${S}/action`,
    action,
    status: [202],
    schema: (mv) => (mv >= 45 ? misc.imageIdAnswer : noBody),
  })),
];

export const ANSWER_RULES: readonly AnswerRule[] = [
  // Version documents.
  { method: "GET", route: "/", status: [200], schema: always(versions.versionListAnswer) },
  { method: "GET", route: "/v2.1", status: [200], schema: always(versions.versionAnswer) },
  { method: "GET", route: "/v2.1/", status: [200], schema: always(versions.versionAnswer) },
  { method: "GET", route: "/v2", status: [200], schema: always(versions.versionAnswer) },
  { method: "GET", route: "/v2/", status: [200], schema: always(versions.versionAnswer) },

  // Servers.
  { method: "GET", route: "/v2.1/servers", status: [200], schema: always(servers.serverListAnswer) },
  { method: "GET", route: "/v2.1/servers/detail", status: [200], schema: servers.serverDetailListAnswer },
  { method: "POST", route: "/v2.1/servers", status: [202], schema: always(servers.serverCreateAnswer) },
  { method: "GET", route: S, status: [200], schema: servers.serverShowAnswer },
  { method: "PUT", route: S, status: [200], schema: servers.serverUpdateAnswer },
  { method: "DELETE", route: S, status: [204], schema: always(noBody) },
  ...SERVER_ACTIONS,
  { method: "POST", route: `${S}/remote-consoles`, from: 6, status: [200], schema: misc.remoteConsoleAnswer },
  { method: "GET", route: `${S}/os-instance-actions`, status: [200], schema: actions.instanceActionListAnswer },
  { method: "GET", route: `${S}/os-instance-actions/:requestId`, status: [200], schema: actions.instanceActionAnswer },
  { method: "GET", route: `${S}/os-interface`, status: [200], schema: attachments.interfaceListAnswer },
  { method: "POST", route: `${S}/os-interface`, status: [200], schema: attachments.interfaceAnswer },
  { method: "GET", route: `${S}/os-interface/:port_id`, status: [200], schema: attachments.interfaceAnswer },
  { method: "DELETE", route: `${S}/os-interface/:port_id`, status: [202], schema: always(noBody) },
  { method: "GET", route: `${S}/os-volume_attachments`, status: [200], schema: attachments.volumeAttachmentListAnswer },
  { method: "POST", route: `${S}/os-volume_attachments`, status: [200], schema: attachments.volumeAttachmentCreateAnswer },
  { method: "GET", route: `${S}/os-volume_attachments/:volume_id`, status: [200], schema: attachments.volumeAttachmentAnswer },
  { method: "PUT", route: `${S}/os-volume_attachments/:volume_id`, status: [202], schema: always(noBody) },
  { method: "DELETE", route: `${S}/os-volume_attachments/:volume_id`, status: [202], schema: always(noBody) },
  { method: "GET", route: `${S}/ips`, status: [200], schema: always(attachments.ipsAnswer) },
  { method: "GET", route: `${S}/ips/:network`, status: [200], schema: always(attachments.networkIpsAnswer) },
  { method: "GET", route: `${S}/os-server-password`, status: [200], schema: always(misc.passwordAnswer) },
  { method: "DELETE", route: `${S}/os-server-password`, status: [204], schema: always(noBody) },
  { method: "GET", route: `${S}/metadata`, status: [200], schema: always(misc.metadataAnswer) },
  { method: "POST", route: `${S}/metadata`, status: [200], schema: always(misc.metadataAnswer) },
  { method: "PUT", route: `${S}/metadata`, status: [200], schema: always(misc.metadataAnswer) },
  { method: "GET", route: `${S}/metadata/:key`, status: [200], schema: always(misc.metaItemAnswer) },
  { method: "PUT", route: `${S}/metadata/:key`, status: [200], schema: always(misc.metaItemAnswer) },
  { method: "DELETE", route: `${S}/metadata/:key`, status: [204], schema: always(noBody) },
  { method: "GET", route: `${S}/tags`, from: 26, status: [200], schema: always(misc.tagsAnswer) },
  { method: "PUT", route: `${S}/tags`, from: 26, status: [200], schema: always(misc.tagsAnswer) },
  { method: "DELETE", route: `${S}/tags`, from: 26, status: [204], schema: always(noBody) },
  { method: "GET", route: `${S}/tags/:tag`, from: 26, status: [204], schema: always(noBody) },
  { method: "PUT", route: `${S}/tags/:tag`, from: 26, status: [201, 204], schema: always(noBody) },
  { method: "DELETE", route: `${S}/tags/:tag`, from: 26, status: [204], schema: always(noBody) },

  // Flavors.
  { method: "GET", route: "/v2.1/flavors", status: [200], schema: flavors.flavorListAnswer },
  { method: "GET", route: "/v2.1/flavors/detail", status: [200], schema: flavors.flavorDetailListAnswer },
  { method: "POST", route: "/v2.1/flavors", status: [200], schema: flavors.flavorAnswer },
  { method: "GET", route: "/v2.1/flavors/:id", status: [200], schema: flavors.flavorAnswer },
  { method: "PUT", route: "/v2.1/flavors/:id", from: 55, status: [200], schema: flavors.flavorAnswer },
  { method: "DELETE", route: "/v2.1/flavors/:id", status: [202], schema: always(noBody) },
  { method: "GET", route: "/v2.1/flavors/:id/os-extra_specs", status: [200], schema: always(flavors.extraSpecsAnswer) },
  { method: "POST", route: "/v2.1/flavors/:id/os-extra_specs", status: [200], schema: always(flavors.extraSpecsEchoAnswer) },
  { method: "GET", route: "/v2.1/flavors/:id/os-extra_specs/:key", status: [200], schema: always(flavors.extraSpecAnswer) },
  { method: "PUT", route: "/v2.1/flavors/:id/os-extra_specs/:key", status: [200], schema: always(flavors.extraSpecEchoAnswer) },
  { method: "DELETE", route: "/v2.1/flavors/:id/os-extra_specs/:key", status: [200], schema: always(noBody) },

  // Key pairs: 2.2 made the create answer 201 and the delete answer 204.
  { method: "GET", route: "/v2.1/os-keypairs", status: [200], schema: keypairs.keypairListAnswer },
  { method: "POST", route: "/v2.1/os-keypairs", to: KEYPAIR_STATUS_FROM - 1, status: [200], schema: keypairs.keypairCreateAnswer },
  { method: "POST", route: "/v2.1/os-keypairs", from: KEYPAIR_STATUS_FROM, status: [201], schema: keypairs.keypairCreateAnswer },
  { method: "GET", route: "/v2.1/os-keypairs/:name", status: [200], schema: keypairs.keypairShowAnswer },
  { method: "DELETE", route: "/v2.1/os-keypairs/:name", to: KEYPAIR_STATUS_FROM - 1, status: [202], schema: always(noBody) },
  { method: "DELETE", route: "/v2.1/os-keypairs/:name", from: KEYPAIR_STATUS_FROM, status: [204], schema: always(noBody) },

  // Hypervisors: 2.88 removes statistics and uptime (404 from there).
  { method: "GET", route: "/v2.1/os-hypervisors", status: [200], schema: hosts.hypervisorListAnswer },
  { method: "GET", route: "/v2.1/os-hypervisors/detail", status: [200], schema: hosts.hypervisorDetailListAnswer },
  { method: "GET", route: "/v2.1/os-hypervisors/statistics", to: 87, status: [200], schema: always(hosts.hypervisorStatisticsAnswer) },
  { method: "GET", route: "/v2.1/os-hypervisors/:id", status: [200], schema: hosts.hypervisorAnswer },
  { method: "GET", route: "/v2.1/os-hypervisors/:id/uptime", to: 87, status: [200], schema: hosts.hypervisorUptimeAnswer },
  { method: "GET", route: "/v2.1/os-aggregates", status: [200], schema: hosts.aggregateListAnswer },

  // External events: 207 when some events failed.
  { method: "POST", route: "/v2.1/os-server-external-events", status: [200, 207], schema: misc.externalEventsAnswer },

  // Server groups.
  { method: "GET", route: "/v2.1/os-server-groups", status: [200], schema: hosts.serverGroupListAnswer },
  { method: "POST", route: "/v2.1/os-server-groups", status: [200], schema: hosts.serverGroupAnswer },
  { method: "GET", route: "/v2.1/os-server-groups/:id", status: [200], schema: hosts.serverGroupAnswer },
  { method: "DELETE", route: "/v2.1/os-server-groups/:id", status: [204], schema: always(noBody) },

  // Availability zones.
  { method: "GET", route: "/v2.1/os-availability-zone", status: [200], schema: always(hosts.zoneListAnswer) },
  { method: "GET", route: "/v2.1/os-availability-zone/detail", status: [200], schema: always(hosts.zoneDetailAnswer) },

  // Quotas and limits.
  { method: "GET", route: "/v2.1/limits", status: [200], schema: quotas.limitsAnswer },
  { method: "GET", route: "/v2.1/os-quota-sets/:project_id", status: [200], schema: quotas.quotaSetAnswer },
  { method: "GET", route: "/v2.1/os-quota-sets/:project_id/defaults", status: [200], schema: quotas.quotaSetAnswer },
  { method: "GET", route: "/v2.1/os-quota-sets/:project_id/detail", status: [200], schema: quotas.quotaSetDetailAnswer },
  { method: "PUT", route: "/v2.1/os-quota-sets/:project_id", status: [200], schema: quotas.quotaSetUpdateAnswer },
  { method: "DELETE", route: "/v2.1/os-quota-sets/:project_id", status: [202], schema: always(noBody) },

  // Nova's image proxy (404 from 2.36).
  { method: "GET", route: "/v2.1/images", to: 35, status: [200], schema: always(misc.imageListAnswer) },
  { method: "GET", route: "/v2.1/images/detail", to: 35, status: [200], schema: always(misc.imageDetailListAnswer) },
  { method: "GET", route: "/v2.1/images/:id", to: 35, status: [200], schema: always(misc.imageAnswer) },
  { method: "DELETE", route: "/v2.1/images/:id", to: 35, status: [204], schema: always(noBody) },
];

/**
 * Our own compute routes that Nova does not have: answers there are not
 * checked. Each says why it exists.
 */
export const OWN_COMPUTE_ROUTES: Readonly<Record<string, string>> = {
  "GET /v2.1/projects": "Keystone's project lookup, for clients given the compute URL only (project-lookup-routes.ts)",
  "GET /v2.1/projects/:id": "Keystone's project lookup, for clients given the compute URL only (project-lookup-routes.ts)",
  "POST /v2.1/images": "Glance's image registration, for clients given the compute URL only (image-routes.ts)",
  "PUT /v2.1/images/:id/file": "Glance's image upload, for clients given the compute URL only (image-routes.ts)",
};
