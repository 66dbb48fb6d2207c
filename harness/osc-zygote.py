# The real `openstack` CLI, started once per test worker and forked per command.
#
# /usr/bin/openstack is `sys.exit(openstackclient.shell.main())`; importing the
# client and scanning its plugins' entry points costs ~1.5 s of CPU per command,
# which was most of the OpenStack-client tests' time. This process does that
# import once, then forks a child per command that runs the very same
# openstackclient.shell.main(argv) with the command's own environment, working
# directory and output files, and exits with its exit code. Each command still
# runs in a fresh process image of its own; only the import is shared.
#
# Protocol (one JSON object per line): stdin
#   {"id": n, "argv": [...], "env": {...}, "cwd": "...", "out": path, "err": path}
# stdout: {"id": n, "pid": p} when the child runs, {"id": n, "code": c} when it
# ends (c < 0: killed by signal -c). EOF on stdin: kill the children and exit.
import ctypes
import importlib
import json
import os
import selectors
import signal
import sys

# PR_SET_PDEATHSIG (1) = SIGKILL: die with the test worker that started us.
ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)

import openstackclient.shell as shell  # noqa: E402
import openstack.config.loader  # noqa: E402
from stevedore import _cache  # noqa: E402

# Warm the entry-point scan (the plugins of every `openstack` command group).
for group in ("openstack.cli", "openstack.cli.base", "openstack.cli.extension"):
    _cache.get_group_all(group)
for module in (
    "openstackclient.compute.v2.server", "openstackclient.compute.v2.flavor",
    "openstackclient.compute.v2.keypair", "openstackclient.compute.v2.server_group",
    "openstackclient.image.v2.image", "openstackclient.network.v2.network",
    "openstackclient.network.v2.port", "openstackclient.network.v2.subnet",
    "openstackclient.volume.v3.volume", "openstackclient.common.quota",
    "openstackclient.identity.v3.token", "novaclient.client", "glanceclient.v2.client",
    "cinderclient.v3.client", "openstack.connection",
):
    try:
        importlib.import_module(module)
    except ImportError:
        pass


def run_child(request):
    """In the forked child: become the command, never return."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        # openstacksdk computes its clouds.yaml search path (cwd, ~/.config)
        # when the module loads: load it again for this HOME and cwd.
        importlib.reload(openstack.config.loader)
        sys.argv = ["openstack", *request["argv"]]
        try:
            result = shell.main(request["argv"])
            code = result if isinstance(result, int) else 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        import atexit
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException as error:  # the child must never return into the loop
        try:
            os.write(2, f"osc-zygote: {error!r}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


def main():
    children = {}  # pid -> request id
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write)
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "in")
    selector.register(wake_read, selectors.EVENT_READ, "wake")
    pending = b""

    def say(message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def reap():
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            request_id = children.pop(pid, None)
            if request_id is not None:
                say({"id": request_id, "code": os.waitstatus_to_exitcode(status)})

    while True:
        for key, _ in selector.select():
            if key.data == "wake":
                os.read(wake_read, 4096)
                reap()
                continue
            chunk = os.read(sys.stdin.fileno(), 65536)
            if chunk == b"":
                for pid in children:
                    os.kill(pid, signal.SIGKILL)
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    run_child(request)
                children[pid] = request["id"]
                say({"id": request["id"], "pid": pid})
        reap()


main()
