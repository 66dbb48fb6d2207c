#!/usr/bin/python3
"""The server lifecycle through the REAL openstacksdk (Debian python3-openstacksdk
0.101.0), as openstack-compat.md §2.4 describes it. Run by
test/openstack/openstack-cli.test.ts with /usr/bin/python3.

argv[1] is a JSON object: {"auth": "http_basic" or "password", "username",
"password", "flavor", "image_name", "rebuild_image", "server_name",
"keypair_name"} and, per auth:
- http_basic: "compute" (URL ending in /v2.1) and "image" (URL, or null = shape
  A: everything under the compute URL); no Keystone, endpoints given.
- password: "auth_url" (…/identity/v3) and "project_name"; Keystone v3 password
  auth in domain Default and NO endpoint overrides: the SDK finds compute and
  image in the token's catalog.

Prints one JSON object per line, {"step": ..., ...}, and a final {"ok": true}.
Any failure raises: the exit code is then non-zero and the traceback on stderr.
"""
import json
import sys

import openstack


def emit(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def connect_kwargs(cfg):
    kwargs = dict(load_yaml_config=False, load_envvars=False)
    if cfg["auth"] == "password":
        kwargs["auth_type"] = "password"
        kwargs["auth"] = {
            "auth_url": cfg["auth_url"],
            "username": cfg["username"],
            "password": cfg["password"],
            "project_name": cfg["project_name"],
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        }
        return kwargs
    kwargs["auth_type"] = "http_basic"
    kwargs["auth"] = {"username": cfg["username"], "password": cfg["password"], "endpoint": cfg["compute"]}
    if cfg.get("image"):
        kwargs["compute_endpoint_override"] = cfg["compute"]
        kwargs["image_endpoint_override"] = cfg["image"]
    return kwargs


def main():
    cfg = json.loads(sys.argv[1])
    conn = openstack.connect(**connect_kwargs(cfg))
    interval, wait = 1, 60

    image = conn.image.find_image(cfg["image_name"], ignore_missing=False)
    rebuild_image = conn.image.find_image(cfg["rebuild_image"], ignore_missing=False)
    flavor = conn.compute.find_flavor(cfg["flavor"], ignore_missing=False)
    # With password auth the endpoints come from the catalog: show which.
    endpoints = {}
    if cfg["auth"] == "password":
        endpoints = {"compute_endpoint": conn.compute.get_endpoint(), "image_endpoint": conn.image.get_endpoint()}
    emit("lookup", image=image.id, flavor=flavor.id, **endpoints)

    server = conn.compute.create_server(name=cfg["server_name"], image_id=image.id, flavor_id=flavor.id, networks="none")
    server = conn.compute.wait_for_server(server, status="ACTIVE", interval=interval, wait=wait)
    emit("create", id=server.id, status=server.status, project_id=server.project_id)

    found = conn.compute.find_server(cfg["server_name"], ignore_missing=False)
    listed = [s.id for s in conn.compute.servers()]
    emit("find", id=found.id, listed=server.id in listed)

    for kind in ("SOFT", "HARD"):
        conn.compute.reboot_server(server, kind)
        # G20: wait_for_server looks at the local object first; re-fetch it.
        server = conn.compute.wait_for_server(conn.compute.get_server(server.id), status="ACTIVE", interval=interval, wait=wait)
        emit("reboot", type=kind, status=server.status)

    conn.compute.stop_server(server)
    server = conn.compute.wait_for_server(conn.compute.get_server(server.id), status="SHUTOFF", interval=interval, wait=wait)
    emit("stop", status=server.status)
    conn.compute.start_server(server)
    server = conn.compute.wait_for_server(conn.compute.get_server(server.id), status="ACTIVE", interval=interval, wait=wait)
    emit("start", status=server.status)

    conn.compute.rescue_server(server)
    server = conn.compute.wait_for_server(conn.compute.get_server(server.id), status="RESCUE", interval=interval, wait=wait)
    emit("rescue", status=server.status)
    conn.compute.unrescue_server(server)
    server = conn.compute.wait_for_server(conn.compute.get_server(server.id), status="ACTIVE", interval=interval, wait=wait)
    emit("unrescue", status=server.status)

    conn.compute.rebuild_server(server, image=rebuild_image.id)
    server = conn.compute.wait_for_server(conn.compute.get_server(server.id), status="ACTIVE", interval=interval, wait=wait)
    emit("rebuild", status=server.status, image=server.image.id)

    console = conn.compute.create_console(server, "serial")
    emit("console", type=console.get("type"), url=console.get("url"))

    keypair = conn.compute.create_keypair(name=cfg["keypair_name"])
    names = [k.name for k in conn.compute.keypairs()]
    emit("keypair", name=keypair.name, has_private_key=bool(keypair.private_key), listed=cfg["keypair_name"] in names)
    conn.compute.delete_keypair(keypair)

    hypervisors = list(conn.compute.hypervisors())
    emit("hypervisors", count=len(hypervisors))

    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=interval, wait=wait)
    gone = conn.compute.find_server(server.id, ignore_missing=True)
    emit("delete", gone=gone is None)
    print(json.dumps({"ok": True}), flush=True)


if __name__ == "__main__":
    main()
