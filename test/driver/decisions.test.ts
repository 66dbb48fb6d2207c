// The decision tables of docs/driver.md, row by row, over the pure `decide*`
// functions. Each `it.each` row is named after the table row it checks; a table
// row naming several states becomes one test row per state. When a table in the
// doc changes, the rows here change with it (and back).
import { describe, expect, it } from "vitest";
import { decideDestroy, type DestroyObserved } from "../../src/driver/destroy.js";
import {
  DriverError,
  InstanceNotFoundError,
  NodeAlreadyClaimedError,
  NodeBindingError,
  NodeNotAvailableError,
  OperationFailedError,
  RescueFailedError,
  UnrescueFailedError,
} from "../../src/driver/errors.js";
import { DIGEST_KEY, INSTANCE_KEY } from "../../src/driver/instance-info.js";
import type { InstanceSpec } from "../../src/driver/instance-spec.js";
import type { Decision } from "../../src/driver/operation.js";
import { decideRebuild, REBUILD_BASE_KEY, type RebuildNode } from "../../src/driver/rebuild.js";
import { decideRescue, decideUnrescue, type RescueNode } from "../../src/driver/rescue.js";
import { decideSpawn, type SpawnNode, type SpawnObserved, type SpawnStep } from "../../src/driver/spawn.js";
import { TARGET_OWNER_KEY } from "../../src/driver/volumes.js";
import { PROVISION_STATES, type ProvisionState } from "../../src/ironic/states.js";
import type { VolumeTarget } from "../../src/ironic/volumes.js";

const ME = "11111111-1111-1111-1111-111111111111";
const OTHER = "22222222-2222-2222-2222-222222222222";
const NODE = "33333333-3333-3333-3333-333333333333";

type ErrorClass = abstract new (...args: never[]) => DriverError;
/** What a row expects: "done", "wait", "act <step>", or the class of the failure. */
type Expected = "done" | "wait" | `act ${string}` | ErrorClass;

function check<Step extends string>(decision: Decision<Step>, expected: Expected): void {
  if (typeof expected === "string") {
    const got = decision.kind === "act" ? `act ${decision.step}` : decision.kind === "fail" ? `fail: ${decision.error.message}` : decision.kind;
    expect(got).toBe(expected);
  } else {
    expect(decision.kind).toBe("fail");
    if (decision.kind === "fail") expect(decision.error).toBeInstanceOf(expected);
  }
}

/** One test row per state of a table row that names several states. */
function perState<T>(label: string, states: readonly ProvisionState[], row: (state: ProvisionState) => T): Array<[string, T]> {
  return states.map((state) => [`${label} (${state})`, row(state)]);
}

function namedIn(rows: ReadonlyArray<readonly ProvisionState[]>): Set<ProvisionState> {
  return new Set(rows.flat());
}

// ───────────────────────────── spawn ─────────────────────────────

const WANTED = { [DIGEST_KEY]: "digest-new", [INSTANCE_KEY]: ME };
const VOLUME = { volumeId: "vol-1", bootIndex: 0, volumeType: "iscsi", properties: {} };
const SPEC: Pick<InstanceSpec, "uuid" | "volumes" | "vifs" | "projectId"> = {
  uuid: ME,
  projectId: "project-a",
  volumes: [VOLUME],
  vifs: [{ id: "vif-1", networkId: "net-1", subnets: [] } as unknown as InstanceSpec["vifs"][number]],
};

function spawnNode(overrides: Partial<SpawnNode> = {}): SpawnNode {
  return {
    deploy_step: {},
    uuid: NODE,
    name: null,
    instance_uuid: ME,
    power_state: "power off",
    target_power_state: null,
    provision_state: "available",
    target_provision_state: null,
    last_error: null,
    maintenance: false,
    fault: null,
    properties: {},
    traits: [],
    resource_class: "baremetal",
    conductor_group: "",
    owner: null,
    lessee: null,
    instance_info: WANTED,
    ...overrides,
  };
}

const OUR_TARGET = { volume_id: "vol-1", extra: { [TARGET_OWNER_KEY]: ME } } as unknown as VolumeTarget;

