# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Storage: one real CNCF distribution registry (`docker-registry serve`) per emulated registry and source host.

Each runs as a plain process on loopback with its own config: filesystem storage under the state dir, deletes
enabled, relative Location URLs (so the front can pass them through unchanged). The private source registry
serves TLS itself and asks for htpasswd (bcrypt) Basic auth, as a self-hosted registry would.
"""

import ctypes
import http.client
import os
import secrets
import signal
import socket
import ssl
import subprocess
import time

REGISTRY_BINARY = "docker-registry"
PR_SET_PDEATHSIG = 1


def free_port():
    """A port that was free a moment ago (the registry binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_with_parent():
    """preexec_fn: the kernel sends SIGTERM to the child if the stand-in dies without cleaning up."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def htpasswd_line(username, password):
    """A bcrypt htpasswd entry (distribution accepts nothing else)."""
    result = subprocess.run(["htpasswd", "-Bbn", username, password], check=True, capture_output=True, text=True)
    return result.stdout.strip() + "\n"


class StorageProcess:
    """One `docker-registry serve` process."""

    def __init__(self, name, root, tls=None, htpasswd=None, blob_cache=True):
        self.name = name
        self.root = root
        # An emulated ACR's repositories are removed under the running process by a reset (world.Registry.clear): no
        # in-memory blob descriptor cache there, or it would still answer for blobs of repositories that are gone.
        self.blob_cache = blob_cache
        self.tls = tls            # (cert_file, key_file) or None
        self.htpasswd = htpasswd  # (username, password) or None
        self.port = None
        self.process = None
        self.log_path = os.path.join(root, "registry.log")

    @property
    def scheme(self):
        return "https" if self.tls else "http"

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def _config(self):
        lines = [
            "version: 0.1",
            "log:",
            "  level: error",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            "    rootdirectory: %s" % os.path.join(self.root, "data"),
            "  delete:",
            "    enabled: true",
        ] + (["  cache:", "    blobdescriptor: inmemory"] if self.blob_cache else []) + [
            "  maintenance:",
            "    uploadpurging:",
            "      enabled: false",
            "http:",
            "  addr: 127.0.0.1:%d" % self.port,
            "  secret: %s" % secrets.token_hex(16),
            "  relativeurls: true",
        ]
        if self.tls:
            lines += ["  tls:", "    certificate: %s" % self.tls[0], "    key: %s" % self.tls[1]]
        if self.htpasswd:
            path = os.path.join(self.root, "htpasswd")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(htpasswd_line(*self.htpasswd))
            lines += ["auth:", "  htpasswd:", "    realm: %s" % self.name, "    path: %s" % path]
        return "\n".join(lines) + "\n"

    def start(self):
        """Spawn the process on a fresh port; readiness is checked by wait_ready."""
        os.makedirs(os.path.join(self.root, "data"), exist_ok=True)
        self.port = free_port()
        config_path = os.path.join(self.root, "config.yml")
        with open(config_path, "w", encoding="utf-8") as handle:
            handle.write(self._config())
        with open(self.log_path, "ab") as log:
            # The process lives until stop(); preexec_fn only calls prctl, and storage starts before any thread exists.
            # pylint: disable-next=consider-using-with,subprocess-popen-preexec-fn
            self.process = subprocess.Popen([REGISTRY_BINARY, "serve", config_path], stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=log, preexec_fn=die_with_parent)

    def probe(self):
        """True once the registry answers /v2/ (200, or 401 when it asks for credentials)."""
        if self.process.poll() is not None:
            raise RuntimeError("storage %s exited with %s; see %s" % (self.name, self.process.returncode, self.log_path))
        try:
            if self.tls:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE  # readiness probe only: no data crosses this connection
                conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=1, context=context)
            else:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                conn.request("GET", "/v2/")
                status = conn.getresponse().status
            finally:
                conn.close()
        except OSError:
            return False
        return status in (200, 401)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=3)


def start_all(processes, timeout=15.0):
    """Start every process at once, then wait until all are ready; a process that lost its port is restarted."""
    for proc in processes:
        proc.start()
    deadline = time.monotonic() + timeout
    pending = list(processes)
    while pending:
        for proc in list(pending):
            try:
                if proc.probe():
                    pending.remove(proc)
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                proc.start()  # most likely the free port was taken in between: try another
        if pending:
            if time.monotonic() > deadline:
                raise RuntimeError("storage not ready in %.0f s: %s" % (timeout, ", ".join(p.name for p in pending)))
            time.sleep(0.01)


def stop_all(processes):
    for proc in processes:
        proc.stop()
