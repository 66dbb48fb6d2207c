// Typed errors of the driver layer (S2). The compute layer reacts to each kind:
// `NodeAlreadyClaimedError` → try the next candidate; `NodeBindingError` → refuse
// to touch the node; everything else → ERROR with a sanitized fault.
import { KindedError } from "../ironic/errors.js";

export abstract class DriverError extends KindedError {
  readonly node: string | undefined;
  readonly instance: string | undefined;

  constructor(message: string, ids: { node?: string; instance?: string; cause?: unknown } = {}) {
    super(message, ids.cause);
    this.node = ids.node;
    this.instance = ids.instance;
  }
}

/** Input from a user or operator (flavor, image, metadata, hostname …) is unusable. */
export class InvalidInputError extends DriverError {
  readonly kind = "invalid-input";
}

/** The node is in maintenance, faulted, powered in error, or not `available`. */
export class NodeNotAvailableError extends DriverError {
  readonly kind = "node-not-available";
}

/** Another instance claimed the node first (Ironic answered 409 associated). */
export class NodeAlreadyClaimedError extends DriverError {
  readonly kind = "node-already-claimed";
}

/** The node no longer belongs to this instance (S1, S3): nothing may be written to it. */
export class NodeBindingError extends DriverError {
  readonly kind = "node-binding";
}

/** `GET …/validate` failed for an interface that must pass (deploy, power, storage). */
export class NodeValidationError extends DriverError {
  readonly kind = "node-validation";
}

/** Ironic reported failure of an operation (deploy failed, rescue failed, …). */
export class OperationFailedError extends DriverError {
  readonly kind = "operation-failed";
}

/** A bounded wait ran out before Ironic reached the wanted state. */
export class OperationTimeoutError extends DriverError {
  readonly kind = "operation-timeout";
}

/** The serial console cannot be offered (disabled, wrong type, unsafe URL). */
export class ConsoleUnavailableError extends DriverError {
  readonly kind = "console-unavailable";
}

/** The instance already holds another node (a claim made before a crash). */
export class InstanceAlreadyPlacedError extends DriverError {
  readonly kind = "instance-already-placed";
}

/** The instance has no node in Ironic (never deployed, or already torn down). */
export class InstanceNotFoundError extends DriverError {
  readonly kind = "instance-not-found";
}

/** Ironic reported `rescue failed`. */
export class RescueFailedError extends DriverError {
  readonly kind = "rescue-failed";
}

/** Ironic reported `unrescue failed`. */
export class UnrescueFailedError extends DriverError {
  readonly kind = "unrescue-failed";
}

/** A power action ended without the node in the wanted power state. */
export class PowerActionFailedError extends DriverError {
  readonly kind = "power-action-failed";
}
