// The configuration file and htpasswd file of a throwaway local Ironic (see
// docs in /work/shared/docs/ironic-local.md for the recipe it follows).
// Option names were checked against the installed Ironic 21.4.4 sources under
// /usr/lib/python3/dist-packages/ironic/conf/.

import bcrypt from "bcryptjs";
import { join } from "node:path";

/** `[section] key = value` lines; later layers override earlier ones key by key. */
export type IniConfig = Record<string, Record<string, string>>;

export interface IronicConfigInput {
  dir: string;
  port: number;
  auth: "noauth" | "http_basic";
  htpasswdFile?: string;
  automatedClean: boolean;
  extraConfig?: IniConfig;
}

export function ironicConfig(input: IronicConfigInput): IniConfig {
  const { dir } = input;
  const base: IniConfig = {
    DEFAULT: {
      auth_strategy: input.auth,
      // Fake hardware everywhere: state machines, API and DB are real Ironic,
      // only the BMC side is simulated. Delays are [fake] *_delay (default 0).
      enabled_hardware_types: "fake-hardware",
      enabled_deploy_interfaces: "fake",
      enabled_power_interfaces: "fake",
      enabled_management_interfaces: "fake",
      enabled_boot_interfaces: "fake",
      enabled_console_interfaces: "fake,no-console",
      enabled_network_interfaces: "noop",
      enabled_rescue_interfaces: "fake,no-rescue",
      // external: volumes managed outside OpenStack (registered volumes, issue 13).
      enabled_storage_interfaces: "noop,fake,external",
      enabled_vendor_interfaces: "fake,no-vendor",
      enabled_bios_interfaces: "fake,no-bios",
      enabled_raid_interfaces: "fake,no-raid",
      enabled_inspect_interfaces: "fake,no-inspect",
      // API and conductor in one process, talking by direct calls: no broker.
      rpc_transport: "none",
      // Fixed conductor name, so a restart on the same dir re-registers the same
      // conductor instead of leaving a dead one (default is the machine's FQDN).
      host: "localhost",
      // Defaults point into the package directory / the shared /tmp; keep every
      // file this Ironic writes inside its own dir.
      state_path: dir,
      tempdir: join(dir, "tmp"),
      ...(input.htpasswdFile === undefined ? {} : { http_basic_auth_user_file: input.htpasswdFile }),
    },
    database: { connection: `sqlite:///${join(dir, "ironic.db")}` },
    api: {
      host_ip: "127.0.0.1",
      port: String(input.port),
      // singleprocess runs the API in-process (oslo ServiceLauncher), so this is
      // a no-op today; it stops a future ProcessLauncher from forking up to 4
      // API workers that would each need to be reaped.
      api_workers: "1",
    },
    dhcp: { dhcp_provider: "none" },
    conductor: {
      automated_clean: String(input.automatedClean),
      // Periodic intervals (sync_power_state_interval, check_provision_state_interval
      // …) stay at their defaults on purpose: with fake interfaces every transition
      // is done by a worker right after the API call (~0.1 s measured), periodic
      // tasks only enforce timeouts and power sync, and the fake power interface
      // reports the DB's own state, so shorter intervals would add load, not speed.
    },
    // Ironic calls Nova's os-server-external-events on power changes by default
    // and logs a warning per change when no Nova is configured. There is none
    // unless the caller configures one through extraConfig.nova (which wins).
    nova: { send_power_notifications: "false" },
    oslo_concurrency: { lock_path: join(dir, "locks") },
  };
  return mergeIni(base, input.extraConfig ?? {});
}

export function mergeIni(base: IniConfig, extra: IniConfig): IniConfig {
  const merged: IniConfig = {};
  for (const [section, values] of Object.entries(base)) merged[section] = { ...values };
  for (const [section, values] of Object.entries(extra)) {
    merged[section] = { ...(merged[section] ?? {}), ...values };
  }
  return merged;
}

// oslo.config has no inline comments and no escaping: a newline in a value would
// start a new option, so reject it rather than write a different config.
const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;

export function renderIni(config: IniConfig): string {
  const lines = ["# Written by ironic-compute's dev harness (src/dev/ironic-process.ts)."];
  for (const [section, values] of Object.entries(config)) {
    if (!SAFE_NAME.test(section)) throw new Error(`invalid Ironic config section name: ${section}`);
    lines.push("", `[${section}]`);
    for (const [key, value] of Object.entries(values)) {
      if (!SAFE_NAME.test(key)) throw new Error(`invalid Ironic config key [${section}] ${key}`);
      if (/[\r\n]/.test(value)) throw new Error(`Ironic config value [${section}] ${key} contains a newline`);
      lines.push(`${key} = ${value}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Apache-style htpasswd with bcrypt entries, the only digest Ironic's
 * http_basic accepts ($2y$/$2a$/$2b$; bcryptjs writes $2b$).
 *
 * Cost 5 is what `htpasswd -B` uses by default. Ironic checks the password on
 * every request, inside its single eventlet thread: measured 2 ms per check at
 * cost 5 but 65 ms at cost 10, which would serialise all API calls behind bcrypt.
 */
export async function htpasswdContent(users: Record<string, string>, cost = 5): Promise<string> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    if (!/^[^:\s]+$/.test(user)) throw new Error(`invalid basic-auth user name: ${JSON.stringify(user)}`);
    if (/[\r\n]/.test(password)) throw new Error(`password of ${user} contains a newline`);
    lines.push(`${user}:${await bcrypt.hash(password, cost)}`);
  }
  return `${lines.join("\n")}\n`;
}
