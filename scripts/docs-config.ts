// `npm run docs:config`: writes docs/configuration.md from the configuration schema.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfigReference } from "../src/cli/config-reference.js";

const file = join(import.meta.dirname, "..", "docs", "configuration.md");
writeFileSync(file, renderConfigReference());
process.stdout.write(`wrote ${file}\n`);
