// Flavors, images and keypairs: what a user picks from when creating a server.
import { randomUUID } from "node:crypto";
import type { FlavorRecord, ImageRecord, KeypairRecord } from "../store/records.js";
import { DuplicateError, type Store } from "../store/store.js";
import { creationIso } from "./clock.js";
import { isPrintableName } from "./names.js";
import { BoundedWork } from "./bounded-work.js";
import type { ComputeConfig } from "./config.js";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, type Caller, type KeypairOptions } from "./contract.js";
import { fingerprint, generateKeyPair, parsePublicKey, parseX509PublicKey } from "./keys.js";
import { requireAdmin, requireMember, requireReader } from "./policy.js";
import { auditOf } from "./admin-audit.js";
import { extraSpecProblem } from "./flavor-scheduling.js";

const KEYPAIR_NAME = /^[A-Za-z0-9 _.@-]{1,255}$/;
/** Nova's flavor extra spec key (schemas/flavors_extraspecs.py); values up to 255 characters. */
const EXTRA_SPEC_KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/;
const MAX_EXTRA_SPEC_VALUE = 255;
/** Nova's metadata limit on one flavor's extra specs is none; this keeps a flavor's row set bounded. */
const MAX_EXTRA_SPECS = 256;
/** Nova's message for its key_pairs quota (KeypairLimitExceeded). */
const KEYPAIR_QUOTA_MESSAGE = "Quota exceeded, too many key pairs.";

function conflictOnDuplicate(what: string) {
  return (error: unknown): never => {
    if (error instanceof DuplicateError) throw new ConflictError(`${what} already exists`);
    throw error;
  };
}

/** What the audit keeps of a new flavor: how it is matched to nodes (its extra specs) and who sees it. */
function flavorSummary(flavor: FlavorRecord): Record<string, unknown> {
  return { extra_specs: flavor.extraSpecs, is_public: flavor.isPublic };
}

/** Each spec as Nova's os-extra_specs takes it, and the scheduling namespaces' values (flavor-scheduling.ts). */
function checkExtraSpecs(specs: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(specs)) {
    if (!EXTRA_SPEC_KEY.test(key)) throw new BadRequestError(`Invalid input for field/attribute extra_specs. Key '${key.slice(0, 80)}': letters, digits, spaces and -_:. (1-255)`);
    if (value.length > MAX_EXTRA_SPEC_VALUE) throw new BadRequestError(`Invalid input for field/attribute extra_specs. Value of '${key}' is longer than ${MAX_EXTRA_SPEC_VALUE} characters`);
    const problem = extraSpecProblem(key, value);
    if (problem !== undefined) throw new BadRequestError(`Validation failed; ${problem}.`);
  }
}

/**
 * What the audit keeps of a new image: its host, never its full URL (a signed
 * URL's query is a credential; credentials in the URL itself are refused).
 */
function imageSummary(image: ImageRecord): Record<string, unknown> {
  return { visibility: image.visibility, url_host: new URL(image.url).host, owner_project_id: image.ownerProjectId };
}

export type CatalogLimits = Pick<ComputeConfig, "maxKeypairsPerUser" | "keypairGenerationConcurrency" | "keypairGenerationQueue">;

export class Catalog {
  private readonly keyGeneration: BoundedWork;

  constructor(
    private readonly store: Store,
    private readonly limits: CatalogLimits,
  ) {
    this.keyGeneration = new BoundedWork("key pairs being generated", limits.keypairGenerationConcurrency, limits.keypairGenerationQueue);
  }

  // ---- flavors ----
  async listFlavors(caller: Caller): Promise<FlavorRecord[]> {
    requireReader(caller);
    const all = await this.store.flavors.list();
    return caller.role === "admin" ? all : all.filter((flavor) => flavor.isPublic);
  }

  async getFlavor(caller: Caller, id: string): Promise<FlavorRecord> {
    requireReader(caller);
    const flavor = await this.store.flavors.get(id);
    if (flavor === undefined || (!flavor.isPublic && caller.role !== "admin")) throw new NotFoundError(`Flavor ${id} could not be found.`);
    return flavor;
  }

