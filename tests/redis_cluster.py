"""A real three-master Redis Cluster for tests, formed from ``redis-server`` binaries.

Each node is started with ``--cluster-enabled yes``; slots are split in three
and the nodes meet with CLUSTER ADDSLOTS / CLUSTER MEET (no ``redis-cli``
needed). Clients connect with a ``redis+cluster://`` URL naming one node.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from recaudo.embedded import (
    Managed,
    die_with_parent,
    ephemeral_ports,
    free_port,
    redis_server_binary,
    wait_for_port,
)
from recaudo.foundation.errors import EmbeddedStackError

SLOTS = 16384
#: A node's cluster bus listens this far above its port.
BUS_PORT_OFFSET = 10_000


@dataclass
class Cluster:
    nodes: list[Managed] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}/0"

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def _port() -> int:
    """A free port whose cluster bus port (port + 10000) is below the ephemeral
    range too, where no outgoing connection takes it first."""
    below = ephemeral_ports().start - BUS_PORT_OFFSET
    while (port := free_port(below=below)) + BUS_PORT_OFFSET > 65_535:
        pass  # port 0's choice, nothing below being free
    return port


def _node(port: int) -> Managed:
    workdir = Path(tempfile.mkdtemp(prefix="recaudo-cluster-"))
    args = ["--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
    args += ["--cluster-node-timeout", "2000", "--dir", str(workdir)]
    proc = subprocess.Popen(
        [redis_server_binary(), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    managed = Managed(url=f"redis://127.0.0.1:{port}/0", proc=proc, workdir=workdir)
    wait_for_port(port, 10, proc)
    return managed


def start_cluster(masters: int = 3, timeout_s: float = 30.0) -> Cluster:
    cluster = Cluster()
    try:
        for _ in range(masters):
            port = _port()
            cluster.nodes.append(_node(port))
            cluster.ports.append(port)
        clients = [redis.Redis(port=p) for p in cluster.ports]
        bounds = [SLOTS * i // masters for i in range(masters + 1)]
        for client, low, high in zip(clients, bounds, bounds[1:], strict=False):
            client.execute_command("CLUSTER ADDSLOTS", *range(low, high))
        for port in cluster.ports[1:]:
            clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port)
        deadline = time.monotonic() + timeout_s
        while not all(_ok(c, masters) for c in clients):
            if time.monotonic() > deadline:
                raise EmbeddedStackError(f"Redis Cluster not ok within {timeout_s} s")
            time.sleep(0.1)
        for client in clients:
            client.close()
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _ok(client: redis.Redis, masters: int) -> bool:
    info = client.cluster("INFO")  # parsed into a dict of strings by redis-py
    return info.get("cluster_state") == "ok" and int(info.get("cluster_known_nodes", 0)) == masters
