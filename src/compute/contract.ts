// What the compute layer offers to the API and the CLI's `serve`. The HTTP layer
// authenticates, validates shapes and maps errors; every rule about who may see
// or do what, and every state check, lives behind this contract.

import type {
  ActionEventRecord,
  ActionRecord,
  AdminAuditRecord,
  FlavorRecord,
  ImageRecord,
  KeypairRecord,
  ProjectRecord,
  Role,
  ServerGroupPolicy,
  ServerRecord,
  UserRecord,
  VolumeRecord,
  VolumeTarget,
} from "../store/records.js";
import type { AuditFilter, ServerListFields, ServerSort, TagFilter } from "../store/store.js";
import type { InterfaceAttachment, InterfaceRequest, ServerAddress } from "./server-networks.js";
import type { NetworkApi } from "./network-contract.js";
import type { ReadinessReport } from "./readiness.js";
import type { ConsoleGrant, ConsoleLimits } from "./console-tokens.js";
import type { LeftAloneReason } from "./reconciler.js";

/** The authenticated caller of one request. */
export interface Caller {
  userId: string;
  userName: string;
  projectId: string;
  role: Role;
  /** `req-<uuid>`: echoed as x-openstack-request-id and recorded in actions. */
  requestId: string;
  /** Set when the caller came with a token an application credential issued. */
  applicationCredential?: { id: string; unrestricted: boolean };
}

// ---- typed errors (S2); the API maps each to Nova's error shape -----------------

export abstract class ComputeError extends Error {
  abstract readonly kind: string;
  /** What Neutron calls this error (its body's `NeutronError.type`), when the network API raises it. */
  readonly neutronType: string | undefined;
  constructor(message: string, options?: { neutronType?: string }) {
    super(message);
    this.name = new.target.name;
    this.neutronType = options?.neutronType;
  }
}
/** 404 — also for records of other projects (no existence oracle, S3). */
export class NotFoundError extends ComputeError {
  readonly kind = "not-found";
}
/** 400 — the request is invalid. */
/** The one compute host this service is to Nova clients (OS-EXT-SRV-ATTR:host, os-services, the `host` filter). */
export const COMPUTE_HOST = "ironic-compute";