/** A node of ours with everything prepared (instance_info, volume target, VIF). */
function prepared(node: Partial<SpawnNode> = {}): SpawnObserved {
  return { node: spawnNode(node), volumeTargets: [OUR_TARGET], vifs: ["vif-1"], wantedInstanceInfo: WANTED };
}

interface SpawnRow {
  observed: SpawnObserved;
  executed?: SpawnStep[];
  expected: Expected;
}

const SPAWN_WAIT = ["deploying", "wait call-back", "deploy hold"] as const;
const SPAWN_FAILED = ["deploy failed", "error"] as const;
const SPAWN_TEARDOWN = ["deleting", "cleaning", "clean wait", "clean failed", "clean hold"] as const;
const SPAWN_NAMED = namedIn([["available", "active", "unknown"], SPAWN_WAIT, SPAWN_FAILED, SPAWN_TEARDOWN]);

const SPAWN_ROWS: Array<[string, SpawnRow]> = [
  ["gone (404)", { observed: { ...prepared(), node: null }, expected: InstanceNotFoundError }],
  ["no instance_uuid, claim not yet run: available → claim", { observed: prepared({ instance_uuid: null }), expected: "act claim" }],
  [
    "no instance_uuid, claim not yet run: unavailable → NodeNotAvailableError",
    { observed: prepared({ instance_uuid: null, maintenance: true }), expected: NodeNotAvailableError },
  ],
  [
    "no instance_uuid, after our claim → NodeBindingError",
    { observed: prepared({ instance_uuid: null }), executed: ["claim"], expected: NodeBindingError },
  ],
  ["another instance, before our claim → NodeAlreadyClaimedError", { observed: prepared({ instance_uuid: OTHER }), expected: NodeAlreadyClaimedError }],
  ["another instance, after our claim → NodeBindingError", { observed: prepared({ instance_uuid: OTHER }), executed: ["claim"], expected: NodeBindingError }],
  ["ours, in maintenance", { observed: prepared({ maintenance: true }), expected: OperationFailedError }],
  ["ours, `available`, action running", { observed: prepared({ target_provision_state: "active" }), expected: "wait" }],
  [
    "ours, `available`, instance_info digest differs",
    { observed: prepared({ instance_info: { [DIGEST_KEY]: "digest-old", [INSTANCE_KEY]: ME } }), expected: "act write-instance-info" },
  ],
  [
    "ours, `available`, a volume has no target tagged with this instance",
    { observed: { ...prepared(), volumeTargets: [{ ...OUR_TARGET, extra: { [TARGET_OWNER_KEY]: OTHER } }] }, expected: "act create-volume-targets" },
  ],
  ["ours, `available`, a VIF not listed, not attached in this run", { observed: { ...prepared(), vifs: [] }, expected: "act attach-vifs" }],
  ["ours, `available`, all prepared", { observed: prepared(), expected: "act deploy" }],
  [
    "ours, `available`, all prepared (a VIF not listed but attached in this run)",
    { observed: { ...prepared(), vifs: [] }, executed: ["claim", "attach-vifs"], expected: "act deploy" },
  ],
  ...perState("`deploying`, `wait call-back`, `deploy hold`", SPAWN_WAIT, (state) => ({ observed: prepared({ provision_state: state }), expected: "wait" as const })),
  ["`active`, no action running", { observed: prepared({ provision_state: "active" }), expected: "done" }],
  ["`active`, an action running", { observed: prepared({ provision_state: "active", target_provision_state: "active" }), expected: "wait" }],
  ...perState("`deploy failed`, `error`", SPAWN_FAILED, (state) => ({ observed: prepared({ provision_state: state }), expected: OperationFailedError })),
  ...perState("`deleting`, `cleaning`, `clean wait`, `clean failed`, `clean hold`", SPAWN_TEARDOWN, (state) => ({
    observed: prepared({ provision_state: state }),
    expected: OperationFailedError,
  })),
  ...perState(
    "any other known state",
    PROVISION_STATES.filter((state) => !SPAWN_NAMED.has(state)),
    (state) => ({ observed: prepared({ provision_state: state }), expected: NodeNotAvailableError }),
  ),
  [
    "a state this version does not know",
    { observed: prepared({ provision_state: "unknown", unknown_states: { provision_state: "teleporting" } }), expected: NodeNotAvailableError },
  ],
];

