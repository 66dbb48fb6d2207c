// Builds the driver's InstanceSpec from the service's records.
import { InvalidInputError } from "../driver/errors.js";
import { sanitizeHostname } from "../driver/config-drive/hostname.js";
import type { BlockDeviceSpec, InstanceSpec, VifSpec } from "../driver/instance-spec.js";
import type { FlavorRecord, ImageRecord, KeypairRecord, ServerRecord } from "../store/records.js";

/** user_data as stored (base64) → the text the config drive carries. */
export function decodeUserData(userData: string | null): string | undefined {
  if (userData === null) return undefined;
  const bytes = Buffer.from(userData, "base64");
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  return text;
}

export function instanceSpecFor(
  server: ServerRecord,
  flavor: FlavorRecord,
  image: ImageRecord | null,
  keypair: KeypairRecord | undefined,
  adminPass?: string,
  vifs: VifSpec[] = [],
  volumes: BlockDeviceSpec[] = [],
): InstanceSpec {
  if (image === null && !volumes.some((volume) => volume.bootIndex === 0)) throw new InvalidInputError("a server without an image must boot from a volume");
  const userData = decodeUserData(server.userData);
  return {
    uuid: server.id,
    name: server.name,
    hostname: sanitizeHostname(server.hostname, `server-${server.id.slice(0, 8)}`),
    projectId: server.projectId,
    userId: server.userId,
    flavor: {
      name: flavor.name,
      vcpus: flavor.vcpus,
      memoryMb: flavor.ramMb,
      rootGb: flavor.diskGb,
      swapMb: flavor.swapMb,
      ephemeralGb: flavor.ephemeralGb,
      extraSpecs: { ...flavor.extraSpecs },
    },
    image: image === null ? null : {
      id: image.id,
      source: image.url,
      ...(image.checksum === null ? {} : { checksum: image.checksum }),
      ...(image.osHashAlgo === null || image.osHashValue === null ? {} : { osHashAlgo: image.osHashAlgo, osHashValue: image.osHashValue }),
      diskFormat: image.diskFormat,
      properties: image.properties,
    },
    metadata: server.metadata,
    ...(userData === undefined ? {} : { userData }),
    publicKeys: keypair === undefined ? [] : [{ name: keypair.name, type: keypair.type, data: keypair.publicKey }],
    ...(adminPass === undefined ? {} : { adminPass }),
    launchIndex: server.launchIndex,
    availabilityZone: server.availabilityZone,
    vifs,
    volumes,
    files: [],
  };
}