export class BadRequestError extends ComputeError {
  readonly kind = "bad-request";
}
/** 401 — the credentials or the token do not authenticate (or not for the scope asked). */
export class UnauthorizedError extends ComputeError {
  readonly kind = "unauthorized";
}
/** 401 — the credentials are right but the scope asked for is not the user's (not a failed login). */
export class ScopeRefusedError extends UnauthorizedError {}
/** 403 — authenticated, but the role does not allow this. */
export class ForbiddenError extends ComputeError {
  readonly kind = "forbidden";
}
/** 409 — the server is busy or in the wrong state; a duplicate name. */
export class ConflictError extends ComputeError {
  readonly kind = "conflict";
}
/** 403 in Nova's shape: over quota. */
export class QuotaExceededError extends ComputeError {
  readonly kind = "quota";
}
/** 503 with Retry-After: bounded work (password checks, key generation) is at its queue limit. */
export class ServiceBusyError extends ComputeError {
  readonly kind = "busy";
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

// ---- requests ------------------------------------------------------------------

export type NetworkRequest = "none" | "auto" | Array<{ uuid?: string; fixedIp?: string; port?: string }>;

export interface CreateServerRequest {
  name: string;
  flavorRef: string;
  /** null/absent: boot from volume (not supported without a volume service → 400). */
  imageRef: string | null;
  keyName?: string;
  /** Base64, as Nova takes it; at most 65,535 bytes once decoded. */
  userData?: string;
  metadata?: Record<string, string>;
  networks: NetworkRequest;
  availabilityZone?: string;
  adminPass?: string;
  hostname?: string;
  /** Nova's description (≤ 255 characters). */
  description?: string;
  /** The server group to join (scheduler hint `group`). */
  groupId?: string;
  /** Registered volumes (block_device_mapping_v2, source and destination `volume`): boot index 0 boots the server. */
  volumes?: Array<{ volumeId: string; bootIndex: number | null }>;
  /** Nova's multi-create: at least min, at most max servers (both default 1; max defaults to min). */
  minCount?: number;
  maxCount?: number;
  /** Checked addresses (the API checks the format). */
  accessIPv4?: string;
  accessIPv6?: string;
  /** OS-DCF:diskConfig. */
  diskConfig?: "AUTO" | "MANUAL";
  /** Security group names asked for (without a network service only "default" exists). */
  securityGroups?: string[];
}

/**
 * What a create answers: the request's first server (Nova answers with it; its
 * reservationId is shared by all the request's servers), with the admin
 * password when the answer is to show it (enableInstancePassword).
 */
export type CreatedServer = ServerView & { adminPass?: string };

/** Key pair create options: Nova's `type` (2.2; default ssh) and `user_id` (2.10, admins). */
export interface KeypairOptions {
  type?: "ssh" | "x509";
  userId?: string;
}

export type ServerAction =
  | { type: "reboot"; hard: boolean }
  | { type: "stop" }
  | { type: "start" }
  | {
      type: "rebuild";
      imageRef: string;
      name?: string;
      metadata?: Record<string, string>;
      preserveEphemeral?: boolean;
      /** Base64 as on create (Nova ≥ 2.57): replaces the user data; null removes it; absent keeps it. */
      userData?: string | null;
      /** The new admin password (else one is generated); reaches the machine in the config drive. */
      adminPass?: string;
      diskConfig?: "AUTO" | "MANUAL";
      accessIPv4?: string;
      accessIPv6?: string;
      /** Nova ≥ 2.54: a keypair of the caller becomes the server's key; null removes it; absent keeps it. */
      keyName?: string | null;
    }
  | { type: "rescue"; adminPass?: string }
  | { type: "unrescue" };

/** PUT /servers/{id}: what is given changes; description null clears it. */
export interface ServerUpdate {
  name?: string;
  description?: string | null;
  hostname?: string;
  /** Checked addresses (the API checks the format). */
  accessIPv4?: string;
  accessIPv6?: string;
  diskConfig?: "AUTO" | "MANUAL";
}

export interface ServerListFilter {
  /** Nova's name filter: a regular expression found anywhere in the name (compute/search-pattern.ts). */
  name?: string;
  imageId?: string;
  flavorId?: string;
  /** Admin only, ignored for others as Nova: the host, exactly (COMPUTE_HOST is the one host). */
  host?: string;
  /** Admin only, ignored for others as Nova: a regular expression on the node UUID (Nova's `node`). */
  node?: string;
  /** Canonical ISO instants; either one lists deleted servers too, as Nova. */
  changedSince?: string;
  changedBefore?: string;
  /** Servers with a fixed IP containing one of these (Nova's ip / ip6 through Neutron). */
  ipContains?: readonly string[];
  /** The order (store ServerSort); Nova's (created_at, id) follow. Default: oldest first. */
  sort?: readonly ServerSort[];
  /** A further test on each server, applied before paging (the API's status filter). */
  keep?: (server: ServerListFields) => boolean;
  /** Nova's tags, tags-any, not-tags, not-tags-any (2.26). */
  tags?: TagFilter;
  /** 2.73. */
  locked?: boolean;
  /** Admin only: all projects. */
  allTenants?: boolean;
  /** With allTenants (admin): one project's servers (Nova's project_id / tenant_id). */
  projectId?: string;
  limit?: number;
  marker?: string;
  /** The servers of one create request. */
  reservationId?: string;
}

/** What `ironic-compute status` shows (GET /admin/v1/status). */
export interface ServiceStatus extends ReadinessReport {
  workerId: string;
  liveWorkers: readonly string[];
  nodes: {
    /** The nodes this service manages (its shard / resource classes). */
    total: number;
    available: number;
    /** Claimed by an instance this service has no record of (left alone). */
    claimedUnknown: number;
  };
  /** Servers not deleted. */
  servers: number;
}

/** A node as `os-hypervisors` / `ironic-compute node list` shows it. */
export interface NodeSummary {
  uuid: string;
  name: string | null;
  resourceClass: string | null;
  provisionState: string;
  powerState: string | null;
  maintenance: boolean;
  available: boolean;
  /** Why it is not available, when it is not. */
  reason: string | null;
  /** The server on it, if it is ours. */
  serverId: string | null;
  /** The instance Ironic says holds the node (ours or not). */
  instanceUuid: string | null;
  /**
   * Whose claim it is: "ours" (a server this service has a record of, live or
   * deleted), "unknown" (an instance it has no record of: another service's, or
   * a server created after the backup this database was restored from; the
   * reconciler never touches it), null when unclaimed.
   */
  claim: "ours" | "unknown" | null;
  cpus: number;
  memoryMb: number;
  localGb: number;
  cpuArch: string | null;
  traits: string[];
  /** Ironic's owner and lessee projects of the node (multi-tenancy), null when unset. */
  owner: string | null;
  lessee: string | null;
}

/** How many managed nodes are in one provision state, and available for a new server or not. */
export interface NodeStateCount {
  /** As Ironic names it, "unknown" for a state newer than ours: a closed set, fit for a metric label. */
  provisionState: string;
  available: boolean;
  count: number;
}

export interface ReconcilerStats {
  /** Periodic ticks skipped because a pass was still running. */
  skippedTicks: number;
  /** Claimed nodes the last pass left alone, by reason. */
  leftAlone: Readonly<Record<LeftAloneReason, number>>;
}

export interface ExternalEvent {
  name: string;
  serverUuid: string;
  tag?: string;
  status?: string;
}

export interface ExternalEventResult extends ExternalEvent {
  /** 200 handled, 404 unknown server, 422 unsupported event. */
  code: number;
}

/** Server as the API shows it: the record plus names it needs for display. */
export interface ServerView extends ServerRecord {
  flavor: FlavorRecord | undefined;
  /** The node's hypervisor host name (admin only). */
  hypervisorHostname: string | null;
  /** Sorted. */
  tags: string[];
  /**
   * Place in the deploy queue (maxConcurrentDeploys) of a create/rebuild not
   * yet started, 1-based; null when it is not waiting or there is no cap.
   */
  queuePosition: number | null;
  /** The server group it is in ([] or one id). */
  serverGroups: string[];
  /** Its addresses by network name (Nova's `addresses`). */
  addresses: Record<string, ServerAddress[]>;
}

// ---- quotas ----------------------------------------------------------------------

/** One project's limits (-1 = unlimited): servers, and servers per resource class. */
export interface QuotaLimits {
  instances: number;
  resourceClasses: Record<string, number>;
  /** Fixed by the service, not per project: key pairs per user, metadata items per server, server groups per project, members per group. */
  keyPairs: number;
  metadataItems: number;
  serverGroups: number;
  serverGroupMembers: number;
}

export interface QuotaUse {
  limit: number;
  inUse: number;
}

/** The limits with what is in use (os-quota-sets/{id}/detail, limits). */
export interface QuotaDetail {
  instances: QuotaUse;
  resourceClasses: Record<string, QuotaUse>;
  keyPairs: number;
  metadataItems: number;
  serverGroups: QuotaUse;
  serverGroupMembers: number;
}

export interface QuotaChange {
  instances?: number;
  /** By resource class name (CUSTOM_GPU), -1 = unlimited. */
  resourceClasses?: Record<string, number>;
  /** As Nova's `force`: a limit below what is in use is accepted. */
  force?: boolean;
}

// ---- identity (Keystone v3 shapes; the API renders them) -------------------------

export type UserRef = { id: string } | { name: string };

/** One `auth.identity` method of POST /v3/auth/tokens, already validated. */
export type TokenCredentials =
  | { method: "password"; user: UserRef; password: string }
  | { method: "application_credential"; credential: { id: string } | { name: string; user: UserRef }; secret: string }
  | { method: "token"; token: string };

/** `auth.scope`: a project, explicitly none, or left out (the user's own project). */
export type TokenScope = { project: { id: string } | { name: string } } | "unscoped" | undefined;

/** What a valid token stands for. */
export interface TokenView {
  user: { id: string; name: string };
  /** null: unscoped. */
  project: { id: string; name: string } | null;
  role: Role;
  /** The role and those it implies, strongest first. */
  roles: Role[];
  methods: string[];
  auditId: string;
  issuedAt: string;
  expiresAt: string;
  applicationCredential: { id: string; name: string; restricted: boolean } | null;
}

export interface ApplicationCredentialView {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  description: string;
  roles: Role[];
  unrestricted: boolean;
  expiresAt: string | null;
}

export interface NewApplicationCredential {
  name: string;
  description?: string;
  /** At most 72 bytes (bcrypt); generated when left out. */
  secret?: string;
  /** By name or id; default: every role of the caller's token. */
  roles?: string[];
  expiresAt?: string | null;
  unrestricted?: boolean;
}

/** POST /os-server-groups, in either microversion's shape. */
export interface ServerGroupRequest {
  name: string;
  policy: ServerGroupPolicy;
  /** Nova's rule (2.64), anti-affinity only: members per failure domain. */
  maxServerPerHost?: number;
}

export interface ServerGroupView {
  id: string;
  name: string;
  policy: ServerGroupPolicy;
  maxServerPerHost: number | null;
  /** Live (not deleted) members, oldest first. */
  members: string[];
  projectId: string;
  userId: string;
}

export interface ServerGroupListFilter {
  /** Admins only (others get their own, as Nova). */
  allProjects?: boolean;
  limit?: number;
  offset?: number;
}

// ---- the contract ----------------------------------------------------------------

export interface ComputeApi {
  /** The Block Storage (Cinder v3-shaped) API's volumes. */
  volumes: VolumesApi;
  /** Checks a user name and password (bcrypt); undefined when wrong. */
  authenticate(userName: string, password: string): Promise<Omit<Caller, "requestId"> | undefined>;
  /**
   * Calls `listener` with the id of every user removed (or whose password
   * changes) in this process, so caches of successful logins can drop them.
   */
  onUserRemoved(listener: (userId: string) => void): void;

