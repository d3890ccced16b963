# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real TLS for every name the stand-in answers to: one trustme CA, one server certificate.

Clients trust the CA through ca-bundle.pem (system CAs + this CA), which is what REQUESTS_CA_BUNDLE and
SSL_CERT_FILE point at; nothing disables verification anywhere.
"""

import os
import ssl

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def server_names(registry_names, acr_suffix, source_hosts, private_host, management_host):
    """Every DNS name and IP the server certificate must cover."""
    names = ["127.0.0.1", "localhost", management_host, "*." + acr_suffix]
    names += ["%s.%s" % (name, acr_suffix) for name in registry_names]
    names += list(source_hosts) + [private_host]
    seen = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def make_certs(cert_dir, names):
    """Create the CA and the server certificate; return a dict of file paths."""
    import trustme  # pylint: disable=import-outside-toplevel  # only the running stand-in needs it

    os.makedirs(cert_dir, exist_ok=True)
    ca = trustme.CA(organization_name="acrops stand-in")
    leaf = ca.issue_cert(*names, common_name="standin")
    paths = {
        "ca_file": os.path.join(cert_dir, "ca.pem"),
        "ca_bundle": os.path.join(cert_dir, "ca-bundle.pem"),
        "cert_file": os.path.join(cert_dir, "server.pem"),
        "key_file": os.path.join(cert_dir, "server.key"),
    }
    ca.cert_pem.write_to_path(paths["ca_file"])
    # Chain first, key separately: Go's crypto/tls (distribution) and Python's ssl both read this layout.
    with open(paths["cert_file"], "wb") as handle:
        for blob in leaf.cert_chain_pems:
            handle.write(blob.bytes())
    leaf.private_key_pem.write_to_path(paths["key_file"])
    os.chmod(paths["key_file"], 0o600)
    system = b""
    if os.path.exists(SYSTEM_BUNDLE):
        with open(SYSTEM_BUNDLE, "rb") as handle:
            system = handle.read()
    with open(paths["ca_bundle"], "wb") as handle:
        handle.write(system.rstrip(b"\n") + b"\n" + ca.cert_pem.bytes())
    return paths


def server_context(paths):
    """An SSL context for the front listener."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(paths["cert_file"], paths["key_file"])
    return context


def client_context(paths):
    """An SSL context that trusts only the stand-in CA (the copier's view of the world)."""
    return ssl.create_default_context(cafile=paths["ca_file"])
