// /v2.1/os-availability-zone and /v2.1/os-aggregates: what `openstack
// availability zone list` and `openstack hypervisor show` read. Every server is in
// the one zone "nova" (OS-EXT-AZ:availability_zone); there are no aggregates.
import { COMPUTE_HOST, type ComputeApi } from "../compute/contract.js";
import type { ApiInstance } from "./request-context.js";
import { callerOf } from "./request-context.js";

const ZONE = "nova";

export function registerZoneRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.get("/os-availability-zone", { config: { access: "reader" } }, () => ({
    availabilityZoneInfo: [{ zoneName: ZONE, zoneState: { available: true }, hosts: null }],
  }));

  app.get("/os-availability-zone/detail", { config: { access: "admin" } }, async (request) => {
    const nodes = await compute.nodes.list(callerOf(request));
    const hosts = nodes.length === 0 ? null : { [COMPUTE_HOST]: { "nova-compute": { available: true, active: true, updated_at: null } } };
    return { availabilityZoneInfo: [{ zoneName: ZONE, zoneState: { available: true }, hosts }] };
  });

  app.get("/os-aggregates", { config: { access: "admin" } }, () => ({ aggregates: [] }));
}