  servers: {
    create(caller: Caller, request: CreateServerRequest): Promise<CreatedServer>;
    list(caller: Caller, filter: ServerListFilter): Promise<ServerView[]>;
    /** Moves whenever anything a list shows may have changed; undefined: cache nothing (store.viewVersion). */
    viewVersion(): Promise<number | undefined>;
    /** NotFoundError for unknown ids, deleted servers and other projects' servers. */
    get(caller: Caller, id: string): Promise<ServerView>;
    delete(caller: Caller, id: string): Promise<void>;
    /** Returns the generated admin/rescue password for rescue; the rebuilt server for rebuild. */
    act(caller: Caller, id: string, action: ServerAction): Promise<{ adminPass?: string; server?: ServerView }>;
    /** A one-time token for the websocket console proxy (console-tokens.ts); ConflictError when the node has no console. */
    serialConsole(caller: Caller, id: string): Promise<{ token: string; expiresAt: string }>;
    /** os-interface: the server's ports. */
    interfaces(caller: Caller, id: string): Promise<InterfaceAttachment[]>;
    /** os-interface POST/DELETE (Nova's attach/detach_interface): ACTIVE or SHUTOFF, no task running, else 409. */
    attachInterface(caller: Caller, id: string, request: InterfaceRequest): Promise<InterfaceAttachment>;
    detachInterface(caller: Caller, id: string, portId: string): Promise<void>;
    actions(caller: Caller, id: string): Promise<ActionRecord[]>;
    action(caller: Caller, id: string, requestId: string): Promise<{ action: ActionRecord; events: ActionEventRecord[] }>;
    /** PUT /servers/{id}: name, description, hostname. */
    update(caller: Caller, id: string, update: ServerUpdate): Promise<ServerView>;
    metadata(caller: Caller, id: string): Promise<Record<string, string>>;
    /** NotFoundError ("Metadata item was not found") for a missing key. */
    metadataItem(caller: Caller, id: string, key: string): Promise<string>;
    /** Answers the metadata as written; over 128 items is QuotaExceededError. */
    setMetadata(caller: Caller, id: string, items: Record<string, string>, mode: "replace" | "merge"): Promise<Record<string, string>>;
    deleteMetadataItem(caller: Caller, id: string, key: string): Promise<void>;
    tags(caller: Caller, id: string): Promise<string[]>;
    /** NotFoundError when the server lacks the tag. */
    hasTag(caller: Caller, id: string, tag: string): Promise<void>;
    replaceTags(caller: Caller, id: string, tags: readonly string[]): Promise<string[]>;
    addTag(caller: Caller, id: string, tag: string): Promise<"added" | "present">;
    removeTag(caller: Caller, id: string, tag: string): Promise<void>;
    removeAllTags(caller: Caller, id: string): Promise<void>;
    lock(caller: Caller, id: string, reason?: string): Promise<void>;
    /** ForbiddenError for a member when an admin of another project holds the lock. */
    unlock(caller: Caller, id: string): Promise<void>;
    /** os-resetState (admin, else ForbiddenError): vm_state set, task_state cleared, the node untouched. */
    resetState(caller: Caller, id: string, state: "active" | "error"): Promise<void>;
    /**
     * trigger_crash_dump: an NMI to the node. ConflictError when locked or not
     * ACTIVE/RESCUED without a task; Ironic's refusal is the instance action's outcome.
     */
    triggerCrashDump(caller: Caller, id: string): Promise<void>;
  };

