# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A ~/.netrc entry for a registry's host never reaches the registry: requests would add it to every request without auth
(trust_env) and replace the Bearer header of one with it. Through the client's real session, with a capturing adapter."""

from __future__ import annotations

import requests
from requests.adapters import BaseAdapter

from ansible_collections.acrops.registry.plugins.module_utils.errors import Redactor
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient

HOST = "registry.example.test"
DIGEST = "sha256:" + "b" * 64


class CapturingAdapter(BaseAdapter):
    """Answers every manifest HEAD 200 with a digest and records the headers each request was sent with."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        self.sent.append(dict(request.headers))
        response = requests.Response()
        response.status_code = 200
        response.headers["Docker-Content-Digest"] = DIGEST
        response.headers["Content-Type"] = "application/vnd.oci.image.manifest.v1+json"
        response.request = request
        response.url = request.url
        response._content = b""  # pylint: disable=protected-access
        return response

    def close(self):
        pass


def test_a_netrc_entry_for_the_registry_is_never_sent(tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine %s login someone password netrc-secret\n" % HOST)
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert requests.utils.get_netrc_auth("https://%s/v2/" % HOST) == ("someone", "netrc-secret"), "the file is read as requests reads it"

    client = RegistryClient(Redactor())
    adapter = CapturingAdapter()
    client.session.mount("https://", adapter)
    assert client.manifest_digest(HOST, "app", "v1") == DIGEST
    assert adapter.sent and all("Authorization" not in headers for headers in adapter.sent), adapter.sent
