# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CA bundle is parsed once per process, not once per connection (plugins/module_utils/tls.py), and verification is as
strict as before: a CA that did not sign the server, or a bundle that cannot be read, fails with a clear error."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import trustme

from ansible_collections.acrops.registry.plugins.module_utils import tls
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient

DOCKER_HUB = "registry-1.docker.io"
SMALL = dict(platforms="linux/amd64", size=128)


@pytest.fixture
def loads(monkeypatch):
    """Counts SSL contexts made by tls.context_for (each one parses the bundle), starting from an empty process cache."""
    monkeypatch.setattr(tls, "_CONTEXTS", {})
    made = []
    real = tls.create_urllib3_context

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tls, "create_urllib3_context", counting)
    return made


def push_many(standin, repo, count):
    return [("library/%s-%d" % (repo, i), standin.push("dockerhub", "library/%s-%d" % (repo, i), "1", **SMALL)) for i in range(count)]


def tunnels(standin):
    return standin.control.counters()["proxy_tunnels"].get(DOCKER_HUB, 0)


@pytest.mark.parametrize("explicit", [True, False], ids=["ca_bundle", "REQUESTS_CA_BUNDLE"])
def test_many_connections_share_one_parsed_bundle(standin_client, repo, loads, explicit):
    standin = standin_client
    images = push_many(standin, repo, 12)
    before = tunnels(standin)
    # Six threads on a pool of two: at least two TLS connections (more when urllib3 opens and drops extra ones, which
    # depends on timing); before the shared context each one parsed the bundle again.
    client = RegistryClient(Redactor([]), verify=standin.env["ca_bundle"] if explicit else True, pool_size=2)
    with ThreadPoolExecutor(max_workers=6) as pool:
        digests = list(pool.map(lambda image: client.manifest_digest(DOCKER_HUB, image[0], "1"), images))
    assert digests == [digest for dummy, digest in images]
    assert tunnels(standin) - before >= 2, "the test needs more than one connection"
    assert len(loads) == 1, "the CA bundle was parsed %d times" % len(loads)

    # A second client in the same process (the ARM transport is one) reuses the parsed bundle too.
    other = RegistryClient(Redactor([]), verify=standin.env["ca_bundle"] if explicit else True)
    assert other.manifest_digest(DOCKER_HUB, images[0][0], "1") == images[0][1]
    assert len(loads) == 1


def test_a_bundle_without_the_servers_ca_still_fails_verification(standin_client, repo, loads, tmp_path):
    standin = standin_client
    image, dummy = push_many(standin, repo, 1)[0]
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    client = RegistryClient(Redactor([]), verify=str(stranger))
    with pytest.raises(AcrOpsError) as caught:
        client.manifest_digest(DOCKER_HUB, image, "1")
    assert "TLS verification failed" in str(caught.value) and "ca_bundle" in caught.value.hint


def test_a_bundle_that_cannot_be_read_fails_with_advice(standin_client, repo, loads, tmp_path):
    standin = standin_client
    image, dummy = push_many(standin, repo, 1)[0]
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    for path in (str(broken), str(tmp_path / "missing.pem")):
        with pytest.raises(AcrOpsError) as caught:
            RegistryClient(Redactor([]), verify=path).manifest_digest(DOCKER_HUB, image, "1")
        assert "cannot be used" in str(caught.value) and "ca_bundle" in caught.value.hint, caught.value


def test_one_parse_serves_registries_entra_and_resource_manager(standin_client, repo, loads, monkeypatch):
    """What acr_import builds for a run (clients.build): the registry client, azure-identity's token calls and the ARM SDK
    all verify the stand-in's TLS with the one context parsed from REQUESTS_CA_BUNDLE."""
    from ansible_collections.acrops.registry.plugins.module_utils import clients  # pylint: disable=import-outside-toplevel

    parsed = []
    real = tls.ssl.SSLContext.load_verify_locations

    def counting(context, *args, **kwargs):
        parsed.append(args or kwargs)
        return real(context, *args, **kwargs)

    monkeypatch.setattr(tls.ssl.SSLContext, "load_verify_locations", counting)
    built = clients.build({}, Redactor())
    registry = built.arm.get_registry("standinacr")        # Entra token (azure-identity), then ARM (the management SDK)
    assert registry.login_server == standin_client.env["registries"]["standinacr"]["login_server"]
    digest = standin_client.push("standinacr", repo, "1", **SMALL)
    built.registry_client.add_acr(registry.login_server)
    assert built.registry_client.acr_tag(registry.login_server, repo, "1").digest == digest   # ACR data plane
    assert len(loads) == 1 and len(parsed) == 1, parsed
