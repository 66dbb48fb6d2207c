"""openstacksdk lists the nodes of an Ironic with only some fields.

Usage: sdk_list.py URL FIELDS(comma-separated) TIMED_RUNS
Prints one JSON line: {"count": N, "ms": [t1, t2, ...], "microversion": "1.x"}.
One untimed listing first (version discovery, connection set-up); then only
list(conn.baremetal.nodes(fields=...)) is timed, each time.
"""
import json
import sys
import time

import openstack

url, fields, runs = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
conn = openstack.connect(
    auth_type="none",
    auth={"endpoint": url},
    baremetal_endpoint_override=url,
    region_name="",
)
warm = list(conn.baremetal.nodes(fields=fields))
times = []
count = len(warm)
for _ in range(runs):
    started = time.perf_counter()
    nodes = list(conn.baremetal.nodes(fields=fields))
    times.append((time.perf_counter() - started) * 1000.0)
    count = len(nodes)
from openstack.baremetal.v1.node import Node  # noqa: E402

version = Node._get_microversion(conn.baremetal, action="list")
print(json.dumps({
    "count": count,
    "ms": times,
    "microversion": version,
    "sdk": openstack.version.__version__,
}))
