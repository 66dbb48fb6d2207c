// A clouds.yaml for the REAL OpenStack clients (Debian's python3-openstackclient
// 6.0.0 / python3-openstacksdk 0.101.0) against ironic-compute, with two clouds
// for the same user:
//
// "ironic-compute" — Keystone v3 password auth against the service's own
// identity API (/identity/v3), as a real OpenStack cloud is configured:
// - auth.auth_url is the v3 URL; keystoneauth also discovers from /identity.
// - no endpoint overrides: compute (/v2.1), image (/image) and identity come
//   from the token's catalog (public interface, region RegionOne).
// - region_name RegionOne: every catalog endpoint is in RegionOne, so the
//   clients would match without it; naming it keeps them from picking up a
//   region from anywhere else.
// - identity_api_version 3 so that nothing tries the v2.0 identity API.
//
// "ironic-compute-basic" — the docs/openstack-compat.md shape "B" with
// keystoneauth's own http_basic plugin (no token, no catalog):
// - auth.endpoint is the compute URL *including* /v2.1: novaclient (every
//   `server …` command and `hypervisor list`) uses only that and ignores
//   compute_endpoint_override.
// - compute_endpoint_override for openstacksdk, image_endpoint_override for its
//   Image API client (Glance v2 at /image).
//
// Both: compute_api_version "2.latest": novaclient sends its own maximum (2.92)
// and the SDK negotiates; `--nic none` needs at least 2.37.
// Used by `npm start` (.local/clouds.yaml) and by the end-to-end CLI tests.
import { stringify } from "yaml";

export const CLOUD_NAME = "ironic-compute";
export const BASIC_CLOUD_NAME = `${CLOUD_NAME}-basic`;
export const REGION_NAME = "RegionOne";
/** The only domain the identity API has. */
const DOMAIN_NAME = "Default";

export interface CloudsYamlOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8774 (no path). */
  apiUrl: string;
  username: string;
  password: string;
  /** The user's project: the scope of the password cloud's token. */
  projectName: string;
  /** The password cloud's name; the http_basic one gets `-basic` appended. Default "ironic-compute". */
  cloudName?: string;
  /** Default "2.latest". */
  computeApiVersion?: string;
}

export function cloudsYaml(options: CloudsYamlOptions): string {
  const base = options.apiUrl.replace(/\/+$/, "");
  const compute = `${base}/v2.1`;
  const computeApiVersion = options.computeApiVersion ?? "2.latest";
  const password = {
    auth_type: "password",
    auth: {
      auth_url: `${base}/identity/v3`,
      username: options.username,
      password: options.password,
      project_name: options.projectName,
      user_domain_name: DOMAIN_NAME,
      project_domain_name: DOMAIN_NAME,
    },
    region_name: REGION_NAME,
    identity_api_version: 3,
    compute_api_version: computeApiVersion,
  };
  const basic = {
    auth_type: "http_basic",
    auth: { username: options.username, password: options.password, endpoint: compute },
    compute_endpoint_override: compute,
    image_endpoint_override: `${base}/image`,
    compute_api_version: computeApiVersion,
  };
  const name = options.cloudName ?? CLOUD_NAME;
  return stringify({ clouds: { [name]: password, [`${name}-basic`]: basic } });
}
