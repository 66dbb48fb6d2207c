// Issue 19 #1: the systemd unit and its sysusers/tmpfiles snippets under
// packaging/. systemd-analyze (Debian's systemd, installed when missing) checks
// the unit; the hardening the unit promises is asserted key by key.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { aptInstall } from "../../src/dev/apt-install.js";

const PACKAGING = join(import.meta.dirname, "..", "..", "packaging");
const BIN = join(import.meta.dirname, "..", "..", "bin", "ironic-compute.js");
const UNIT = readFileSync(join(PACKAGING, "ironic-compute.service"), "utf8");

/** `Key=value` lines of one [Section] (comments and blank lines skipped; a repeated key keeps its last value). */
function section(unit: string, name: string): Map<string, string> {
  const keys = new Map<string, string>();
  let current = "";
  for (const raw of unit.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = header[1];
    } else if (current === name) {
      const equals = line.indexOf("=");
      keys.set(line.slice(0, equals), line.slice(equals + 1));
    }
  }
  return keys;
}

describe("packaging/", () => {
  it("the unit runs `serve --config` as its own user with the 0700 state directory and the hardening options", () => {
    const service = section(UNIT, "Service");
    expect(service.get("ExecStart")).toBe("/usr/bin/ironic-compute serve --config /etc/ironic-compute/config.yaml");
    expect(Object.fromEntries(service)).toMatchObject({
      Type: "simple",
      User: "ironic-compute",
      StateDirectory: "ironic-compute",
      StateDirectoryMode: "0700",
      NoNewPrivileges: "yes",
      ProtectSystem: "strict",
      ReadWritePaths: "/var/lib/ironic-compute",
      ProtectHome: "yes",
      PrivateTmp: "yes",
      PrivateDevices: "yes",
      ProtectKernelTunables: "yes",
      ProtectKernelModules: "yes",
      ProtectKernelLogs: "yes",
      ProtectControlGroups: "yes",
      RestrictAddressFamilies: "AF_UNIX AF_INET AF_INET6",
      RestrictNamespaces: "yes",
      LockPersonality: "yes",
      MemoryDenyWriteExecute: "no",
      SystemCallFilter: "@system-service",
      CapabilityBoundingSet: "",
    });
    expect(section(UNIT, "Install").get("WantedBy")).toBe("multi-user.target");
  });

  it("systemd-analyze verify accepts the unit without a warning", async () => {
    await aptInstall("systemd", "command -v systemd-analyze >/dev/null", "packaging-test");
    // verify checks that ExecStart's program exists: point it at this checkout's command.
    const dir = mkdtempSync(join(tmpdir(), "ironic-compute-unit-"));
    const unitFile = join(dir, "ironic-compute.service");
    writeFileSync(unitFile, UNIT.replace("ExecStart=/usr/bin/ironic-compute ", `ExecStart=${BIN} `));
    const { stdout, stderr } = await promisify(execFile)("systemd-analyze", ["verify", "--man=no", unitFile]);
    expect(stdout + stderr).toBe("");
    // The check can fail: an unknown key is reported (and would be ignored by systemd).
    writeFileSync(join(dir, "broken.service"), `${UNIT.replace("ExecStart=/usr/bin/ironic-compute ", `ExecStart=${BIN} `)}[Service]\nProtectSystm=strict\n`);
    const broken = await promisify(execFile)("systemd-analyze", ["verify", "--man=no", join(dir, "broken.service")]);
    expect(broken.stderr).toMatch(/Unknown key 'ProtectSystm'/);
  });

  it("sysusers makes the system user; tmpfiles makes the 0700 state directory and the 0600 config", () => {
    const sysusers = readFileSync(join(PACKAGING, "ironic-compute.sysusers.conf"), "utf8");
    expect(sysusers).toMatch(/^u ironic-compute - "[^"]+" \/var\/lib\/ironic-compute \/usr\/sbin\/nologin$/m);
    const tmpfiles = readFileSync(join(PACKAGING, "ironic-compute.tmpfiles.conf"), "utf8");
    expect(tmpfiles).toMatch(/^d \/var\/lib\/ironic-compute 0700 ironic-compute ironic-compute -$/m);
    expect(tmpfiles).toMatch(/^d \/etc\/ironic-compute 0750 root ironic-compute -$/m);
    expect(tmpfiles).toMatch(/^[fz] \/etc\/ironic-compute\/config\.yaml 0600 ironic-compute ironic-compute -$/m);
  });
});
