# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""platforms (pure): option parsing, which children are kept, whether an index is imported whole, the filtered index's bytes,
single-manifest platforms, and ACR's manifests-per-import count."""

from __future__ import annotations

import hashlib
import json

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import image_requests, oci, platform_filter
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

SOURCE = "sha256:" + "f" * 64


def child(n, os_name, arch, variant=None, **extra):
    platform = {"os": os_name, "architecture": arch}
    if variant:
        platform["variant"] = variant
    return dict({"mediaType": oci.OCI_MANIFEST, "digest": "sha256:%064x" % n, "size": 500 + n, "platform": platform}, **extra)


def attestation(n, subject):
    return child(n, "unknown", "unknown", annotations={"vnd.docker.reference.digest": subject, "vnd.docker.reference.type": "attestation-manifest"})


AMD, ARM, ARMV7 = child(1, "linux", "amd64"), child(2, "linux", "arm64", "v8"), child(3, "linux", "arm", "v7")
INDEX = {"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": [AMD, ARM, ARMV7, attestation(4, AMD["digest"])],
         "annotations": {"org.opencontainers.image.created": "2026-12-01T00:00:00Z"}}


def test_platforms_option_parsing():
    assert platform_filter.parse_platforms(None, "x") == ()
    assert platform_filter.parse_platforms(["linux/amd64", "linux/arm64", "linux/amd64"], "x") == ("linux/amd64", "linux/arm64")
    for bad in ("linux/amd64", [], ["amd64"], ["Linux/AMD64"]):
        with pytest.raises(AcrOpsError) as raised:
            platform_filter.parse_platforms(bad, "images[0] (nginx:1)")
        assert "images[0] (nginx:1): platforms" in str(raised.value)


def test_the_wanted_children_in_source_order_and_a_missing_platform_names_those_the_index_has():
    assert platform_filter.select(INDEX, ("linux/arm64", "linux/amd64"), "src") == ((AMD["digest"], "linux/amd64"), (ARM["digest"], "linux/arm64/v8"))
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.select(INDEX, ("linux/amd64", "linux/s390x"), "docker.io/library/app:1")
    assert raised.value.code == "PLATFORM_UNKNOWN"
    assert "docker.io/library/app:1 has no linux/s390x image (it has linux/amd64, linux/arm/v7, linux/arm64/v8)" in str(raised.value)
    assert "set platforms" in raised.value.hint


def test_an_index_of_only_the_wanted_platforms_and_attestations_is_imported_whole():
    two = dict(INDEX, manifests=[AMD, ARM, attestation(4, AMD["digest"]), attestation(5, ARM["digest"])])
    kept = platform_filter.select(two, ("linux/amd64", "linux/arm64"), "src")
    assert platform_filter.holds_only(two, kept) is True
    assert platform_filter.holds_only(INDEX, platform_filter.select(INDEX, ("linux/amd64", "linux/arm64"), "src")) is False


def test_the_filtered_index_keeps_the_source_fields_and_only_the_wanted_descriptors_deterministically():
    kept = platform_filter.select(INDEX, ("linux/amd64", "linux/arm64"), "src")
    filtered = platform_filter.filtered_index(SOURCE, oci.OCI_INDEX, INDEX, ("linux/amd64", "linux/arm64"), kept)
    document = json.loads(filtered.body)
    assert document == {"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": [AMD, ARM], "annotations": INDEX["annotations"]}
    assert filtered.digest == "sha256:" + hashlib.sha256(filtered.body).hexdigest() and filtered.digest != SOURCE
    assert b" " not in filtered.body and filtered.body == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    # The same source, its keys in another order: the same bytes, so a second run finds the same digest.
    shuffled = json.loads(json.dumps(INDEX), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    again = platform_filter.filtered_index(SOURCE, oci.OCI_INDEX, shuffled, ("linux/amd64", "linux/arm64"), kept)
    assert again.body == filtered.body and again.digest == filtered.digest
    assert filtered.children == ((AMD["digest"], "linux/amd64"), (ARM["digest"], "linux/arm64/v8"))
    docker = platform_filter.filtered_index(SOURCE, oci.DOCKER_MANIFEST_LIST, dict(INDEX, mediaType=oci.DOCKER_MANIFEST_LIST), ("linux/amd64",),
                                            kept[:1])
    assert docker.media_type == oci.DOCKER_MANIFEST_LIST and json.loads(docker.body)["manifests"] == [AMD]


def test_manifest_count_is_the_index_and_each_child_and_above_50_is_refused_with_the_suggestion():
    assert platform_filter.manifest_count(INDEX) == 5 and platform_filter.manifest_count({"config": {}}) == 1
    fifty = dict(INDEX, manifests=[child(n, "linux", "arch%d" % n) for n in range(49)])
    platform_filter.check_manifest_count(fifty, "src")  # 49 children + the index: exactly the limit
    sixty = dict(INDEX, manifests=[child(n, "linux", "arch%d" % n) for n in range(59)])
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.check_manifest_count(sixty, "docker.io/library/app@sha256:abc")
    assert raised.value.code == "TOO_MANY_MANIFESTS"
    assert "docker.io/library/app@sha256:abc has 60 manifests (the index and its 59 children)" in str(raised.value)
    assert "at most 50" in str(raised.value) and "platforms" in raised.value.hint
    # The HEAD's size spares the GET that counts when the index is too small to list 50 children; unknown sizes are counted.
    descriptor = len(json.dumps({"digest": SOURCE, "size": 0}, separators=(",", ":")))
    assert platform_filter.may_exceed_limit(None) is True and platform_filter.may_exceed_limit(len(json.dumps(sixty))) is True
    assert platform_filter.may_exceed_limit(50 * descriptor) is True and platform_filter.may_exceed_limit(len(json.dumps(INDEX))) is False


def test_a_single_manifest_matches_one_of_the_platforms_by_its_config():
    assert platform_filter.config_platform({"os": "linux", "architecture": "arm", "variant": "v7"}, "src") == "linux/arm/v7"
    platform_filter.check_single("linux/arm64/v8", ("linux/amd64", "linux/arm64"), "src")  # no variant asked: any variant
    platform_filter.check_single("linux/arm/v7", ("linux/arm/v7",), "src")
    for platform, wanted in (("linux/arm/v6", ("linux/arm/v7",)), ("windows/amd64", ("linux/amd64", "linux/arm64"))):
        with pytest.raises(AcrOpsError) as raised:
            platform_filter.check_single(platform, wanted, "ghcr.io/org/app:1")
        assert raised.value.code == "PLATFORM_UNKNOWN" and "is a single manifest for %s" % platform in str(raised.value)
    with pytest.raises(AcrOpsError):
        platform_filter.config_platform({"rootfs": {}}, "src")


def test_platforms_entries_validate_before_any_call():
    items = image_requests.validate_batch([{"source": "nginx:1"}, {"source": "redis:7", "platform": "linux/arm64"},
                                           {"source": "alpine:3", "platforms": ["linux/arm64"]}], {"platforms": ["linux/amd64", "linux/arm64"]})
    assert [(i.platform, i.platforms) for i in items] == [(None, ("linux/amd64", "linux/arm64")), ("linux/arm64", ()), (None, ("linux/arm64",))]
    for spec, words in (({"source": "nginx:1", "platform": "linux/amd64", "platforms": ["linux/arm64"]}, "platform and platforms"),
                        ({"source": "nginx:1", "platforms": ["linux/amd64"], "untagged_repositories": ["x"]}, "untagged_repositories")):
        with pytest.raises(AcrOpsError) as raised:
            image_requests.validate_batch([spec], {})
        assert words in str(raised.value)
