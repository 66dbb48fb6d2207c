// The typed Ironic client: one object per resource family over one HTTP core.
//   const ironic = new IronicClient(ironicClientOptions({ url }), logger);
//   await ironic.nodes.list(["uuid", "provision_state"], { associated: false });

import type { Logger } from "../log/logger.js";
import { silentLogger } from "../log/logger.js";
import { noopObserver, type ServiceObserver } from "../log/telemetry.js";
import { AllocationsApi } from "./allocations.js";
import type { IronicClientOptions } from "./config.js";
import { IronicHttp, type RequestFence } from "./http.js";
import type { Microversion, NegotiationResult } from "./microversion.js";
import { NodesApi } from "./nodes.js";
import { PortgroupsApi, PortsApi } from "./ports.js";
import { VolumesApi } from "./volumes.js";

export class IronicClient {
  readonly http: IronicHttp;
  readonly nodes: NodesApi;
  readonly ports: PortsApi;
  readonly portgroups: PortgroupsApi;
  readonly volumes: VolumesApi;
  readonly allocations: AllocationsApi;

  constructor(options: IronicClientOptions, logger: Logger = silentLogger, observer: ServiceObserver = noopObserver, http?: IronicHttp) {
    this.http = http ?? new IronicHttp(options, logger, observer);
    this.nodes = new NodesApi(this.http);
    this.ports = new PortsApi(this.http);
    this.portgroups = new PortgroupsApi(this.http);
    this.volumes = new VolumesApi(this.http);
    this.allocations = new AllocationsApi(this.http);
  }

  /** This client, sending nothing once `signal` fired (see IronicHttp.fenced). */
  fenced(signal: RequestFence): IronicClient {
    return new IronicClient(this.http.options, silentLogger, noopObserver, this.http.fenced(signal));
  }

  /** Negotiates now (instead of on first use) and returns the version in use. */
  async connect(): Promise<Microversion> {
    return this.http.microversion();
  }

  /** One bounded look at Ironic's version range now (IronicHttp.probe). */
  async probe(timeoutMs: number): Promise<NegotiationResult> {
    return this.http.probe(timeoutMs);
  }

  /** Closes the connections (a fenced view shares its parent's: close the parent). */
  async close(): Promise<void> {
    await this.http.close();
  }
}
