// Ironic's fake-hardware nodes cannot have a socat console (the `fake` console
// interface reports `{}`). Tests and the screenshot script that need one put the
// hand-made fault proxy (fault-proxy.ts) in front of the real Ironic with this
// rule: GET …/states/console keeps Ironic's console_enabled, and an enabled
// console's info becomes socat `consoleUrl` (a local TCP listener of the caller).
// Everything else, including PUT …/states/console, still reaches Ironic unchanged.
import type { FaultRule } from "./fault-proxy.js";

export function socatConsoleRule(consoleUrl: string): FaultRule {
  return {
    method: "GET",
    path: /^\/v1\/nodes\/[^/]+\/states\/console(\?|$)/,
    action: {
      kind: "rewrite",
      rewrite: (upstream) => {
        if (upstream.status !== 200) return upstream;
        const state = JSON.parse(upstream.body) as { console_enabled: boolean };
        const info = state.console_enabled ? { type: "socat", url: consoleUrl } : null;
        return { status: 200, body: JSON.stringify({ console_enabled: state.console_enabled, console_info: info }) };
      },
    },
  };
}
