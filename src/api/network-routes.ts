// The network API, Neutron v2.0-shaped, under /network (the catalog's
// `network` service): version discovery, an empty extension list, and
// networks, subnets and ports (the /network version document is discovery.ts') — list (Neutron's filters, fields, paging),
// show, create, update (PUT), delete. Errors take Neutron's shape (errors.ts
// picks it by the URL). No compute microversions here.
import type { FastifyRequest } from "fastify";
import type { FastifyPluginCallbackZod } from "fastify-type-provider-zod";
import type { ComputeApi } from "../compute/contract.js";
import { BadRequestError } from "../compute/contract.js";
import type { FixedIpAsk } from "../compute/network-contract.js";
import { neutronList, type NeutronQuery } from "./network-query.js";
import {
  networkCreateBody,
  networkIdParams,
  networkUpdateBody,
  neutronQuery,
  portCreateBody,
  portUpdateBody,
  projectOf,
  subnetCreateBody,
  subnetUpdateBody,
} from "./network-schemas.js";
import { networkDoc, portDoc, subnetDoc, type Doc } from "./network-views.js";
import { baseUrl, callerOf, unversioned } from "./request-context.js";

const READ = { access: "reader" } as const;
const WRITE = { access: "member" } as const;
const PUBLIC = { access: "public" } as const;

const RESOURCES = ["networks", "subnets", "ports"] as const;

/** A body's project_id/tenant_id, or Neutron's 400 when the two disagree. */
function askedProject(body: { project_id?: string | undefined; tenant_id?: string | undefined }): string | undefined {
  const project = projectOf(body);
  if (typeof project === "object") throw new BadRequestError("project_id and tenant_id do not match", { neutronType: "HTTPBadRequest" });
  return project;
}

/** Only the defined values: the compute requests' optional fields take no `undefined`. */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function listAnswer(collection: string, docs: readonly Doc[], query: NeutronQuery, self: string): Record<string, unknown> {
  const page = neutronList(docs, query);
  if (page.nextMarker === undefined) return { [collection]: page.items };
  const next = new URLSearchParams();
  for (const [key, raw] of Object.entries(query)) {
    if (key === "marker" || raw === undefined) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) next.append(key, value);
  }
  next.set("marker", page.nextMarker);
  return { [collection]: page.items, [`${collection}_links`]: [{ rel: "next", href: `${self}?${next.toString()}` }] };
}

function fixedIpAsks(entries: ReadonlyArray<{ subnet_id?: string | undefined; ip_address?: string | undefined }> | undefined): FixedIpAsk[] | undefined {
  return entries?.map((entry) => defined({ subnetId: entry.subnet_id, ipAddress: entry.ip_address }));
}

