# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Expanding tag policies into concrete imports, and the platform read step, with the fake registry client (no network)."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import importer, policy_expansion, reference, tag_policy
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.image_requests import ImageRequest
from ansible_collections.acrops.registry.plugins.module_utils.oci import PlatformChoice, pick_platform
from ansible_collections.acrops.registry.plugins.module_utils.policy_expansion import RequestBudget
from ansible_collections.acrops.registry.tests.unit.plugins.module_utils.fakes import FakeRegistryClient

TAGS = {"library/nginx": ["1.24.0", "1.25.0", "1.25.3", "1.25.3-alpine", "1.26.0", "latest"], "library/redis": ["7.2.4", "7.2.5", "latest"]}


def ctx(client):
    return importer.Context(None, client, None, Redactor([]), True, True, 60)


def request(source, policy=None, repositories=(), tags=(), label=None, platform=None, password=None):
    ref = reference.parse(source, default_tag=None if policy else reference.DEFAULT_TAG)
    return ImageRequest(ref, username="u" if password else None, password=password, tags=tuple(tags), force=True, label=label or source,
                        policy=tag_policy.parse_policy(policy) if policy else None, repositories=tuple(repositories), platform=platform)


def test_each_selected_tag_becomes_one_request_into_every_target_repository():
    client = FakeRegistryClient(listings=TAGS)
    policy = request("docker.io/library/nginx", {"semver": ">=1.25 <1.27"}, ("nginx", "mirror/nginx"), label="p", platform="linux/amd64",
                     password="s3cret")
    out, reports, failures = policy_expansion.expand_policies(ctx(client), [policy], max_tags=10)
    assert [str(r.source) for r in out] == ["docker.io/library/nginx:1.26.0", "docker.io/library/nginx:1.25.3", "docker.io/library/nginx:1.25.0"]
    assert out[0].tags == (("nginx", "1.26.0"), ("mirror/nginx", "1.26.0"))
    assert all(r.policy is None and r.selected_by == "p" and r.platform == "linux/amd64" and r.password == "s3cret" for r in out)
    assert reports[0]["selected"] == ["1.26.0", "1.25.3", "1.25.0"] and reports[0]["listed"] == 6 and failures == []
    assert client.listed == [("registry-1.docker.io", "library/nginx", ("u", "s3cret"))]


def test_the_policy_report_names_the_platforms_the_entry_keeps():
    client = FakeRegistryClient(listings=TAGS)
    kept = request("docker.io/library/redis", {"latest": 1}, ("redis",), label="p")._replace(platforms=("linux/amd64", "linux/arm64"))
    one = request("docker.io/library/nginx", {"latest": 1}, ("nginx",), label="q", platform="linux/arm64")
    whole = request("docker.io/library/redis", {"latest": 1}, ("redis2",), label="r")
    out, reports, failures = policy_expansion.expand_policies(ctx(client), [kept, one, whole], max_tags=10)
    assert [(r["label"], r["platform"], r["platforms"]) for r in reports] == [
        ("p", None, ["linux/amd64", "linux/arm64"]), ("q", "linux/arm64", None), ("r", None, None)], reports
    assert [r.platforms for r in out] == [("linux/amd64", "linux/arm64"), (), ()] and failures == []


def test_requests_without_policy_pass_through_untouched_and_in_order():
    plain = [request("nginx:1.25.0", tags=[("nginx", "1.25.0")]), request("redis:7", tags=[("redis", "7")])]
    out, reports, failures = policy_expansion.expand_policies(ctx(FakeRegistryClient(listings=TAGS)), plain, max_tags=10)
    assert out == plain and reports == [] and failures == []


def test_a_selected_tag_that_another_entry_mirrors_is_imported_once():
    by_hand = request("nginx:1.25.3", tags=[("nginx", "1.25.3"), ("extra/nginx", "1.25.3")])
    policy = request("docker.io/library/nginx", {"regex": r"1\.25\..*"}, ("nginx", "mirror/nginx"))
    out, dummy, dummy2 = policy_expansion.expand_policies(ctx(FakeRegistryClient(listings=TAGS)), [policy, by_hand], max_tags=10)
    assert [(str(r.source), r.tags) for r in out] == [
        ("docker.io/library/nginx:1.25.3", (("mirror/nginx", "1.25.3"),)),
        ("docker.io/library/nginx:1.25.3-alpine", (("nginx", "1.25.3-alpine"), ("mirror/nginx", "1.25.3-alpine"))),
        ("docker.io/library/nginx:1.25.0", (("nginx", "1.25.0"), ("mirror/nginx", "1.25.0"))),
        ("docker.io/library/nginx:1.25.3", (("nginx", "1.25.3"), ("extra/nginx", "1.25.3"))),
    ]


def test_a_selected_tag_fed_by_another_source_is_a_conflict():
    other = request("ghcr.io/org/nginx:1.26.0", tags=[("nginx", "1.26.0")])
    policy = request("docker.io/library/nginx", {"latest": 1}, ("nginx",))
    with pytest.raises(AcrOpsError, match="target nginx:1.26.0 is fed by two sources"):
        policy_expansion.expand_policies(ctx(FakeRegistryClient(listings=TAGS)), [other, policy], max_tags=10)