describe("decideSpawn (docs/driver.md › Spawn)", () => {
  it.each(SPAWN_ROWS)("%s", (_row, { observed, executed = [], expected }) => {
    check(decideSpawn(SPEC, observed, new Set(executed)), expected);
  });

  it("names the raw state Ironic sent when it does not know it", () => {
    const decision = decideSpawn(SPEC, prepared({ provision_state: "unknown", unknown_states: { provision_state: "teleporting" } }), new Set());
    expect(decision.kind === "fail" && decision.error.message).toContain("teleporting");
  });

  it("fails a deployment with Ironic's last_error", () => {
    const decision = decideSpawn(SPEC, prepared({ provision_state: "deploy failed", last_error: "image checksum mismatch" }), new Set());
    expect(decision.kind === "fail" && decision.error.message).toContain("image checksum mismatch");
  });
});

// ───────────────────────────── destroy ─────────────────────────────

function destroyObserved(node: Partial<NonNullable<DestroyObserved["node"]>> = {}, extra: Partial<DestroyObserved> = {}): DestroyObserved {
  return {
    node: {
      uuid: NODE,
      instance_uuid: ME,
      provision_state: "active",
      target_provision_state: null,
      maintenance: false,
      last_error: null,
      power_state: "power on",
      target_power_state: null,
      ...node,
    },
    volumeTargets: [],
    vifs: [],
    ...extra,
  };
}

interface DestroyRow {
  observed: DestroyObserved;
  waitForCleaning?: boolean;
  expected: Expected;
}

const DESTROY_UNPROVISION = [
  "active", "deploy failed", "error", "wait call-back", "rescue", "rescue wait", "rescue failed", "unrescue failed", "service failed", "service wait",
] as const;
const DESTROY_ABORT = ["deploy hold", "service hold"] as const;
const DESTROY_SETTLE = [
  "deploying", "rescuing", "unrescuing", "deleting", "cleaning", "clean wait", "servicing", "verifying", "inspecting", "inspect wait", "adopting", "rebuild",
] as const;
const DESTROY_UNDEPLOYED = ["available", "manageable", "enroll", "clean failed", "clean hold", "inspect failed", "adopt failed"] as const;

