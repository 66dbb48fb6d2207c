// The error a promise is refused with, for tests that look into it (its class,
// message, fields); a promise that resolves, or is refused with a non-Error, fails the test.
export async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}