def test_max_tags_fails_the_policy_with_the_count_and_imports_nothing_of_it():
    policy = request("docker.io/library/nginx", {"regex": ".*"}, ("nginx",), label="all")
    keep = request("redis:7.2.5", tags=[("redis", "7.2.5")])
    out, reports, failures = policy_expansion.expand_policies(ctx(FakeRegistryClient(listings=TAGS)), [policy, keep], max_tags=5)
    assert out == [keep]
    assert reports[0]["failed"] and "selects 6 tags, more than max_tags (5)" in reports[0]["msg"]
    assert failures[0]["failed"] and failures[0]["error_code"] == "TOO_MANY_TAGS" and failures[0]["label"] == "all"
    assert importer.count(failures + [])["failed"] == 1


def test_an_empty_selection_is_a_warning_with_the_reason():
    policy = request("docker.io/library/redis", {"semver": ">=8"}, ("redis",), label="eight")
    out, reports, failures = policy_expansion.expand_policies(ctx(FakeRegistryClient(listings=TAGS)), [policy], max_tags=5)
    assert out == [] and failures == [] and not reports[0]["failed"]
    assert reports[0]["warnings"] == ["the tag policy of eight selected no tag of docker.io/library/redis: none of the 3 tags passed (semver left 0)"]


def test_listing_failures_and_spent_budgets_fail_only_their_policy():
    missing = request("docker.io/library/missing", {"latest": 1}, ("missing",), label="m")
    redis = request("docker.io/library/redis", {"latest": 1}, ("redis",), label="r")
    nginx = request("docker.io/library/nginx", {"latest": 1}, ("nginx",), label="n")
    budget = RequestBudget(2)
    out, reports, failures = policy_expansion.expand_policies(ctx(FakeRegistryClient(listings=TAGS)), [missing, redis, nginx], max_tags=5,
                                                              budget=budget, concurrency=1)
    assert [f["label"] for f in failures] == ["m", "n"]
    assert failures[0]["error_code"] == "UNAUTHORIZED" and "listing the tags of docker.io/library/missing failed" in failures[0]["msg"]
    assert failures[1]["error_code"] == "BUDGET_EXHAUSTED" and "raise tag_list_budget" in failures[1]["msg"]
    assert [str(r.source) for r in out] == ["docker.io/library/redis:7.2.5"]


def test_platform_read_step_returns_the_child_and_remembers_the_index():
    choice = PlatformChoice("sha256:" + "c" * 64, "sha256:" + "i" * 64, "linux/arm64")
    image = importer.ImageImport(ctx(FakeRegistryClient(platform_choice=choice)), request("nginx:1", tags=[("nginx", "1")], platform="linux/arm64"))
    assert image.source_digest() == "sha256:" + "c" * 64
    assert (image.index_digest, image.chosen_platform, image.warnings) == ("sha256:" + "i" * 64, "linux/arm64", [])

    plain = PlatformChoice("sha256:" + "d" * 64, None, None)
    single = importer.ImageImport(ctx(FakeRegistryClient(platform_choice=plain)), request("nginx:1", tags=[("nginx", "1")], platform="linux/arm64"))
    assert single.source_digest() == "sha256:" + "d" * 64 and "single manifest" in single.warnings[0]

    gone = importer.ImageImport(ctx(FakeRegistryClient()), request("nginx:1", tags=[("nginx", "1")], platform="linux/arm64"))
    with pytest.raises(AcrOpsError, match="not found in the source registry"):
        gone.source_digest()


INDEX = [{"digest": "sha256:amd", "platform": {"os": "linux", "architecture": "amd64"}},
         {"digest": "sha256:arm8", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
         {"digest": "sha256:arm6", "platform": {"os": "linux", "architecture": "arm", "variant": "v6"}},
         {"digest": "sha256:arm7", "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}},
         {"digest": "sha256:att", "platform": {"os": "unknown", "architecture": "unknown"},
          "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}]


@pytest.mark.parametrize("platform, digest", [("linux/amd64", "sha256:amd"), ("linux/arm64", "sha256:arm8"), ("linux/arm64/v8", "sha256:arm8"),
                                              ("linux/arm/v7", "sha256:arm7")])
def test_pick_platform(platform, digest):
    assert pick_platform(INDEX, platform, "x")[0] == digest


@pytest.mark.parametrize("platform, fragment", [("linux/arm", "several linux/arm images (linux/arm/v6, linux/arm/v7)"),
                                                ("windows/amd64", "has no windows/amd64 image (it has linux/amd64, linux/arm/v6"),
                                                ("unknown/unknown", "has no unknown/unknown image")])
def test_pick_platform_refuses_ambiguity_and_absence(platform, fragment):
    with pytest.raises(AcrOpsError) as info:
        pick_platform(INDEX, platform, "x")
    assert fragment in str(info.value)