const DESTROY_ROWS: Array<[string, DestroyRow]> = [
  ["gone (404), or no node carries the instance", { observed: { node: null, volumeTargets: [], vifs: [] }, expected: "done" }],
  ["another instance's", { observed: destroyObserved({ instance_uuid: OTHER }), expected: "done" }],
  [
    "another instance's, our tagged targets remain, powered on: left alone",
    { observed: destroyObserved({ instance_uuid: OTHER }, { volumeTargets: [OUR_TARGET] }), expected: "done" },
  ],
  [
    "another instance's, our tagged targets remain, powered off: delete-volume-targets",
    { observed: destroyObserved({ instance_uuid: OTHER, power_state: "power off" }, { volumeTargets: [OUR_TARGET] }), expected: "act delete-volume-targets" },
  ],
  ...perState("unbound, `deleting` / `cleaning` / `clean wait`, waiting for cleaning enabled", ["deleting", "cleaning", "clean wait"], (state) => ({
    observed: destroyObserved({ instance_uuid: null, provision_state: state }),
    waitForCleaning: true,
    expected: "wait" as const,
  })),
  [
    "unbound, cleaning, waiting for cleaning disabled: done",
    { observed: destroyObserved({ instance_uuid: null, provision_state: "cleaning" }), waitForCleaning: false, expected: "done" },
  ],
  [
    "unbound, our tagged volume targets remain: power-off if on",
    { observed: destroyObserved({ instance_uuid: null, provision_state: "available" }, { volumeTargets: [OUR_TARGET] }), expected: "act power-off" },
  ],
  [
    "unbound, our tagged volume targets remain: then delete-volume-targets",
    {
      observed: destroyObserved({ instance_uuid: null, provision_state: "available", power_state: "power off" }, { volumeTargets: [OUR_TARGET] }),
      expected: "act delete-volume-targets",
    },
  ],
  ["unbound, nothing of ours remains", { observed: destroyObserved({ instance_uuid: null, provision_state: "available" }), expected: "done" }],
  ...perState("ours, deployed: unprovision", DESTROY_UNPROVISION, (state) => ({
    observed: destroyObserved({ provision_state: state }),
    expected: "act unprovision" as const,
  })),
  ...perState("ours, deployed, our targets remain, powered on: power-off before the tear-down", DESTROY_UNPROVISION, (state) => ({
    observed: destroyObserved({ provision_state: state }, { volumeTargets: [OUR_TARGET] }),
    expected: "act power-off" as const,
  })),
  ...perState("ours, deployed, our targets remain, powered off: delete-volume-targets before the tear-down", DESTROY_UNPROVISION, (state) => ({
    observed: destroyObserved({ provision_state: state, power_state: "power off" }, { volumeTargets: [OUR_TARGET] }),
    expected: "act delete-volume-targets" as const,
  })),
  ...perState("ours, deployed, our targets remain, a power action running: wait", DESTROY_UNPROVISION, (state) => ({
    observed: destroyObserved({ provision_state: state, target_power_state: "power off" }, { volumeTargets: [OUR_TARGET] }),
    expected: "wait" as const,
  })),
  ...perState("ours, deployed, only another instance's targets: unprovision", DESTROY_UNPROVISION, (state) => ({
    observed: destroyObserved({ provision_state: state }, { volumeTargets: [{ ...OUR_TARGET, extra: { [TARGET_OWNER_KEY]: OTHER } }] }),
    expected: "act unprovision" as const,
  })),
  ...perState("ours, deployed: wait while an action runs", DESTROY_UNPROVISION, (state) => ({
    observed: destroyObserved({ provision_state: state, target_provision_state: "active" }),
    expected: "wait" as const,
  })),
  ...perState("ours, `deploy hold`, `service hold`: abort", DESTROY_ABORT, (state) => ({
    observed: destroyObserved({ provision_state: state }),
    expected: "act abort" as const,
  })),
  ...perState("ours, transient: wait for the state to settle", DESTROY_SETTLE, (state) => ({
    observed: destroyObserved({ provision_state: state }),
    expected: "wait" as const,
  })),
  ...perState("ours, never deployed: release", DESTROY_UNDEPLOYED, (state) => ({
    observed: destroyObserved({ provision_state: state }),
    expected: "act release" as const,
  })),
  ...perState("ours, never deployed, VIFs listed: detach-vifs", DESTROY_UNDEPLOYED, (state) => ({
    observed: destroyObserved({ provision_state: state }, { vifs: ["vif-1"] }),
    expected: "act detach-vifs" as const,
  })),
  ...perState("ours, never deployed, our targets remain, powered on: power-off", DESTROY_UNDEPLOYED, (state) => ({
    observed: destroyObserved({ provision_state: state }, { volumeTargets: [OUR_TARGET], vifs: ["vif-1"] }),
    expected: "act power-off" as const,
  })),
  ...perState("ours, never deployed, our targets remain, powered off: delete-volume-targets", DESTROY_UNDEPLOYED, (state) => ({
    observed: destroyObserved({ provision_state: state, power_state: "power off" }, { volumeTargets: [OUR_TARGET] }),
    expected: "act delete-volume-targets" as const,
  })),
  ...perState("ours, never deployed, an action running: wait", DESTROY_UNDEPLOYED, (state) => ({
    observed: destroyObserved({ provision_state: state, target_provision_state: "manageable" }),
    expected: "wait" as const,
  })),
  ["ours, unknown state: unprovision", { observed: destroyObserved({ provision_state: "unknown" }), expected: "act unprovision" }],
];

