// The config drive as Ironic's dict form (API ≥ 1.56): `{meta_data, user_data,
// vendor_data, network_data}`. Ironic builds the ISO from it. Everything the
// user supplied is checked and bounded here (S4) and copied into freshly built
// plain objects; the JSON text is only ever produced by a serializer
// (JSON.stringify in the HTTP layer), never assembled by hand.
//
// Decisions, and where we differ from Nova on purpose:
// - Injected files ("personality") are REFUSED. Ironic's dict config drive only
//   writes meta_data.json, user_data, vendor_data.json and network_data.json; it
//   has no way to carry `openstack/content/NNNN`. Listing `files` in meta_data
//   would point cloud-init at content that is not there, and smuggling the data
//   through vendor_data/user_data would change its meaning. The path and content
//   validators are still exported for the API layer (which must refuse or accept
//   files before the request gets this far).
// - `hostname` is one RFC 1123 label (see hostname.ts); no dhcp_domain is added.
// - `public_keys` (which cloud-init writes to authorized_keys) holds only ssh
//   keys; x509 keys are listed in `keys` only. A key line with an options prefix
//   (`command="…" ssh-rsa …`) is refused: the first field must be a known type.
// - network_data: link ids are `iface<N>` by position (VIF links first, bond
//   member links after them), as Ironic itself renames them; every link has a
//   numeric `mtu` (1500 when unknown) because Ironic treats a null or missing
//   MTU as invalid network data; with no VIFs we return empty lists instead of
//   crashing; every address, CIDR and MAC is validated.

import { randomBytes } from "node:crypto";
import type { ConfigDriveDict } from "../../ironic/nodes.js";
import { InvalidInputError } from "../errors.js";
import type { InstanceSpec } from "../instance-spec.js";
import { sanitizeHostname } from "./hostname.js";
import { INJECTED_FILES_UNSUPPORTED, validateMetadata, validatePublicKeys, validateVendorData } from "./input.js";
import { ADMIN_PASS_CHARS, RANDOM_SEED_BYTES, TEXT_FIELD_CHARS } from "./limits.js";
import { buildNetworkData, type ConfigDriveNetwork } from "./network-data.js";
import { checkText, requireArray } from "./text.js";
import { validateUserData } from "./user-data.js";

export { validateMetadata, validateX509Certificate } from "./input.js";
export type { ConfigDriveNetwork } from "./network-data.js";

function nonNegativeInteger(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`${what} must be a non-negative integer`);
  }
  return value;
}

/**
 * The dict config drive for `spec`, with network_data for `network`. Throws
 * InvalidInputError for any unusable input; messages never echo user_data,
 * vendor_data or the admin password.
 */
export function buildConfigDrive(
  spec: InstanceSpec,
  network: ConfigDriveNetwork,
  options: { randomSeed?: () => string } = {},
): ConfigDriveDict {
  if (requireArray(spec.files, "injected files").length > 0) throw new InvalidInputError(INJECTED_FILES_UNSUPPORTED);

  const uuid = checkText(spec.uuid, "the instance uuid", { maxChars: TEXT_FIELD_CHARS, nonEmpty: true, noControl: true });
  const name = checkText(spec.name, "the instance name", { maxChars: TEXT_FIELD_CHARS });
  const hostname = sanitizeHostname(spec.hostname, `server-${uuid.slice(0, 8)}`);
  const meta = validateMetadata(spec.metadata);
  const { publicKeys, keys } = validatePublicKeys(spec.publicKeys);

  const metaData: Record<string, unknown> = { uuid, meta };
  if (spec.adminPass !== undefined) {
    // Never echoed: the message names the field only.
    metaData["admin_pass"] = checkText(spec.adminPass, "the admin password", { maxChars: ADMIN_PASS_CHARS, nonEmpty: true });
  }
  Object.assign(metaData, {
    public_keys: publicKeys,
    keys,
    hostname,
    name,
    launch_index: nonNegativeInteger(spec.launchIndex, "launch_index"),
    availability_zone: checkText(spec.availabilityZone, "the availability zone", { maxChars: TEXT_FIELD_CHARS, noControl: true }),
    random_seed: options.randomSeed?.() ?? randomBytes(RANDOM_SEED_BYTES).toString("base64"),
    project_id: checkText(spec.projectId, "the project id", { maxChars: TEXT_FIELD_CHARS, noControl: true }),
    devices: [],
  });

  const drive: ConfigDriveDict = { meta_data: metaData, network_data: { ...buildNetworkData(network) } };
  if (spec.userData !== undefined) drive.user_data = validateUserData(spec.userData);
  if (spec.vendorData !== undefined) drive.vendor_data = validateVendorData(spec.vendorData);
  return drive;
}
