import { defineConfig } from "vitest/config";

// One real Ironic is started for the whole run (test/global-setup.ts) and shared
// by every file; files keep out of each other's way by using their own resource
// classes. Ironic is single-threaded Python, so two workers are plenty.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Packs and installs the tarball (minutes): `npm run test:install`, vitest.install.config.ts.
    exclude: ["test/install/**", "**/node_modules/**"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
