# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""source_quota (issue 19): Docker Hub's ratelimit headers read, and the per-account budget of one run."""

from __future__ import annotations

from types import SimpleNamespace

from ansible_collections.acrops.registry.plugins.module_utils import source_quota
from ansible_collections.acrops.registry.plugins.module_utils.registry_auth import identity_of


def request(host="registry-1.docker.io", credentials=("user", "pw")):
    return SimpleNamespace(source_host=host, credentials=credentials, source_acr=None)


def test_headers_are_parsed_and_malformed_ones_ignored():
    assert source_quota.parse_quota("100;w=21600") == (100, 21600)
    assert source_quota.parse_quota("7") == (7, None)
    assert source_quota.parse_quota("soon") is None and source_quota.parse_quota(None) is None
    assert source_quota.quota_of({"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "3"}) == (3, 21600)
    assert source_quota.quota_of({"ratelimit-limit": "100;w=21600"}) is None


def test_what_fits_is_submitted_the_rest_deferred_per_account_until_the_window_ends():
    seen = {("registry-1.docker.io", identity_of(("user", "pw"))): (3, 21600)}
    quota = source_quota.SourceQuota(seen, min_remaining=1, clock=lambda: 0)
    assert [quota.defer(request()) for dummy in range(3)] == [None, None, "1970-01-01T06:00:00Z"]
    assert quota.deferred == 1
    assert quota.defer(request(credentials=("other", "pw"))) is None          # its quota was never revealed: not held back
    assert quota.defer(request(credentials=None)) is None                     # anonymous: ACR's own quota, unknown here
    assert quota.defer(request(host="ghcr.io")) is None


def child(platform):
    return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "platform": platform}


def test_an_index_costs_one_pull_per_architecture_and_an_import_that_does_not_fit_whole_is_deferred():
    attestation = dict(child({"os": "unknown", "architecture": "unknown"}),
                       annotations={"vnd.docker.reference.type": "attestation-manifest"})
    index = {"manifests": [child({"os": "linux", "architecture": "amd64"}), child({"os": "linux", "architecture": "arm64"}),
                           child({"os": "linux", "architecture": "arm", "variant": "v7"}), attestation, attestation]}
    assert source_quota.pulls_of_index(index) == 3
    assert source_quota.pulls_of_index({"manifests": [attestation]}) == 1 and source_quota.pulls_of_index({}) == 1
    seen = {("registry-1.docker.io", identity_of(("user", "pw"))): (5, 60)}
    quota = source_quota.SourceQuota(seen, clock=lambda: 0)
    assert quota.watches(request()) and not quota.watches(request(credentials=("other", "pw")))
    assert quota.defer(request(), 3) is None          # 2 left
    assert quota.defer(request(), 3) == "1970-01-01T00:01:00Z"   # costs more than is left: not submitted at all
    assert quota.defer(request(), 2) is None and quota.defer(request()) is not None