describe("decideDestroy (docs/driver.md › Destroy)", () => {
  it.each(DESTROY_ROWS)("%s", (_row, { observed, waitForCleaning = true, expected }) => {
    check(decideDestroy(ME, observed, { waitForCleaning }), expected);
  });

  it("names every known state in exactly one row", () => {
    const named = [...DESTROY_UNPROVISION, ...DESTROY_ABORT, ...DESTROY_SETTLE, ...DESTROY_UNDEPLOYED];
    expect(new Set(named).size).toBe(named.length);
    expect(new Set(named)).toEqual(new Set(PROVISION_STATES));
  });
});

// ───────────────────────────── rebuild ─────────────────────────────

const BEFORE = "2026-01-01T00:00:00Z";
const REBUILD_WANTED = { [DIGEST_KEY]: "digest-new", [INSTANCE_KEY]: ME };

function rebuildNode(overrides: Partial<RebuildNode> = {}): RebuildNode {
  return {
    uuid: NODE,
    instance_uuid: ME,
    instance_info: { [DIGEST_KEY]: "digest-old", [INSTANCE_KEY]: ME },
    properties: {},
    provision_state: "active",
    target_provision_state: null,
    provision_updated_at: BEFORE,
    maintenance: false,
    last_error: null,
    deploy_step: {},
    ...overrides,
  };
}
const WRITTEN = { ...REBUILD_WANTED, [REBUILD_BASE_KEY]: BEFORE };
const REBUILD_FROM = ["active", "deploy failed", "error"] as const;
const REBUILD_WAIT = ["deploying", "wait call-back", "deploy hold"] as const;
const REBUILD_NAMED = namedIn([REBUILD_FROM, REBUILD_WAIT]);

interface RebuildRow {
  node: RebuildNode | null;
  executed?: Array<"write-instance-info" | "rebuild">;
  expected: Expected;
}

const REBUILD_ROWS: Array<[string, RebuildRow]> = [
  ["gone (404)", { node: null, expected: InstanceNotFoundError }],
  ["not bound to the instance", { node: rebuildNode({ instance_uuid: OTHER }), expected: NodeBindingError }],
  ...perState("`active`/`deploy failed`/`error`, instance_info not yet the new one", REBUILD_FROM, (state) => ({
    node: rebuildNode({ provision_state: state }),
    expected: "act write-instance-info" as const,
  })),
  ...perState("same, new instance_info written, `provision_updated_at` unchanged since", REBUILD_FROM, (state) => ({
    node: rebuildNode({ provision_state: state, instance_info: WRITTEN }),
    expected: "act rebuild" as const,
  })),
  ["`active`, rebuild requested (this run)", { node: rebuildNode({ instance_info: WRITTEN }), executed: ["rebuild"], expected: "done" }],
  [
    "`active`, rebuild requested (`provision_updated_at` moved)",
    { node: rebuildNode({ instance_info: WRITTEN, provision_updated_at: "2026-01-01T00:05:00Z" }), expected: "done" },
  ],
  ...perState("`deploy failed`/`error` after the request", ["deploy failed", "error"], (state) => ({
    node: rebuildNode({ provision_state: state, instance_info: WRITTEN }),
    executed: ["rebuild" as const],
    expected: OperationFailedError,
  })),
  ["`active`, in maintenance, not yet requested", { node: rebuildNode({ maintenance: true }), expected: OperationFailedError }],
  ["`active`, an action running", { node: rebuildNode({ target_provision_state: "rebuild" }), expected: "wait" }],
  ...perState("`deploying`, `wait call-back`, `deploy hold`", REBUILD_WAIT, (state) => ({
    node: rebuildNode({ provision_state: state }),
    expected: "wait" as const,
  })),
  ...perState(
    "anything else",
    [...PROVISION_STATES.filter((state) => !REBUILD_NAMED.has(state)), "unknown"],
    (state) => ({ node: rebuildNode({ provision_state: state }), expected: OperationFailedError }),
  ),
];