  async createFlavor(caller: Caller, input: Omit<FlavorRecord, "createdAt" | "id"> & { id?: string }): Promise<FlavorRecord> {
    requireAdmin(caller);
    if (!isPrintableName(input.name)) throw new BadRequestError("invalid flavor name");
    checkExtraSpecs(input.extraSpecs);
    if (Object.keys(input.extraSpecs).length > MAX_EXTRA_SPECS) throw new BadRequestError(`a flavor has at most ${MAX_EXTRA_SPECS} extra specs`);
    const flavor: FlavorRecord = { ...input, id: input.id ?? randomUUID(), createdAt: creationIso() };
    const audit = auditOf(caller, { type: "flavor", id: flavor.id, name: flavor.name }, "create", flavorSummary(flavor));
    await this.store.flavors.create(flavor, audit).catch(conflictOnDuplicate(`Flavor with name ${input.name} or id ${flavor.id}`));
    return flavor;
  }

  /** Nova's os-extra_specs create/update: merges `specs` into the flavor's. */
  async setFlavorExtraSpecs(caller: Caller, id: string, specs: Readonly<Record<string, string>>): Promise<Record<string, string>> {
    requireAdmin(caller);
    checkExtraSpecs(specs);
    const flavor = await this.getFlavor(caller, id);
    if (Object.keys({ ...flavor.extraSpecs, ...specs }).length > MAX_EXTRA_SPECS) throw new BadRequestError(`a flavor has at most ${MAX_EXTRA_SPECS} extra specs`);
    const audit = auditOf(caller, { type: "flavor", id, name: flavor.name }, "update", { extra_specs: { set: specs } });
    if (!(await this.store.flavors.setExtraSpecs(id, specs, audit))) throw new NotFoundError(`Flavor ${id} could not be found.`);
    return { ...specs };
  }

  /** Nova's os-extra_specs delete of one key. */
  async deleteFlavorExtraSpec(caller: Caller, id: string, key: string): Promise<void> {
    requireAdmin(caller);
    const flavor = await this.getFlavor(caller, id);
    const audit = auditOf(caller, { type: "flavor", id, name: flavor.name }, "update", { extra_specs: { unset: [key] } });
    if (!(await this.store.flavors.deleteExtraSpec(id, key, audit))) throw new NotFoundError(`Flavor ${id} has no extra specs with key ${key}.`);
  }

  async deleteFlavor(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    const flavor = await this.store.flavors.get(id);
    const audit = auditOf(caller, { type: "flavor", id, name: flavor?.name ?? "" }, "delete", {});
    if (flavor === undefined || !(await this.store.flavors.delete(id, audit))) throw new NotFoundError(`Flavor ${id} could not be found.`);
  }

  // ---- images ----
  private visible(caller: Caller, image: ImageRecord): boolean {
    return caller.role === "admin" || image.visibility === "public" || image.ownerProjectId === caller.projectId;
  }

  async listImages(caller: Caller, page: { name?: string; limit?: number; marker?: string }): Promise<ImageRecord[]> {
    requireReader(caller);
    // Filter visibility before paging so a page is never short of visible images.
    const all = (await this.store.images.list(page.name === undefined ? {} : { name: page.name })).filter((image) => this.visible(caller, image));
    const start = page.marker === undefined ? 0 : all.findIndex((image) => image.id === page.marker) + 1;
    if (page.marker !== undefined && start === 0) throw new BadRequestError(`marker ${page.marker} could not be found`);
    return page.limit === undefined ? all.slice(start) : all.slice(start, start + page.limit);
  }

  async getImage(caller: Caller, id: string): Promise<ImageRecord> {
    requireReader(caller);
    const image = await this.store.images.get(id);
    if (image === undefined || !this.visible(caller, image)) throw new NotFoundError(`Image ${id} could not be found.`);
    return image;
  }

