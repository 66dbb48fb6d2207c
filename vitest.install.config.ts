import { defineConfig } from "vitest/config";

// `npm run test:install`: packs the package, installs the tarball into a temp
// prefix and runs the installed command. Kept out of `npm test` because the
// install compiles better-sqlite3 from source (minutes on 2 cores).
export default defineConfig({
  test: {
    include: ["test/install/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 900_000,
    hookTimeout: 900_000,
  },
});
