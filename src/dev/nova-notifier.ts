// The `[nova]` section that makes a real Ironic (Debian python3-ironic 21.4.4,
// python3-keystoneauth1 5.0.0) send its power notifications to OUR service's
// Nova-compatible `POST /v2.1/os-server-external-events`, with HTTP Basic
// credentials and no Keystone. Pass the result as `startIronic({ extraConfig })`.
//
// Verified against the running Ironic (test/dev/nova-notifier.test.ts and
// throwaway probes), and in its sources:
//
// How Ironic builds the client (ironic/common/nova.py, ironic/common/keystone.py):
//   keystoneauth's load_session/auth/adapter_from_conf_options on group "nova",
//   service_type "compute" (default), version "2.1", and
//   adapter.post('/os-server-external-events', microversion='2.76', raise_exc=False).
//   Nothing requires auth_url: keystoneauth's own `http_basic` plugin (options
//   username, password, endpoint) is a FixedEndpointPlugin. With
//   `endpoint_override` (or the plugin's `endpoint`, equivalent) no catalog and no
//   version discovery is used: the only request is the POST to
//   `<endpoint>/os-server-external-events`, the endpoint taken verbatim (the "2.1"
//   is not appended, so the endpoint must already end in /v2.1). The adapter is
//   built once per Ironic process, at the first notification.
//   Other auth types seen on the wire: `auth_type = none` sends
//   `X-Auth-Token: notused`; no auth_type at all sends no credentials.
//
// What arrives:
//   POST /v2.1/os-server-external-events
//   Authorization: Basic base64(username:password)
//   OpenStack-API-Version: compute 2.76 and X-OpenStack-Nova-API-Version: 2.76
//   X-OpenStack-Request-ID: req-<uuid> (Ironic's global request id)
//   Content-Type: application/json, User-Agent: ironic keystoneauth1/5.0.0 …
//   {"events": [{"name": "power-update", "server_uuid": "<instance_uuid>",
//                "tag": "POWER_ON" | "POWER_OFF"}]}   (always exactly one event)
//
// When (conductor/utils.py node_power_action, conductor/manager.py power sync):
//   only if `[nova] send_power_notifications` is true (Ironic's default; our
//   ironic-config.ts turns it off unless overridden) AND the node has an
//   instance_uuid; after a successful power action that changed the state
//   ("power on" → POWER_ON, "power off"/"soft power off" → POWER_OFF,
//   "rebooting"/"soft rebooting" → POWER_ON; none when the node is already in the
//   requested state), and when the periodic power sync or power-failure recovery
//   records a different actual state. A fake-interface deploy/undeploy sends none.
//
// Timing: asynchronous to Ironic's API (PUT .../states/power answers 202 first),
//   then the conductor worker posts ~40-110 ms after that 202 (≈150-250 ms after
//   the PUT was sent, on a dev machine). The worker waits for our answer while it
//   still HOLDS THE NODE'S EXCLUSIVE LOCK (power_state is already saved): other
//   writes to that node meanwhile get 409 NodeLocked after Ironic's own lock
//   retries. Without a `timeout` the wait is unbounded (measured: the lock held
//   for the full 12 s of a slow answer), hence the timeout below. So the
//   receiving handler must answer quickly and must not write to the node.
//
// Answers: Ironic reads `events[0].code` of a 2xx answer (< 400 = success). A
//   non-2xx answer, an event code >= 400, a refused connection or a timeout
//   (reported as ConnectTimeout) is logged as a WARNING and the event is DROPPED:
//   one attempt, no retry (connect_retries/status_code_retries default to 0; 503
//   is not retried either). The power action itself still succeeds, so a missed
//   event must be repaired by our periodic power reconciliation.
//
// Encoding: oslo.config substitutes `$name` in values and strips surrounding
//   whitespace and one pair of matching quotes. Every value is therefore written
//   double-quoted with `$` doubled, which keeps any password intact (checked with
//   spaces, quotes, `$` and `:`). keystoneauth formats `endpoint_override` with
//   `%`, so a URL containing `%` is refused.
//
// Secret: the password ends up only in Ironic's config file. startIronic writes
//   it with mode 0600 inside a mkdtemp dir (0700). Ironic does not log it: option
//   dumps mask `secret=True` options, and keystoneauth's debug request log shows
//   only a SHA-256 of the Authorization header.

import type { IniConfig } from "./ironic-config.js";

export interface NovaNotifierOptions {
  /** Base of the compute API, ending in the version, e.g. http://127.0.0.1:8774/v2.1 */
  computeUrl: string;
  /** A user of our service with the `service` role (the admin role works too). */
  username: string;
  password: string;
  /** Whole seconds Ironic waits for the answer while holding the node lock; default 5. */
  timeoutSeconds?: number;
}

export const DEFAULT_NOTIFIER_TIMEOUT_SECONDS = 5;

/** The `[nova]` section for startIronic's extraConfig (see the header for the facts). */
export function novaNotifierConfig(options: NovaNotifierOptions): IniConfig {
  const computeUrl = checkedComputeUrl(options.computeUrl);
  const { username, password } = options;
  if (username === "" || username.includes(":")) {
    // Basic auth splits user from password at the first colon.
    throw new Error(`novaNotifierConfig: invalid user name ${JSON.stringify(username)} (empty or contains ':')`);
  }
  if (password === "") throw new Error("novaNotifierConfig: empty password");
  for (const [what, value] of [["user name", username], ["password", password]] as const) {
    if (/[\r\n]/.test(value)) throw new Error(`novaNotifierConfig: ${what} contains a newline`);
  }
  const timeout = options.timeoutSeconds ?? DEFAULT_NOTIFIER_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeout) || timeout < 1) {
    throw new Error(`novaNotifierConfig: timeoutSeconds must be a positive integer, got ${timeout}`);
  }
  return {
    nova: {
      send_power_notifications: "true",
      auth_type: "http_basic",
      username: osloValue(username),
      password: osloValue(password),
      endpoint_override: osloValue(computeUrl),
      // keystoneauth session timeout (an IntOpt); unset means wait forever.
      timeout: String(timeout),
    },
  };
}

/** A value oslo.config reads back verbatim: quoted, `$` doubled. */
function osloValue(value: string): string {
  return `"${value.replaceAll("$", "$$$$")}"`;
}

function checkedComputeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error: unknown) {
    throw new Error(`novaNotifierConfig: computeUrl is not a URL: ${JSON.stringify(text)}`, { cause: error });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`novaNotifierConfig: computeUrl must be http(s): ${text}`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new Error("novaNotifierConfig: computeUrl must not carry credentials, a query or a fragment");
  }
  if (text.includes("%")) {
    throw new Error(`novaNotifierConfig: computeUrl must not contain '%' (keystoneauth %-formats it): ${text}`);
  }
  return text.replace(/\/+$/, "");
}
