// Server actions done within the request, without a task: Nova's os-resetState
// (admin: vm_state to active or error, task_state cleared, the node untouched)
// and trigger_crash_dump (an NMI to the node through Ironic). Both are recorded
// as instance actions.
import type { IronicDriver } from "../driver/driver.js";
import { IronicError } from "../driver/ironic-exports.js";
import type { ServerRecord, VmState } from "../store/records.js";
import type { Store } from "../store/store.js";
import { Audit } from "./audit.js";
import { ConflictError, ForbiddenError, type Caller } from "./contract.js";
import { requireMember, requireUnlocked, requireVisible } from "./policy.js";

/** The states os-resetState sets (Nova's state_map). */
export type ResetState = "active" | "error";

/** Nova's check_instance_state of trigger_crash_dump (ACTIVE, PAUSED, RESCUED; paused does not exist here). */
const CRASH_DUMP_VM_STATES: readonly VmState[] = ["active", "rescued"];

/** Nova's instance action and event names. */
const RESET_STATE_ACTION = "resetState";
const CRASH_DUMP_ACTION = "trigger_crash_dump";
const CRASH_DUMP_EVENT = "compute_trigger_crash_dump";

/** What a tenant reads when the NMI fails (Ironic's own text, for admins only, may name BMC details). */
export function crashDumpFailure(error: unknown): string {
  return error instanceof IronicError
    ? "Ironic refused the crash dump: the node's management interface cannot inject an NMI, or the BMC failed to."
    : "The crash dump (NMI) could not be sent to the node.";
}

export class ServerInstantActions {
  private readonly audit: Audit;

  constructor(
    private readonly store: Store,
    private readonly driver: Pick<IronicDriver, "crashDump">,
  ) {
    this.audit = new Audit(store);
  }

  private async visible(caller: Caller, id: string): Promise<ServerRecord> {
    return requireVisible(caller, await this.store.servers.get(id), "Instance", id);
  }

  /** os-resetState: the server is looked up first (404), then the admin rule (403), as Nova. */
  async resetState(caller: Caller, id: string, state: ResetState): Promise<void> {
    const server = await this.visible(caller, id);
    if (caller.role !== "admin") throw new ForbiddenError("Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed.");
    const actionId = await this.audit.start(caller, server.id, RESET_STATE_ACTION);
    try {
      await this.store.servers.update(server.id, { vmState: state, taskState: null });
    } catch (error) {
      await this.audit.finish(actionId, error);
      throw error;
    }
    await this.audit.finish(actionId);
  }

  /**
   * trigger_crash_dump: 409 when locked or not ACTIVE/RESCUED with no task (Nova's
   * checks). Nova casts the NMI and answers 202; here it is sent before the
   * answer, and its outcome — also a refusal by Ironic — is the instance action's.
   */
  async triggerCrashDump(caller: Caller, id: string): Promise<void> {
    requireMember(caller);
    const server = await this.visible(caller, id);
    requireUnlocked(caller, server);
    if (server.taskState !== null) {
      throw new ConflictError(`Cannot '${CRASH_DUMP_ACTION}' instance ${server.id} while it is in task_state ${server.taskState}`);
    }
    if (!CRASH_DUMP_VM_STATES.includes(server.vmState) || server.nodeUuid === null) {
      throw new ConflictError(`Cannot '${CRASH_DUMP_ACTION}' instance ${server.id} while it is in vm_state ${server.vmState}`);
    }
    const nodeUuid = server.nodeUuid;
    const actionId = await this.audit.start(caller, server.id, CRASH_DUMP_ACTION);
    let failure: unknown;
    try {
      await this.audit.event(actionId, CRASH_DUMP_EVENT, () => this.driver.crashDump({ instanceUuid: server.id, nodeUuid }), crashDumpFailure);
    } catch (error) {
      failure = error;
    }
    await this.audit.finish(actionId, failure);
  }
}
