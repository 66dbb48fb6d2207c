// Lint rules that keep the security requirements honest:
// - no `any` (S15), no floating promises (S13),
// - no empty catch blocks and no catch-all used for control flow (S2): a catch
//   must either rethrow, narrow with a typed check, or be a documented boundary.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The layer rule (README "Layers"): ironic → driver → compute → api | cli, with
// store and log beneath. A folder of src/ may import only the folders listed
// for it; an upward or sideways import fails `npm run lint`. dev (what
// `ironic-compute dev` runs) sits beside cli. Nothing in src/ reaches outside
// it: the test and bench harness (harness/) is not part of the product.
const LAYERS = {
  log: [],
  store: ["log"],
  ironic: ["log"],
  driver: ["ironic", "log"],
  compute: ["driver", "store", "log"],
  api: ["compute", "store", "log"],
  web: ["compute", "store", "log"],
  dev: ["ironic", "compute", "log"],
  cli: ["api", "web", "compute", "driver", "ironic", "store", "log", "dev"],
};

function layerRule(layer, allowed) {
  const forbidden = Object.keys(LAYERS).filter((other) => other !== layer && !allowed.includes(other));
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...forbidden.map((other) => ({
              // Relative from src/<layer>/ or one folder deeper (src/cli/client/).
              group: [`../${other}/**`, `../../${other}/**`],
              message: `layer rule: src/${layer} may import only ${allowed.length === 0 ? "itself" : allowed.join(", ")} (README "Layers"), not src/${other}.`,
            })),
            {
              group: ["**/harness/**", "**/test/**", "**/bench/**", "**/scripts/**"],
              message: "layer rule: src/ never imports outside src/ (harness/, test/ and bench/ are not part of the product).",
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".local/**", ".scratch/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "no-empty": ["error", { allowEmptyCatch: false }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-extraneous-class": "off",
      "@typescript-eslint/no-unnecessary-condition": ["error", { allowConstantLoopConditions: true }],
    },
  },
  ...Object.entries(LAYERS).map(([layer, allowed]) => layerRule(layer, allowed)),
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  // The dashboard's page (plain ES modules run by the browser, src/web/static/).
  {
    files: ["src/web/static/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(
        ["window", "document", "location", "fetch", "setTimeout", "clearTimeout", "TextEncoder", "TextDecoder", "btoa", "atob", "WebSocket", "URL", "URLSearchParams", "Node", "navigator", "ResizeObserver", "Document", "CSSStyleSheet"].map((name) => [name, "readonly"]),
      ),
    },
  },
);
