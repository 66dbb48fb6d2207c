// Makes sure Debian's OpenStack clients (python3-openstackclient, which brings
// python3-openstacksdk and python3-novaclient) are installed, so the end-to-end
// tests can run the REAL `openstack` CLI and openstacksdk on a fresh machine.
// Like ironic-install.ts: Debian's /usr/bin/python3 is the interpreter that sees
// the packages; concurrent callers in one process share one attempt.

import { accessSync, constants } from "node:fs";
import { aptInstall, sharedAttempt } from "../src/dev/apt-install.js";
import { DEBIAN_PYTHON, debianPythonRuns } from "../src/dev/ironic-install.js";

export const OPENSTACK_CLI = "/usr/bin/openstack";

const CHECK = `import openstack, novaclient, openstackclient`;

/** Resolves when /usr/bin/openstack exists and Debian's python imports the clients; installs them if root. */
export const ensureOpenstackClientInstalled: () => Promise<void> = sharedAttempt(async () => {
  if (await usable()) return;
  await aptInstall(
    "python3-openstackclient",
    `test -x ${OPENSTACK_CLI} && ${DEBIAN_PYTHON} -c '${CHECK}' 2>/dev/null`,
    "openstack-client-install",
  );
  if (!(await usable())) throw new Error(`apt-get finished but ${OPENSTACK_CLI} is still not usable`);
});

function usable(): Promise<boolean> {
  try {
    accessSync(OPENSTACK_CLI, constants.X_OK);
  } catch (error) {
    if (error instanceof Error && "code" in error) return Promise.resolve(false);
    throw error;
  }
  return debianPythonRuns(CHECK);
}