describe("decideRebuild (docs/driver.md › Rebuild)", () => {
  it.each(REBUILD_ROWS)("%s", (_row, { node, executed = [], expected }) => {
    check(decideRebuild(ME, { node, wantedInstanceInfo: REBUILD_WANTED }, new Set(executed)), expected);
  });
});

// ───────────────────────────── rescue / unrescue ─────────────────────────────

function rescueNode(overrides: Partial<RescueNode> = {}): RescueNode {
  return {
    uuid: NODE,
    instance_uuid: ME,
    provision_state: "active",
    target_provision_state: null,
    maintenance: false,
    last_error: null,
    ...overrides,
  };
}

interface RescueRow {
  node: RescueNode | null;
  executed?: Array<"rescue" | "unrescue">;
  expected: Expected;
}

const RESCUE_NAMED = namedIn([["active", "unrescue failed", "rescuing", "rescue wait", "rescue", "rescue failed"]]);
const RESCUE_ROWS: Array<[string, RescueRow]> = [
  ["`active` (not in maintenance)", { node: rescueNode(), expected: "act rescue" }],
  ["`unrescue failed`", { node: rescueNode({ provision_state: "unrescue failed" }), expected: "act rescue" }],
  ...perState("`rescuing`, `rescue wait`", ["rescuing", "rescue wait"], (state) => ({ node: rescueNode({ provision_state: state }), expected: "wait" as const })),
  ["`rescue`", { node: rescueNode({ provision_state: "rescue" }), expected: "done" }],
  ["`rescue failed`", { node: rescueNode({ provision_state: "rescue failed" }), expected: RescueFailedError }],
  ["`active`, in maintenance (anything else)", { node: rescueNode({ maintenance: true }), expected: OperationFailedError }],
  ["not bound", { node: rescueNode({ instance_uuid: OTHER }), expected: NodeBindingError }],
  ["gone (404)", { node: null, expected: InstanceNotFoundError }],
  ...perState(
    "anything else",
    [...PROVISION_STATES.filter((state) => !RESCUE_NAMED.has(state)), "unknown"],
    (state) => ({ node: rescueNode({ provision_state: state }), expected: OperationFailedError }),
  ),
];

const UNRESCUE_NAMED = namedIn([["rescue", "rescue failed", "unrescue failed", "unrescuing", "rescuing", "rescue wait", "active"]]);
const UNRESCUE_ROWS: Array<[string, RescueRow]> = [
  ...perState("`rescue`, `rescue failed`", ["rescue", "rescue failed"], (state) => ({
    node: rescueNode({ provision_state: state }),
    expected: "act unrescue" as const,
  })),
  ["`unrescue failed`", { node: rescueNode({ provision_state: "unrescue failed" }), expected: "act unrescue" }],
  ["`unrescue failed`, this run already asked", { node: rescueNode({ provision_state: "unrescue failed" }), executed: ["unrescue"], expected: UnrescueFailedError }],
  ...perState("`unrescuing`, `rescuing`, `rescue wait`", ["unrescuing", "rescuing", "rescue wait"], (state) => ({
    node: rescueNode({ provision_state: state }),
    expected: "wait" as const,
  })),
  ["`active`", { node: rescueNode(), expected: "done" }],
  ["not bound", { node: rescueNode({ instance_uuid: OTHER }), expected: NodeBindingError }],
  ["gone (404)", { node: null, expected: InstanceNotFoundError }],
  ...perState(
    "anything else",
    [...PROVISION_STATES.filter((state) => !UNRESCUE_NAMED.has(state)), "unknown"],
    (state) => ({ node: rescueNode({ provision_state: state }), expected: OperationFailedError }),
  ),
];

describe("decideRescue (docs/driver.md › Rescue)", () => {
  it.each(RESCUE_ROWS)("%s", (_row, { node, executed = [], expected }) => {
    check(decideRescue(ME, node, new Set(executed)), expected);
  });
});

describe("decideUnrescue (docs/driver.md › Unrescue)", () => {
  it.each(UNRESCUE_ROWS)("%s", (_row, { node, executed = [], expected }) => {
    check(decideUnrescue(ME, node, new Set(executed)), expected);
  });
});
