// What the driver needs to know about an instance to put it on a node: the
// flavor, the image, networks, volumes and the user's content for the config
// drive. The compute layer builds this from its records; the driver never reads
// a database.

/** A subnet as config drive network_data needs it. */
export interface SubnetSpec {
  /** e.g. "192.0.2.0/24" or "2001:db8::/64" */
  cidr: string;
  ipVersion: 4 | 6;
  gatewayIp?: string;
  dnsNameservers: string[];
  hostRoutes: Array<{ destination: string; nexthop: string }>;
  enableDhcp: boolean;
  ipv6AddressMode?: "slaac" | "dhcpv6-stateful" | "dhcpv6-stateless";
}

/** A virtual interface (a Neutron-style port) to attach to the node. */
export interface VifSpec {
  /** The VIF id Ironic records (`POST /v1/nodes/{id}/vifs {"id"}`). */
  id: string;
  /** MAC the network expects; the node's physical port MAC wins in network_data. */
  macAddress?: string;
  networkId: string;
  networkName?: string;
  mtu?: number;
  /**
   * The network's VLAN (1–4094) when the machine must tag it itself (no switch
   * port configured for it): network_data gets a `vlan` link on top of the
   * physical one, and the addresses go on it.
   */
  vlanId?: number;
  fixedIps: Array<{ ipAddress: string; subnet: SubnetSpec }>;
}

/** A volume to boot from or attach (boot from volume). */
export interface BlockDeviceSpec {
  volumeId: string;
  /** 0 = the boot volume; null = attached, not bootable. */
  bootIndex: number | null;
  /** Ironic volume_type, e.g. "iscsi", "fibre_channel". */
  volumeType: string;
  /** Connection properties (target_iqn, target_portal, target_lun, auth …). */
  properties: Record<string, unknown>;
}

export interface FlavorSpec {
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  swapMb: number;
  ephemeralGb: number;
  ephemeralFormat?: string;
  /** Nova-style extra specs: `capabilities:boot_mode=uefi`, `trait:CUSTOM_X=required` … */
  extraSpecs: Record<string, string>;
}

export interface ImageSpec {
  id: string;
  /** Where Ironic fetches the image: an http(s) URL (or a Glance id with Glance). */
  source: string;
  checksum?: string;
  osHashAlgo?: string;
  osHashValue?: string;
  diskFormat?: string;
  kernel?: string;
  ramdisk?: string;
  /** Image properties; `traits_required` (comma separated) adds required traits. */
  properties: Record<string, string>;
}

export interface PublicKeySpec {
  name: string;
  type: "ssh" | "x509";
  data: string;
}

export interface InjectedFileSpec {
  path: string;
  /** Base64-encoded content. */
  contents: string;
}

export interface InstanceSpec {
  uuid: string;
  /** Display name chosen by the user. */
  name: string;
  /** Requested host name; sanitized before use (S4). */
  hostname: string;
  projectId: string;
  userId: string;
  flavor: FlavorSpec;
  /** `null` when the instance boots from a volume. */
  image: ImageSpec | null;
  metadata: Record<string, string>;
  userData?: string;
  vendorData?: Record<string, unknown>;
  publicKeys: PublicKeySpec[];
  adminPass?: string;
  launchIndex: number;
  availabilityZone: string;
  vifs: VifSpec[];
  volumes: BlockDeviceSpec[];
  files: InjectedFileSpec[];
}
