// bcrypt in worker threads (issue 8 #7): right answers, bounded queue, and the
// pool survives close. Hashes are bcryptjs's, so they verify either way.
import bcrypt from "bcryptjs";
import { afterAll, describe, expect, it } from "vitest";
import { ServiceBusyError } from "../../src/compute/contract.js";
import { PasswordWorkers } from "../../src/compute/password-workers.js";

const pool = new PasswordWorkers({ workers: 1, queueLimit: 1 });
afterAll(() => pool.close());

describe("PasswordWorkers", () => {
  it("hashes and compares like bcryptjs", async () => {
    const hash = await pool.hash("correct horse", 4);
    expect(hash).toMatch(/^\$2b\$04\$/);
    expect(bcrypt.compareSync("correct horse", hash)).toBe(true);
    expect(await pool.compare("correct horse", hash)).toBe(true);
    expect(await pool.compare("wrong horse", hash)).toBe(false);
    expect(await pool.compare("anything", "not a bcrypt hash")).toBe(false);
  });

  it("runs `workers` checks at once, queues `queueLimit`, refuses the rest with ServiceBusyError", async () => {
    const hash = bcrypt.hashSync("pw", 8);
    const results = await Promise.allSettled([pool.compare("pw", hash), pool.compare("pw", hash), pool.compare("pw", hash)]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    const [, , third] = results;
    expect(third.status === "rejected" ? third.reason : undefined).toBeInstanceOf(ServiceBusyError);
    expect(await pool.compare("pw", hash)).toBe(true);
  });

  it("refuses work once closed", async () => {
    const closing = new PasswordWorkers({ workers: 1, queueLimit: 0 });
    expect(await closing.compare("x", bcrypt.hashSync("x", 4))).toBe(true);
    await closing.close();
    await expect(closing.compare("x", "y")).rejects.toThrow(/closed/);
  });
});