  /** The websocket console proxy's side of the serial console tokens. */
  consoles: {
    /**
     * The server and node console of a token issued by servers.serialConsole,
     * once: undefined when unknown, used, expired, or when the server is no
     * longer the caller's to see.
     */
    redeem(token: string): Promise<ConsoleGrant | undefined>;
    limits: ConsoleLimits;
  };

  serverGroups: {
    /** QuotaExceededError past the project's limit; BadRequestError for a rule on another policy. */
    create(caller: Caller, request: ServerGroupRequest): Promise<ServerGroupView>;
    list(caller: Caller, filter: ServerGroupListFilter): Promise<ServerGroupView[]>;
    /** NotFoundError for unknown ids and other projects' groups. */
    get(caller: Caller, id: string): Promise<ServerGroupView>;
    delete(caller: Caller, id: string): Promise<void>;
  };

  flavors: {
    list(caller: Caller): Promise<FlavorRecord[]>;
    /** By id; NotFoundError otherwise (names are not ids). */
    get(caller: Caller, id: string): Promise<FlavorRecord>;
    create(caller: Caller, flavor: Omit<FlavorRecord, "createdAt" | "id"> & { id?: string }): Promise<FlavorRecord>;
    delete(caller: Caller, id: string): Promise<void>;
    /** Nova's os-extra_specs create/update (admin): merges `specs` into the flavor's; returns them. */
    setExtraSpecs(caller: Caller, id: string, specs: Readonly<Record<string, string>>): Promise<Record<string, string>>;
    /** Nova's os-extra_specs delete (admin); NotFoundError when the flavor has no such key. */
    deleteExtraSpec(caller: Caller, id: string, key: string): Promise<void>;
  };

