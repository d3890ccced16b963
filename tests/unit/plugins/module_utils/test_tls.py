# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tls.SharedContextAdapter on both of requests' code paths (issue 20 item 8): from 2.32.2 pools get the shared context;
before (2.31, which requirements.txt allows), requests makes pools with get_connection() and only cert_verify() sees the
bundle: it must hand the pool that bundle, never leave it to the system store."""

from __future__ import annotations

import warnings

import pytest

requests = pytest.importorskip("requests")
trustme = pytest.importorskip("trustme")

# pylint: disable=wrong-import-position
from ansible_collections.acrops.registry.plugins.module_utils import tls  # noqa: E402

URL = "https://registry.test/v2/"


@pytest.fixture
def ca_bundle(tmp_path):
    path = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return str(path)


def test_requests_2_31_path_pool_verifies_with_the_given_bundle(ca_bundle):
    adapter = tls.SharedContextAdapter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pool = adapter.get_connection(URL)  # what requests < 2.32.2 calls from send(): no verify, no shared context
    adapter.cert_verify(pool, URL, ca_bundle, None)
    assert pool.cert_reqs == "CERT_REQUIRED" and pool.ca_certs == ca_bundle


def test_requests_2_32_path_pool_shares_one_context_per_bundle(ca_bundle):
    if not hasattr(requests.adapters.HTTPAdapter, "build_connection_pool_key_attributes"):
        pytest.skip("requests < 2.32.2 has no pool key hook")
    adapter = tls.SharedContextAdapter()
    request = requests.Request("GET", URL).prepare()
    pool = adapter.get_connection_with_tls_context(request, ca_bundle)
    adapter.cert_verify(pool, URL, ca_bundle, None)
    assert pool.conn_kw["ssl_context"] is tls.context_for(ca_bundle)
    assert pool.cert_reqs == "CERT_REQUIRED" and pool.ca_certs is None  # the shared context holds the bundle
