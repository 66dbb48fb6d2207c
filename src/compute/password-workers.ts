// bcrypt off the event loop (issue 8 #7): a small pool of worker threads running
// bcryptjs. One check costs ~60 ms of CPU at cost 10; on the main thread that is
// 60 ms during which no other request moves. Here at most `workers` checks run
// at once, at most `queueLimit` wait, and the rest get ServiceBusyError (503 +
// Retry-After) at once, so a flood of logins costs bounded CPU and memory.
//
// The worker is a small CommonJS script given as text (eval), loading bcryptjs
// by its resolved path: it needs no TypeScript loader and no extra file in the
// build, whether the service runs from src/ (tsx), dist/ or a test runner.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { BoundedWork } from "./bounded-work.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const bcrypt = require(workerData.bcryptPath);
parentPort.on("message", (job) => {
  try {
    const result = job.op === "compare" ? bcrypt.compareSync(job.password, job.hash) : bcrypt.hashSync(job.password, job.cost);
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
`;

type Job = { op: "compare"; password: string; hash: string } | { op: "hash"; password: string; cost: number };
type Answer = { ok: true; result: boolean | string } | { ok: false; message: string };

export interface PasswordHasher {
  compare(password: string, hash: string): Promise<boolean>;
  hash(password: string, cost: number): Promise<string>;
  close(): Promise<void>;
}

export class PasswordWorkerError extends Error {
  override readonly name = "PasswordWorkerError";
}

export interface PasswordWorkerOptions {
  /** Checks run at once (one thread each). */
  workers: number;
  /** Checks waiting beyond those before ServiceBusyError. */
  queueLimit: number;
}

export class PasswordWorkers implements PasswordHasher {
  private readonly bcryptPath = createRequire(import.meta.url).resolve("bcryptjs");
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly work: BoundedWork;
  private closed = false;

  constructor(options: PasswordWorkerOptions) {
    this.work = new BoundedWork("password checks", options.workers, options.queueLimit);
  }

  async compare(password: string, hash: string): Promise<boolean> {
    return (await this.run({ op: "compare", password, hash })) === true;
  }

  async hash(password: string, cost: number): Promise<string> {
    const result = await this.run({ op: "hash", password, cost });
    if (typeof result !== "string") throw new PasswordWorkerError("the password worker returned no hash");
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private run(job: Job): Promise<boolean | string> {
    if (this.closed) return Promise.reject(new PasswordWorkerError("the password workers are closed"));
    // BoundedWork admits at most `workers` jobs at once, so a worker is always free here.
    return this.work.run(() => this.onWorker(this.idle.pop() ?? this.spawn(), job));
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.bcryptPath } });
    // Idle workers never keep the process alive; a running job holds a promise anyway.
    worker.unref();
    this.all.add(worker);
    return worker;
  }

  private onWorker(worker: Worker, job: Job): Promise<boolean | string> {
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      const onMessage = (answer: Answer): void => {
        settle();
        if (!this.closed) this.idle.push(worker);
        if (answer.ok) resolve(answer.result);
        else reject(new PasswordWorkerError(answer.message));
      };
      // A worker that fails is dropped; the next job starts a new one.
      const onError = (error: Error): void => {
        settle();
        this.all.delete(worker);
        void worker.terminate();
        reject(new PasswordWorkerError(`the password worker failed: ${error.message}`));
      };
      const onExit = (code: number): void => {
        settle();
        this.all.delete(worker);
        reject(new PasswordWorkerError(`the password worker exited (code ${code})`));
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage(job);
    });
  }
}
