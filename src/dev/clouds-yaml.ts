// A clouds.yaml for the REAL OpenStack clients (Debian's python3-openstackclient
// 6.0.0 / python3-openstacksdk 0.101.0) against ironic-compute, in the shape that
// docs/openstack-compat.md calls "B": separate compute and image mounts.
//
// - auth_type http_basic (keystoneauth's own plugin: no Keystone needed).
// - auth.endpoint is the compute URL *including* /v2.1: novaclient (every
//   `server …` command and `hypervisor list`) uses only that and ignores
//   compute_endpoint_override.
// - compute_endpoint_override for openstacksdk, image_endpoint_override for its
//   Image API client (Glance v2 at /image).
// - compute_api_version "2.latest": novaclient sends its own maximum (2.92) and
//   the SDK negotiates; `--nic none` needs at least 2.37.
// Used by `npm start` (.local/clouds.yaml) and by the end-to-end CLI tests.
import { stringify } from "yaml";

export const CLOUD_NAME = "ironic-compute";

export interface CloudsYamlOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8774 (no path). */
  apiUrl: string;
  username: string;
  password: string;
  cloudName?: string;
  /** Default "2.latest". */
  computeApiVersion?: string;
}

export function cloudsYaml(options: CloudsYamlOptions): string {
  const base = options.apiUrl.replace(/\/+$/, "");
  const compute = `${base}/v2.1`;
  const cloud = {
    auth_type: "http_basic",
    auth: { username: options.username, password: options.password, endpoint: compute },
    compute_endpoint_override: compute,
    image_endpoint_override: `${base}/image`,
    compute_api_version: options.computeApiVersion ?? "2.latest",
  };
  return stringify({ clouds: { [options.cloudName ?? CLOUD_NAME]: cloud } });
}
