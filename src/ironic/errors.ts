// Typed errors of the Ironic client (S2). Every failure the client can produce is
// one of these classes, so callers catch exactly what they can act on
// (`instanceof NodeAssociatedError` → pick another node) and let the rest travel
// to the one place that records a fault.

export interface IronicErrorDetails {
  /** HTTP method and path of the request (never the body: it may carry secrets). */
  readonly request?: string;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  readonly cause?: unknown;
}

/**
 * An error named by its class, with a `kind` callers can switch on and an
 * optional cause: the base of the Ironic client's and the driver's errors.
 */
export abstract class KindedError extends Error {
  abstract readonly kind: string;

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
  }
}

export abstract class IronicError extends KindedError {
  readonly request: string | undefined;
  readonly status: number | undefined;

  constructor(message: string, details: IronicErrorDetails = {}) {
    super(message, details.cause);
    this.request = details.request;
    this.status = details.status;
  }
}

/** 404: the node (or port, allocation …) does not exist. */
export class IronicNotFoundError extends IronicError {
  readonly kind = "not-found";
}

/** 409 with "is locked by host": transient, retried by the retry policy. */
export class NodeLockedError extends IronicError {
  readonly kind = "node-locked";
}

/**
 * 409 because the node already belongs to an instance or allocation: the claim
 * lost a race. Never retried; the scheduler reacts by choosing another node.
 */
export class NodeAssociatedError extends IronicError {
  readonly kind = "node-associated";
}

/**
 * 409 because the instance UUID being set is already on another node: the
 * instance was placed before (e.g. by a process that died after its claim).
 */
export class InstanceAssociatedError extends IronicError {
  readonly kind = "instance-associated";
}

/** Any other 409 (e.g. a VIF already attached, a duplicate name). */
export class IronicConflictError extends IronicError {
  readonly kind = "conflict";
}

/** 400: the request is wrong for the node's current state or shape. Never retried. */
export class IronicBadRequestError extends IronicError {
  readonly kind = "bad-request";
}

/** 401/403: the service credential is missing, wrong, or lacks the role. */
export class AuthError extends IronicError {
  readonly kind = "auth";
}

/** 503, 502, 504, or no connection at all: Ironic is not there right now. */
export class UnavailableError extends IronicError {
  readonly kind = "unavailable";
}

/**
 * The TLS handshake failed: unknown CA, wrong host name, expired certificate.
 * A configuration problem, so never retried.
 */
export class TlsError extends IronicError {
  readonly kind = "tls";
}

/**
 * A request that changes something (provision or power state, PATCH, VIF,
 * volume target …) failed in a way that does not tell whether Ironic acted on
 * it: the connection broke after the request may have been written, or a
 * gateway answered 502/504. It is never resent blindly (a resent deploy gets 400
 * and would unwind a deploy that succeeded); the caller re-reads the node and
 * decides from what it shows.
 */
export class OutcomeUnknownError extends IronicError {
  readonly kind = "outcome-unknown";
}

/** The request did not complete within the per-request timeout. */
export class TimeoutError extends IronicError {
  readonly kind = "timeout";
}

/** The answer could not be trusted: not JSON, wrong shape, too large (S7). */
export class InvalidResponseError extends IronicError {
  readonly kind = "invalid-response";
}

/** 500 and other unexpected statuses. */
export class ServerError extends IronicError {
  readonly kind = "server-error";
}

/**
 * The server's microversion range does not meet ours, or an operation needs a
 * microversion newer than the one negotiated.
 */
export class VersionUnavailableError extends IronicError {
  readonly kind = "version-unavailable";
}

export type IronicErrorKind =
  | IronicNotFoundError["kind"]
  | NodeLockedError["kind"]
  | NodeAssociatedError["kind"]
  | InstanceAssociatedError["kind"]
  | IronicConflictError["kind"]
  | IronicBadRequestError["kind"]
  | AuthError["kind"]
  | UnavailableError["kind"]
  | TlsError["kind"]
  | OutcomeUnknownError["kind"]
  | TimeoutError["kind"]
  | InvalidResponseError["kind"]
  | ServerError["kind"]
  | VersionUnavailableError["kind"];

/**
 * Ironic could not be reached, did not answer in time, or may have acted without
 * our hearing it: worth resuming later from what Ironic then shows, never a
 * reason to unwind.
 */
export function isTransientIronicError(error: unknown): boolean {
  return (
    error instanceof TimeoutError ||
    error instanceof UnavailableError ||
    error instanceof NodeLockedError ||
    error instanceof OutcomeUnknownError
  );
}