  images: {
    /** Visible images: public ones and the caller project's own. */
    list(caller: Caller, page: { name?: string; limit?: number; marker?: string }): Promise<ImageRecord[]>;
    get(caller: Caller, id: string): Promise<ImageRecord>;
    create(caller: Caller, image: Omit<ImageRecord, "id" | "createdAt" | "updatedAt"> & { id?: string }): Promise<ImageRecord>;
    delete(caller: Caller, id: string): Promise<void>;
  };

  /**
   * A user's key pairs; `userId` (Nova 2.10) names another user's, for admins
   * only (ForbiddenError otherwise).
   */
  keypairs: {
    /** Without a public key, generates an ssh key pair and returns the private key once; x509 needs its certificate. */
    create(caller: Caller, name: string, publicKey?: string, options?: KeypairOptions): Promise<{ keypair: KeypairRecord; privateKey?: string }>;
    list(caller: Caller, userId?: string): Promise<KeypairRecord[]>;
    get(caller: Caller, name: string, userId?: string): Promise<KeypairRecord>;
    delete(caller: Caller, name: string, userId?: string): Promise<void>;
  };

  projects: {
    create(caller: Caller, name: string, description?: string): Promise<ProjectRecord>;
    /** Admin only: every project. */
    list(caller: Caller): Promise<ProjectRecord[]>;
    /** Every project for an admin, the caller's own otherwise. */
    visible(caller: Caller): Promise<ProjectRecord[]>;
    delete(caller: Caller, id: string): Promise<void>;
  };