export function networkRoutes(compute: ComputeApi): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    unversioned(app);
    const api = compute.network;

    for (const url of ["/v2.0", "/v2.0/"]) {
      app.get(url, { config: PUBLIC }, (request) => ({
        resources: RESOURCES.map((collection) => ({
          name: collection.slice(0, -1),
          collection,
          links: [{ rel: "self", href: `${baseUrl(request)}/network/v2.0/${collection}` }],
        })),
      }));
    }
    // No extensions: clients that look one up get Neutron's 404 and do without it.
    app.get("/v2.0/extensions", { config: READ }, () => ({ extensions: [] }));

    // OSC's `quota show` asks the network service too, once the catalog names it.
    app.get("/v2.0/quotas/:id", { config: READ, schema: { params: networkIdParams } }, async (request) => ({
      quota: await api.quota(callerOf(request), request.params.id),
    }));

    const self = (request: FastifyRequest, collection: string): string => `${baseUrl(request)}/network/v2.0/${collection}`;

    // ---- networks ----
    app.get("/v2.0/networks", { config: READ, schema: { querystring: neutronQuery } }, async (request) => {
      const docs = (await api.networks.list(callerOf(request))).map(networkDoc);
      return listAnswer("networks", docs, request.query, self(request, "networks"));
    });
    app.get("/v2.0/networks/:id", { config: READ, schema: { params: networkIdParams } }, async (request) => ({
      network: networkDoc(await api.networks.get(callerOf(request), request.params.id)),
    }));
    app.post("/v2.0/networks", { config: WRITE, schema: { body: networkCreateBody } }, async (request, reply) => {
      const body = request.body.network;
      const network = await api.networks.create(
        callerOf(request),
        defined({
          name: body.name,
          description: body.description,
          adminStateUp: body.admin_state_up,
          shared: body.shared,
          mtu: body.mtu,
          projectId: askedProject(body),
          provider:
            body["provider:network_type"] === undefined && body["provider:physical_network"] === undefined && body["provider:segmentation_id"] === undefined
              ? undefined
              : defined({
                  networkType: body["provider:network_type"],
                  physicalNetwork: body["provider:physical_network"],
                  segmentationId: body["provider:segmentation_id"],
                }),
        }),
      );
      return reply.code(201).send({ network: networkDoc(network) });
    });
    app.put("/v2.0/networks/:id", { config: WRITE, schema: { params: networkIdParams, body: networkUpdateBody } }, async (request) => {
      const body = request.body.network;
      const update = defined({ name: body.name, description: body.description, adminStateUp: body.admin_state_up, shared: body.shared, mtu: body.mtu });
      return { network: networkDoc(await api.networks.update(callerOf(request), request.params.id, update)) };
    });
    app.delete("/v2.0/networks/:id", { config: WRITE, schema: { params: networkIdParams } }, async (request, reply) => {
      await api.networks.delete(callerOf(request), request.params.id);
      return reply.code(204).send();
    });

    // ---- subnets ----
    app.get("/v2.0/subnets", { config: READ, schema: { querystring: neutronQuery } }, async (request) => {
      const docs = (await api.subnets.list(callerOf(request))).map(subnetDoc);
      return listAnswer("subnets", docs, request.query, self(request, "subnets"));
    });
    app.get("/v2.0/subnets/:id", { config: READ, schema: { params: networkIdParams } }, async (request) => ({
      subnet: subnetDoc(await api.subnets.get(callerOf(request), request.params.id)),
    }));
    app.post("/v2.0/subnets", { config: WRITE, schema: { body: subnetCreateBody } }, async (request, reply) => {
      const body = request.body.subnet;
      const subnet = await api.subnets.create(callerOf(request), {
        networkId: body.network_id,
        ipVersion: body.ip_version ?? 4,
        cidr: body.cidr,
        ...defined({
          name: body.name,
          description: body.description,
          projectId: askedProject(body),
          gatewayIp: body.gateway_ip,
          allocationPools: body.allocation_pools,
          dnsNameservers: body.dns_nameservers,
          hostRoutes: body.host_routes,
          enableDhcp: body.enable_dhcp,
          ipv6RaMode: body.ipv6_ra_mode,
          ipv6AddressMode: body.ipv6_address_mode,
        }),
        // null (no gateway) is a value here, not an absence.
        ...(body.gateway_ip === null ? { gatewayIp: null } : {}),
      });
      return reply.code(201).send({ subnet: subnetDoc(subnet) });
    });
    app.put("/v2.0/subnets/:id", { config: WRITE, schema: { params: networkIdParams, body: subnetUpdateBody } }, async (request) => {
      const body = request.body.subnet;
      const update = {
        ...defined({
          name: body.name,
          description: body.description,
          gatewayIp: body.gateway_ip,
          allocationPools: body.allocation_pools,
          dnsNameservers: body.dns_nameservers,
          hostRoutes: body.host_routes,
          enableDhcp: body.enable_dhcp,
        }),
        ...(body.gateway_ip === null ? { gatewayIp: null } : {}),
      };
      return { subnet: subnetDoc(await api.subnets.update(callerOf(request), request.params.id, update)) };
    });
    app.delete("/v2.0/subnets/:id", { config: WRITE, schema: { params: networkIdParams } }, async (request, reply) => {
      await api.subnets.delete(callerOf(request), request.params.id);
      return reply.code(204).send();
    });

    // ---- ports ----
    app.get("/v2.0/ports", { config: READ, schema: { querystring: neutronQuery } }, async (request) => {
      const docs = (await api.ports.list(callerOf(request))).map(portDoc);
      return listAnswer("ports", docs, request.query, self(request, "ports"));
    });
    app.get("/v2.0/ports/:id", { config: READ, schema: { params: networkIdParams } }, async (request) => ({
      port: portDoc(await api.ports.get(callerOf(request), request.params.id)),
    }));
    app.post("/v2.0/ports", { config: WRITE, schema: { body: portCreateBody } }, async (request, reply) => {
      const body = request.body.port;
      const fixedIps = fixedIpAsks(body.fixed_ips);
      const port = await api.ports.create(callerOf(request), {
        networkId: body.network_id,
        ...defined({
          name: body.name,
          description: body.description,
          projectId: askedProject(body),
          macAddress: body.mac_address,
          fixedIps,
          deviceId: body.device_id,
          deviceOwner: body.device_owner,
          bindingHostId: body["binding:host_id"],
          adminStateUp: body.admin_state_up,
        }),
      });
      return reply.code(201).send({ port: portDoc(port) });
    });
    app.put("/v2.0/ports/:id", { config: WRITE, schema: { params: networkIdParams, body: portUpdateBody } }, async (request) => {
      const body = request.body.port;
      const update = defined({
        name: body.name,
        description: body.description,
        macAddress: body.mac_address,
        deviceId: body.device_id,
        deviceOwner: body.device_owner,
        bindingHostId: body["binding:host_id"],
        adminStateUp: body.admin_state_up,
      });
      return { port: portDoc(await api.ports.update(callerOf(request), request.params.id, update)) };
    });
    app.delete("/v2.0/ports/:id", { config: WRITE, schema: { params: networkIdParams } }, async (request, reply) => {
      await api.ports.delete(callerOf(request), request.params.id);
      return reply.code(204).send();
    });
    done();
  };
}
