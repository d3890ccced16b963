# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP CONNECT proxy that clients use through HTTPS_PROXY.

It tunnels to the front for every name the stand-in serves, straight to the private registry's own TLS port for
private.registry.test, and through to 127.0.0.1 ports; anything else gets 403, so no test traffic leaves the machine.
"""

import asyncio
import logging
import socket
import time

LOG = logging.getLogger("standin.proxy")
PIPE_CHUNK = 1 << 16


def _nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class ConnectProxy:
    def __init__(self, world):
        self.world = world
        self.server = None
        self.tasks = set()

    def target_for(self, host, port):
        """(host, port) to dial for CONNECT host:port, or None to refuse."""
        host = host.lower().strip("[]")
        if host in ("127.0.0.1", "localhost", "::1"):
            return "127.0.0.1", port
        if host == self.world.private.host:
            return "127.0.0.1", self.world.private.storage.port
        if host in self.world.served_hosts():
            return "127.0.0.1", self.world.front_port
        return None

    async def start(self):
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.world.proxy_port = self.server.sockets[0].getsockname()[1]

    async def stop(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _client(self, reader, writer):
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self.tasks.discard(task)
            writer.close()

    async def _serve(self, reader, writer):
        _nodelay(writer)
        head = await reader.readuntil(b"\r\n\r\n")
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split()
        if len(parts) != 3 or parts[0].upper() != "CONNECT":
            await self._refuse(writer, 405, "only CONNECT is served here")
            return
        host, _sep, port_text = parts[1].rpartition(":")
        if self._hangs(host):
            await _hang(reader, writer)
            return
        target = self.target_for(host, int(port_text) if port_text.isdigit() else 443)
        if target is None:
            LOG.info("refused CONNECT %s", parts[1])
            self.world.counters.proxy_tunnels["refused " + host.lower()] += 1
            await self._refuse(writer, 403, "the stand-in does not serve %s" % host)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*target)
        except OSError:
            await self._refuse(writer, 502, "cannot reach %s" % parts[1])
            return
        _nodelay(up_writer)
        self.world.counters.proxy_tunnels[host.lower()] += 1
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        # Tunnels straight to the private registry bypass the front; count their bytes here.
        count_host = host.lower() if target[1] == self.world.private.storage.port else None
        await asyncio.gather(self._pipe(reader, up_writer, None), self._pipe(up_reader, writer, count_host), return_exceptions=True)
        up_writer.close()

    async def _pipe(self, reader, writer, count_host):
        try:
            while True:
                chunk = await reader.read(PIPE_CHUNK)
                if not chunk:
                    break
                if count_host:
                    self.world.counters.add_bytes(count_host, "controller", len(chunk))
                writer.write(chunk)
                await writer.drain()
        finally:
            if writer.can_write_eof():
                try:
                    writer.write_eof()
                except OSError:
                    pass

    # ---- issue 20: a host that accepts connections and never answers ------------------------------------------------
    def _hangs(self, host):
        """A fault rule {"action": "hang", "host": ...} black-holes that host (served or not): counted as a hit, logged."""
        rule = self.world.faults.match(host.lower().strip("[]"), "CONNECT", "", "controller")
        if rule is None:
            return False
        self.world.counters.proxy_tunnels["hang " + host.lower()] += 1
        self.world.log.add({"time": time.time(), "client": "controller", "host": host.lower(), "method": "CONNECT", "path": "",
                            "query": "", "route": "proxy:hang", "status": "hang", "ms": 0, "headers": {}, "body": None})
        return True

    @staticmethod
    async def _refuse(writer, status, text):
        reason = {403: "Forbidden", 405: "Method Not Allowed", 502: "Bad Gateway"}[status]
        body = text.encode()
        writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                     % (status, reason.encode(), len(body), body))
        await writer.drain()


async def _hang(reader, writer):
    """Accept the tunnel and never answer: the client's TLS handshake waits until its own timeout, as with a host whose
    firewall drops everything after the TCP handshake. Returns when the client gives up (closes)."""
    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await writer.drain()
    while await reader.read(PIPE_CHUNK):
        pass