  users: {
    create(caller: Caller, user: { name: string; password: string; projectId: string; role: Role }): Promise<Omit<UserRecord, "passwordHash">>;
    list(caller: Caller): Promise<Array<Omit<UserRecord, "passwordHash">>>;
    /** The caller itself, or anyone for an admin; NotFoundError otherwise. */
    get(caller: Caller, id: string): Promise<Omit<UserRecord, "passwordHash">>;
    /** Admin only; revokes the user's tokens (and credentials granting a role it loses). */
    update(caller: Caller, id: string, patch: { password?: string; role?: Role }): Promise<Omit<UserRecord, "passwordHash">>;
    /** The caller's own password, given the current one (Keystone's POST /v3/users/{id}/password). */
    changeOwnPassword(caller: Caller, userId: string, original: string, password: string): Promise<void>;
    delete(caller: Caller, id: string): Promise<void>;
  };

  /** Keystone v3 tokens and application credentials. */
  tokens: {
    /** Bad credentials: UnauthorizedError (so are a scope not allowed and an expired credential). */
    issue(credentials: TokenCredentials, scope: TokenScope): Promise<{ token: string; view: TokenView }>;
    /** undefined when unknown, expired or revoked. */
    validate(token: string): Promise<TokenView | undefined>;
    /** The caller's own tokens, or any for an admin; NotFoundError otherwise. */
    revoke(caller: Caller, token: string): Promise<void>;
    /** The projects the caller may scope a token to. */
    scopes(caller: Caller, userId: string): Promise<ProjectRecord[]>;
  };

  applicationCredentials: {
    /** The secret is returned here and never again. */
    create(caller: Caller, userId: string, request: NewApplicationCredential): Promise<{ credential: ApplicationCredentialView; secret: string }>;
    list(caller: Caller, userId: string, name?: string): Promise<ApplicationCredentialView[]>;
    get(caller: Caller, userId: string, id: string): Promise<ApplicationCredentialView>;
    delete(caller: Caller, userId: string, id: string): Promise<void>;
  };

