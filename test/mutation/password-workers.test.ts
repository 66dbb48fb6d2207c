// Pure checks of src/compute/password-workers.ts (issue 8 #7), written for the
// mutation run: bcrypt in worker threads answers like bcryptjs, a refused job
// says why, the pool is bounded, and closing refuses new work and ends running
// work with a reason. Pools are built inside each test (no src/ code at load);
// bcrypt cost 4 keeps each check at a millisecond or two.
import { existsSync, readdirSync } from "node:fs";
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { refusal } from "../support/refusal.js";
import { ServiceBusyError } from "../../src/compute/contract.js";
import { PasswordWorkerError, PasswordWorkers, type PasswordHasher } from "../../src/compute/password-workers.js";

/** Runs `use` on a fresh pool and closes it whatever happens. */
async function withPool(options: { workers: number; queueLimit: number }, use: (pool: PasswordHasher) => Promise<void>): Promise<void> {
  const pool = new PasswordWorkers(options);
  try {
    await use(pool);
  } finally {
    await pool.close();
  }
}

describe("PasswordWorkers: answers", () => {
  it("hashes at the cost asked for and compares like bcryptjs", async () => {
    await withPool({ workers: 1, queueLimit: 0 }, async (pool) => {
      const hash = await pool.hash("correct horse", 5);
      expect(hash).toMatch(/^\$2b\$05\$.{53}$/);
      expect(bcrypt.compareSync("correct horse", hash)).toBe(true);
      expect(await pool.compare("correct horse", hash)).toBe(true);
      expect(await pool.compare("correct horsf", hash)).toBe(false);
      expect(await pool.compare("anything", "not a bcrypt hash")).toBe(false);
      expect(await pool.compare("pw", bcrypt.hashSync("pw", 4))).toBe(true);
    });
  });

  it("a job bcrypt refuses is a PasswordWorkerError with bcrypt's reason, and the worker serves the next job", async () => {
    await withPool({ workers: 1, queueLimit: 0 }, async (pool) => {
      const error = await refusal(pool.hash("pw", 4.5));
      expect(error).toBeInstanceOf(PasswordWorkerError);
      expect([error.name, error.message]).toEqual(["PasswordWorkerError", "Missing salt rounds"]);
      expect(await pool.compare("pw", bcrypt.hashSync("pw", 4))).toBe(true);
    });
  });
});

describe("PasswordWorkers: bounds", () => {
  it("runs `workers` jobs at once and queues `queueLimit`; the rest are refused at once", async () => {
    await withPool({ workers: 2, queueLimit: 1 }, async (pool) => {
      const hash = bcrypt.hashSync("pw", 4);
      const results = await Promise.allSettled([0, 1, 2, 3].map(() => pool.compare("pw", hash)));
      expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected"]);
      const last = results[3];
      expect(last?.status === "rejected" ? last.reason : undefined).toBeInstanceOf(ServiceBusyError);
      expect(last?.status === "rejected" ? (last.reason as Error).message : undefined).toBe("Too many password checks at once; try again shortly.");
      // Once they are done, the pool takes work again.
      expect(await Promise.all([pool.compare("pw", hash), pool.compare("pw", hash), pool.compare("x", hash)])).toEqual([true, true, false]);
    });
  });
});

describe("PasswordWorkers: reuse", () => {
  // Threads of this process (Linux): a worker is one. A tolerance of 2 allows for a
  // runtime thread starting meanwhile; a pool that did not reuse its workers would
  // add one per job (8 here).
  it.skipIf(!existsSync("/proc/self/task"))("reuses an idle worker instead of starting a thread per job, and ends them on close", async () => {
    const threads = (): number => readdirSync("/proc/self/task").length;
    const before = threads();
    const pool = new PasswordWorkers({ workers: 2, queueLimit: 0 });
    const hash = bcrypt.hashSync("pw", 4);
    expect(await pool.compare("pw", hash)).toBe(true);
    const withOne = threads();
    expect(withOne - before).toBeGreaterThanOrEqual(1);
    for (let job = 0; job < 8; job += 1) expect(await pool.compare("pw", hash)).toBe(true);
    expect(threads() - withOne).toBeLessThan(2);
    await pool.close();
    expect(threads() - before).toBeLessThan(1);
  });

  it("a reused worker keeps no listeners of earlier jobs: no leak warning, and each job gets its own answer", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on("warning", onWarning);
    try {
      await withPool({ workers: 2, queueLimit: 0 }, async (pool) => {
        const hash = bcrypt.hashSync("pw", 4);
        for (let job = 0; job < 12; job += 1) expect(await pool.compare("pw", hash)).toBe(true);
        // Two at once after the sequence: a worker listed twice as idle would take both and answer the second with the first's result.
        expect(await Promise.all([pool.compare("pw", hash), pool.compare("wrong", hash)])).toEqual([true, false]);
        await new Promise((resolve) => setImmediate(resolve));
      });
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.map((warning) => warning.name)).toEqual([]);
  });
});

describe("PasswordWorkers: closing", () => {
  it("refuses work once closed, with the reason", async () => {
    const pool = new PasswordWorkers({ workers: 1, queueLimit: 0 });
    expect(await pool.compare("x", bcrypt.hashSync("x", 4))).toBe(true);
    await pool.close();
    const error = await refusal(pool.compare("x", "y"));
    expect([error.constructor.name, error.message]).toEqual(["PasswordWorkerError", "the password workers are closed"]);
    const hashing = await refusal(pool.hash("x", 4));
    expect(hashing.message).toBe("the password workers are closed");
  });

  it("ends a running job with the worker's exit when the pool closes", async () => {
    const pool = new PasswordWorkers({ workers: 1, queueLimit: 0 });
    // Cost 14 takes about a second: still running when the pool closes.
    const running = refusal(pool.hash("slow", 14));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    const error = await running;
    expect([error.constructor.name, error.message]).toEqual(["PasswordWorkerError", "the password worker exited (code 1)"]);
  });
});
