# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: `python -m standin run --state-dir DIR [options]` (with tests/ on PYTHONPATH).

Starts storage, the HTTPS front and the CONNECT proxy, writes <state-dir>/env.json atomically once everything
answers, and stops everything on SIGTERM/SIGINT or when the parent process dies.
"""

import argparse
import asyncio
import ctypes
import json
import logging
import os
import secrets
import signal
import socket
import sys

import aiohttp
from aiohttp import web

from . import certs, config, storage
from .app import Front, build_app
from .arm import Arm
from .controls import Controls
from .copier import Copier
from .dataplane import DataPlane
from .imports import Importer
from .proxy import ConnectProxy
from .sources import SourceFronts
from .world import World

LOG = logging.getLogger("standin")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the stand-in and serve until stopped")
    run.add_argument("--state-dir", required=True, help="where storage, certificates, logs and env.json go")
    run.add_argument("--import-latency", type=float, default=None, help="hold every import this many seconds before it completes")
    run.add_argument("--retry-after-ms", type=int, default=None, help="x-ms-retry-after-ms on import answers (fast mode, default 50)")
    run.add_argument("--retry-after", type=int, default=None, help="send Retry-After: N instead, as the real service (10)")
    run.add_argument("--token-lifetime", type=int, default=None, help="Entra access token lifetime in seconds (default 3600)")
    run.add_argument("--page-size", type=int, default=None, help="ARM list page size (default 2)")
    run.add_argument("--dockerhub-pull-limit", type=int, default=None, help="manifest GETs per client before Docker Hub answers 429")
    run.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    run.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def die_with_parent():
    """Ask the kernel for SIGTERM when our parent dies (Linux); the --parent-pid watcher covers the rest."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(storage.PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def write_env(path, document):
    tmp = "%s.%s.tmp" % (path, secrets.token_hex(4))
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def storage_plan(state_dir, cert_paths):
    root = os.path.join(state_dir, "storage")
    registries = {name: storage.StorageProcess(name, os.path.join(root, name), blob_cache=False) for name in config.REGISTRIES}
    sources = {key: storage.StorageProcess(key, os.path.join(root, key)) for key in config.SOURCES}
    private = storage.StorageProcess(config.PRIVATE_HOST, os.path.join(root, "private"),
                                     tls=(cert_paths["cert_file"], cert_paths["key_file"]),
                                     htpasswd=(config.PRIVATE_USER, secrets.token_urlsafe(18)))
    return registries, sources, private


async def watch_parent(pid, stop):
    while not stop.is_set():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            LOG.info("parent %d is gone: stopping", pid)
            stop.set()
            return
        except PermissionError:
            pass
        await asyncio.sleep(0.5)


async def serve(args, stop):
    # pylint: disable=too-many-locals  # start-up wires every part together once
    state_dir = os.path.abspath(args.state_dir)
    env_path = os.path.join(state_dir, "env.json")
    if os.path.exists(env_path):
        os.remove(env_path)
    names = certs.server_names(config.REGISTRIES, config.ACR_SUFFIX,
                               [h for s in config.SOURCES.values() for h in [s["host"]] + s["aliases"]],
                               config.PRIVATE_HOST, config.MANAGEMENT_HOST)
    cert_paths = certs.make_certs(os.path.join(state_dir, "certs"), names)
    registries, sources, private = storage_plan(state_dir, cert_paths)
    processes = list(registries.values()) + list(sources.values()) + [private]
    runner = proxy = importer = world = None
    try:
        storage.start_all(processes)
        overrides = {"import_latency": args.import_latency, "retry_after_ms": args.retry_after_ms, "retry_after": args.retry_after,
                     "entra_token_lifetime": args.token_lifetime, "page_size": args.page_size,
                     "dockerhub_pull_limit": args.dockerhub_pull_limit}
        world = World(state_dir, cert_paths, registries, sources, private, overrides)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=120)
        world.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64), auto_decompress=False, timeout=timeout)
        world.tls_http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64, ssl=certs.client_context(cert_paths)),
                                               auto_decompress=False, timeout=timeout)
        importer = Importer(world, Copier(world))
        fronts = SourceFronts(world)
        front = Front(world, Arm(world, importer), DataPlane(world), fronts, Controls(world, fronts))
        # aiohttp's own header limits sit far above max_request_header_bytes, so the emulated front end decides.
        runner = web.AppRunner(build_app(front), access_log=None, handle_signals=False,
                               max_line_size=65536, max_field_size=65536)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        world.front_port = sock.getsockname()[1]
        await web.SockSite(runner, sock, ssl_context=certs.server_context(cert_paths), backlog=256).start()
        proxy = ConnectProxy(world)
        await proxy.start()
        write_env(env_path, world.env())
        LOG.info("stand-in ready: arm %s proxy %d", world.arm_endpoint, world.proxy_port)
        if args.parent_pid:
            asyncio.get_running_loop().create_task(watch_parent(args.parent_pid, stop))
        await stop.wait()
    finally:
        LOG.info("stopping")
        if os.path.exists(env_path):
            os.remove(env_path)
        if importer is not None:
            await importer.shutdown()
        if proxy is not None:
            await proxy.stop()
        if runner is not None:
            await runner.cleanup()
        if world is not None:
            for session in (world.http, world.tls_http):
                if session is not None:
                    await session.close()
        storage.stop_all(processes)


async def amain(args):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    await serve(args, stop)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    die_with_parent()
    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    logging.basicConfig(filename=os.path.join(state_dir, "standin.log"), level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.parent_pid and args.parent_pid != os.getppid():
        LOG.warning("parent pid %d differs from actual parent %d", args.parent_pid, os.getppid())
    asyncio.run(amain(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