  /**
   * Per-project quotas. Reading: the project's own readers and admins (another
   * project's: ForbiddenError, as Nova's policy); defaults: anyone authenticated;
   * changing: admins.
   */
  quotas: {
    defaults(caller: Caller, projectId: string): Promise<QuotaLimits>;
    show(caller: Caller, projectId: string): Promise<QuotaLimits>;
    detail(caller: Caller, projectId: string): Promise<QuotaDetail>;
    /** BadRequestError for an unknown project or a limit below what is in use (without force). */
    update(caller: Caller, projectId: string, change: QuotaChange): Promise<QuotaLimits>;
    /** Back to the defaults (Nova's DELETE os-quota-sets/{id}). */
    reset(caller: Caller, projectId: string): Promise<void>;
  };

  /** The audit of admin changes (flavors, images, projects, users, quotas): admins only, newest first. */
  audit: {
    list(caller: Caller, filter: AuditFilter): Promise<AdminAuditRecord[]>;
  };

  /** The Neutron-shaped network model (networks, subnets, ports): network-contract.ts. */
  network: NetworkApi;

  nodes: {
    /** Admin only. */
    list(caller: Caller): Promise<NodeSummary[]>;
    get(caller: Caller, uuid: string): Promise<NodeSummary>;
  };

  /**
   * What GET /metrics reads at scrape time, as the service itself (no caller:
   * the route has its own access rule). A stand-in without a driver or a
   * reconciler leaves those parts out, and the scrape then has no such source.
   */
  metrics: {
    nodeStates?(): Promise<NodeStateCount[]>;
    reconciler?(): ReconcilerStats;
    /** Create tasks of every worker: running (leased) and waiting. */
    deploys?(): Promise<{ inFlight: number; queued: number }>;
  };

  health: {
    /** Every readiness check (readiness.ts); no caller: GET /readyz is public and shows names and ok only. */
    readiness(): Promise<ReadinessReport>;
    /** Admin only: readiness with each failure's reason, and what the service holds. */
    status(caller: Caller): Promise<ServiceStatus>;
  };

  /** Ironic's power notifications (os-server-external-events). The service role or admin. */
  externalEvents(caller: Caller, events: ExternalEvent[]): Promise<ExternalEventResult[]>;
}

// ---- volumes (issue 13) ------------------------------------------------------------

/** A registered volume as the API shows it: no CHAP secret, ever; `status` from its attachment. */
export interface VolumeView extends VolumeRecord {
  status: "available" | "in-use";
}

/** What an admin registers: an existing iSCSI or FC volume (nothing is created on a SAN). */
export interface VolumeRegistration {
  name: string;
  description?: string;
  sizeGb: number;
  /** The owning project; null: shared with every project. */
  projectId: string | null;
  bootable: boolean;
  metadata?: Record<string, string>;
  target: VolumeTarget;
  /** With an iSCSI target's chapUsername only; kept apart, never shown again. */
  chapSecret?: string;
}

export interface VolumeListFilter {
  /** Admins only: every project's volumes (others see their own and shared ones, as Cinder). */
  allTenants?: boolean;
  name?: string;
  status?: "available" | "in-use";
  marker?: string;
  limit?: number;
}

export interface VolumeUpdate {
  name?: string;
  description?: string;
}

/** Cinder's quota set of a project, as far as it means anything here: counts, no limits. */
export interface VolumeUsage {
  volumes: number;
  gigabytes: number;
}

export interface VolumesApi {
  /** Admins only (ForbiddenError in Cinder's policy words otherwise). */
  register(caller: Caller, registration: VolumeRegistration): Promise<VolumeView>;
  list(caller: Caller, filter: VolumeListFilter): Promise<VolumeView[]>;
  /** NotFoundError for unknown ids and volumes of other projects. */
  get(caller: Caller, id: string): Promise<VolumeView>;
  /** Admins, or members of the owning project. */
  update(caller: Caller, id: string, update: VolumeUpdate): Promise<VolumeView>;
  /** Admins only; BadRequestError while attached. */
  delete(caller: Caller, id: string): Promise<void>;
  /** The project's own volumes (shared ones are no one's). */
  usage(caller: Caller, projectId: string): Promise<VolumeUsage>;
}
