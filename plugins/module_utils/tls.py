# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A requests adapter that loads each CA bundle once per module run.

When `verify` is a CA bundle path (ca_bundle, or REQUESTS_CA_BUNDLE, which many systems preset to the system bundle),
requests hands the path to urllib3, and urllib3 2 builds a new SSL context and parses the whole bundle for every new
connection: ~50 ms of CPU each for a system bundle, so a batch opening 50 connections spent seconds parsing the same
file. Neither library offers a shared context for a path, so this adapter makes one per path (per process: the registry
client and the Resource Manager transport share it) and gives it to every pool; verification is unchanged (the same
bundle, CERT_REQUIRED, the hostname checked).

requests calls build_connection_pool_key_attributes only from 2.32.2 on. Before that (2.31, which Ubuntu 24.04 ships and
requirements.txt allows), pools are made without the shared context, so cert_verify hands them the bundle's path as
requests itself does: the bundle is then parsed per connection, but it is the bundle that verifies, never the system store.
"""

from __future__ import annotations

import os
import ssl
import threading

try:
    from requests.adapters import HTTPAdapter
    from urllib3.util.ssl_ import create_urllib3_context
except ImportError:  # ansible-test's import test loads module_utils without requests; clients import this only where it is
    HTTPAdapter = object
    create_urllib3_context = None

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

_CONTEXTS = {}
_CONTEXTS_LOCK = threading.Lock()


def context_for(path):
    """The SSL context that trusts the CA bundle (file or hashed directory) at `path`, loaded once per process."""
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(path)
        if context is None:
            context = create_urllib3_context()
            try:
                if os.path.isdir(path):
                    context.load_verify_locations(capath=path)
                else:
                    context.load_verify_locations(cafile=path)
            except (OSError, ssl.SSLError) as exc:
                raise AcrOpsError("the CA bundle %s cannot be used: %s" % (path, exc.strerror or exc),
                                  hint="give ca_bundle (or REQUESTS_CA_BUNDLE) the path of a PEM file of CA certificates") from None
            _CONTEXTS[path] = context
        return context


class SharedContextAdapter(HTTPAdapter):
    """HTTPAdapter whose HTTPS pools share one SSL context per CA bundle path."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if isinstance(verify, str) and host_params.get("scheme") == "https":
            pool_kwargs.pop("ca_certs", None)
            pool_kwargs.pop("ca_cert_dir", None)
            pool_kwargs["ssl_context"] = context_for(verify)
        return host_params, pool_kwargs

    def cert_verify(self, conn, url, verify, cert):
        shared = getattr(conn, "conn_kw", {}).get("ssl_context")
        if isinstance(verify, str) and not cert and url.lower().startswith("https") and shared is not None and shared is _CONTEXTS.get(verify):
            # The pool's shared context holds this bundle already (checked when it was loaded): a path here would be
            # stat()ed on every request and parsed again for every connection.
            conn.cert_reqs = "CERT_REQUIRED"
            conn.ca_certs = None
            conn.ca_cert_dir = None
            return
        super().cert_verify(conn, url, verify, cert)
