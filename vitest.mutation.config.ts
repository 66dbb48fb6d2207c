import { defineConfig } from "vitest/config";

// The unit tests StrykerJS runs for every mutant (`npm run test:mutation`): pure
// tests only — no Ironic, no PostgreSQL, no global setup — so a mutant costs
// milliseconds, not the seconds a service start would.
export default defineConfig({
  test: {
    include: [
      "test/driver/console-url.test.ts",
      "test/driver/inventory.test.ts",
      "test/driver/availability.test.ts",
      "test/log/redaction.test.ts",
      "test/driver/config-drive.test.ts",
      "test/driver/hostname.test.ts",
      "test/store/ip.test.ts",
      "test/compute/user-data.test.ts",
      "test/mutation/**/*.test.ts",
    ],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 20_000,
  },
});