  async createImage(caller: Caller, input: Omit<ImageRecord, "id" | "createdAt" | "updatedAt"> & { id?: string }): Promise<ImageRecord> {
    requireAdmin(caller);
    if (!isPrintableName(input.name)) throw new BadRequestError("invalid image name");
    let url: URL;
    try {
      url = new URL(input.url);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw new BadRequestError("image url is not a URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new BadRequestError("image url must be http or https");
    if (url.username !== "" || url.password !== "") throw new BadRequestError("image url must not carry credentials");
    const now = creationIso();
    const image: ImageRecord = { ...input, id: input.id ?? randomUUID(), createdAt: now, updatedAt: now };
    const audit = auditOf(caller, { type: "image", id: image.id, name: image.name }, "create", imageSummary(image));
    await this.store.images.create(image, audit).catch(conflictOnDuplicate(`Image ${image.id}`));
    return image;
  }

  async deleteImage(caller: Caller, id: string): Promise<void> {
    requireAdmin(caller);
    const image = await this.store.images.get(id);
    const audit = auditOf(caller, { type: "image", id, name: image?.name ?? "" }, "delete", {});
    if (image === undefined || !(await this.store.images.delete(id, audit))) throw new NotFoundError(`Image ${id} could not be found.`);
  }

  // ---- keypairs (per user) ----

  /**
   * Whose key pairs a request names: the caller's own, or (Nova 2.10, admins
   * only) another user's. Nova's policy refuses a member naming someone else.
   */
  private keypairOwner(caller: Caller, action: "create" | "index" | "show" | "delete", userId: string | undefined): string {
    if (userId === undefined || userId === caller.userId) return caller.userId;
    if (caller.role !== "admin") throw new ForbiddenError(`Policy doesn't allow os_compute_api:os-keypairs:${action} to be performed.`);
    return userId;
  }

  async createKeypair(caller: Caller, name: string, publicKey?: string, options: KeypairOptions = {}): Promise<{ keypair: KeypairRecord; privateKey?: string }> {
    requireMember(caller);
    const owner = this.keypairOwner(caller, "create", options.userId);
    if (!KEYPAIR_NAME.test(name)) throw new BadRequestError("Keypair name contains unsafe characters");
    const type = options.type ?? "ssh";
    // Nova generates x509 certificates too; here only ssh keys are generated.
    if (type === "x509" && publicKey === undefined) throw new BadRequestError("An x509 key pair needs its public_key (a PEM certificate): only ssh key pairs are generated.");
    if (owner !== caller.userId && (await this.store.users.get(owner)) === undefined) throw new BadRequestError(`User ${owner} could not be found.`);
    await this.checkKeypairQuota(owner);
    let key: { text: string; fingerprint: string };
    let generated: { publicKey: string; privateKey: string } | undefined;
    if (type === "x509") {
      const certificate = parseX509PublicKey(publicKey ?? "");
      key = { text: certificate.pem, fingerprint: certificate.fingerprint };
    } else {
      generated = publicKey === undefined ? await this.keyGeneration.run(() => generateKeyPair(name)) : undefined;
      const parsed = parsePublicKey(publicKey ?? generated?.publicKey ?? "");
      key = { text: parsed.text, fingerprint: fingerprint(parsed.blob) };
    }
    const keypair: KeypairRecord = {
      id: randomUUID(),
      userId: owner,
      name,
      type,
      publicKey: key.text,
      fingerprint: key.fingerprint,
      createdAt: creationIso(),
    };
    await this.store.keypairs.create(keypair).catch(conflictOnDuplicate(`Key pair '${name}'`));
    // Concurrent creates may all pass the first check: the one that ends up over
    // the limit takes its key pair back (several may; none is ever kept over it).
    if ((await this.store.keypairs.list(owner)).length > this.limits.maxKeypairsPerUser) {
      await this.store.keypairs.delete(owner, name);
      throw new QuotaExceededError(KEYPAIR_QUOTA_MESSAGE);
    }
    return generated === undefined ? { keypair } : { keypair, privateKey: generated.privateKey };
  }

  private async checkKeypairQuota(userId: string): Promise<void> {
    if ((await this.store.keypairs.list(userId)).length >= this.limits.maxKeypairsPerUser) {
      throw new QuotaExceededError(KEYPAIR_QUOTA_MESSAGE);
    }
  }

  async listKeypairs(caller: Caller, userId?: string): Promise<KeypairRecord[]> {
    requireReader(caller);
    return this.store.keypairs.list(this.keypairOwner(caller, "index", userId));
  }

  async getKeypair(caller: Caller, name: string, userId?: string): Promise<KeypairRecord> {
    requireReader(caller);
    const owner = this.keypairOwner(caller, "show", userId);
    const keypair = await this.store.keypairs.get(owner, name);
    if (keypair === undefined) throw new NotFoundError(`Keypair ${name} not found for user ${owner}`);
    return keypair;
  }

  async deleteKeypair(caller: Caller, name: string, userId?: string): Promise<void> {
    requireMember(caller);
    const owner = this.keypairOwner(caller, "delete", userId);
    if (!(await this.store.keypairs.delete(owner, name))) {
      throw new NotFoundError(`Keypair ${name} not found for user ${owner}`);
    }
  }
}
