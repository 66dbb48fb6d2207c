// Errors the CLI expects: printed as one line, exit code 1, no stack trace.

/** A mistake or an impossible request on the user's side. */
export class CliError extends Error {
  override readonly name = "CliError";
}

/** The API answered with an error status. */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(`${message} (HTTP ${status})`);
  }
}
