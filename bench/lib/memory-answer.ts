// What bench/memory-child.ts reports to bench/memory.ts: one stdout line,
// RESULT_PREFIX followed by a MemoryAnswer as JSON.

export const RESULT_PREFIX = "RESULT ";

/** process.memoryUsage() after a forced GC, at one named stage. */
export interface Stage {
  stage: string;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface MemoryAnswer {
  nodes: number;
  candidates: number;
  stages: Stage[];
  /** V8 heap space → bytes used, at the last stage. */
  spaces?: Record<string, number>;
}
