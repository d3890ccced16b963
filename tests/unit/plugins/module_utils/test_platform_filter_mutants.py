# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""platforms word for word (module_utils/platform_filter.py; the survivors of its mutation run, tests/MUTATION.md): every
refusal with its hint, documents that are no index, the filtered index's media type and fields, its bytes in ASCII."""

from __future__ import annotations

import hashlib
import json

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import oci, platform_filter
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.platform_filter import FilteredIndex

SOURCE = "sha256:" + "f" * 64
LIST_REFUSAL = "images[0] (nginx:1): platforms must be a non-empty list of platforms, e.g. [linux/amd64, linux/arm64]"


def child(n, os_name, arch, variant=None):
    platform = {"os": os_name, "architecture": arch}
    if variant:
        platform["variant"] = variant
    return {"mediaType": oci.OCI_MANIFEST, "digest": "sha256:%064x" % n, "size": 500 + n, "platform": platform}


AMD, ARMV6, ARMV7 = child(1, "linux", "amd64"), child(2, "linux", "arm", "v6"), child(3, "linux", "arm", "v7")
INDEX = {"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": [AMD, ARMV6, ARMV7], "annotations": {"title": "café"}}


@pytest.mark.parametrize("value", ["linux/amd64", [], (), {"linux/amd64": None}, 5])
def test_platforms_that_are_no_list_are_refused_word_for_word(value):
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.parse_platforms(value, "images[0] (nginx:1)")
    assert raised.value.message == LIST_REFUSAL


def test_a_bad_platform_in_the_list_is_refused_word_for_word_and_a_tuple_is_a_list():
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.parse_platforms(["linux/amd64", "amd64"], "images[0] (nginx:1)")
    assert raised.value.message == ("images[0] (nginx:1): platforms: platform 'amd64' is not os/architecture[/variant]: write e.g. "
                                    "'linux/amd64', 'linux/arm64' or 'linux/arm/v7'")
    assert platform_filter.parse_platforms(("linux/arm/v7", "linux/arm/v7"), "x") == ("linux/arm/v7",)


@pytest.mark.parametrize("document", [None, ["manifests"], {"manifests": "junk"}, {"config": {}}])
def test_a_document_that_lists_no_children_counts_one_manifest(document):
    assert platform_filter.manifest_count(document) == 1


def test_too_many_manifests_word_for_word():
    fifty = dict(INDEX, manifests=[child(n, "linux", "arch%d" % n) for n in range(50)])
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.check_manifest_count(fifty, "docker.io/library/app@sha256:abc")
    assert raised.value.message == ("docker.io/library/app@sha256:abc has 51 manifests (the index and its 50 children); ACR imports at "
                                    "most 50 manifests per image, so this import was not submitted")
    assert raised.value.code == "TOO_MANY_MANIFESTS"
    assert raised.value.hint == ("set platforms (e.g. [linux/amd64, linux/arm64]) to import only those children by digest and push an "
                                 "index of them, or platform to import one")


def test_a_missing_platform_says_what_to_do_and_a_document_without_children_has_no_platform():
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.select(INDEX, ("linux/s390x",), "src")
    assert (raised.value.message, raised.value.code, raised.value.hint) == (
        "src has no linux/s390x image (it has linux/amd64, linux/arm/v6, linux/arm/v7)", "PLATFORM_UNKNOWN",
        "set platforms to some of them, or drop platforms to import the whole index")
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.select(None, ("linux/amd64",), "src")
    assert (raised.value.message, raised.value.code) == ("src has no linux/amd64 image (it has no platform)", "PLATFORM_UNKNOWN")


def test_an_ambiguous_platform_keeps_its_own_hint():
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.select(INDEX, ("linux/amd64", "linux/arm"), "src")
    assert (raised.value.message, raised.value.code, raised.value.hint) == (
        "src has several linux/arm images (linux/arm/v6, linux/arm/v7): name the variant", "PLATFORM_AMBIGUOUS",
        "write the platform with its variant, e.g. linux/arm/v7")


def test_the_bytes_are_ascii_with_escapes():
    assert platform_filter.serialize({"b": "café", "a": [1]}) == b'{"a":[1],"b":"caf\\u00e9"}'


@pytest.mark.parametrize("media_type, document_type, kind", [
    (oci.OCI_INDEX, oci.DOCKER_MANIFEST_LIST, oci.OCI_INDEX),                   # the type the registry answered with wins
    (oci.DOCKER_MANIFEST_LIST, oci.OCI_INDEX, oci.DOCKER_MANIFEST_LIST),
    (None, oci.DOCKER_MANIFEST_LIST, oci.DOCKER_MANIFEST_LIST),                 # else the document's own
    ("application/octet-stream", oci.DOCKER_MANIFEST_LIST, oci.DOCKER_MANIFEST_LIST),
    (None, None, oci.OCI_INDEX),                                                 # else an OCI index
    ("application/octet-stream", "application/json", oci.OCI_INDEX),
])
def test_the_filtered_index_media_type(media_type, document_type, kind):
    document = dict(INDEX, mediaType=document_type)
    children = ((AMD["digest"], "linux/amd64"),)
    filtered = platform_filter.filtered_index(SOURCE, media_type, document, ["linux/amd64"], children)
    body = platform_filter.serialize(dict(document, manifests=[AMD]))
    assert filtered == FilteredIndex(SOURCE, ("linux/amd64",), children, kind, body, "sha256:" + hashlib.sha256(body).hexdigest())
    assert b"caf\\u00e9" in filtered.body and json.loads(filtered.body)["manifests"] == [AMD]


@pytest.mark.parametrize("config", [None, "linux/amd64", {}, {"os": "linux"}, {"architecture": "amd64"}, {"os": "", "architecture": "amd64"}])
def test_a_config_without_os_and_architecture_is_refused_word_for_word(config):
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.config_platform(config, "ghcr.io/org/app:1")
    assert (raised.value.message, raised.value.hint) == (
        "ghcr.io/org/app:1: its image config names no os/architecture, so its platform cannot be checked against platforms",
        "drop platforms for this image")


def test_a_single_manifest_of_another_platform_word_for_word():
    with pytest.raises(AcrOpsError) as raised:
        platform_filter.check_single("windows/amd64", ("linux/amd64", "linux/arm64"), "ghcr.io/org/app:1")
    assert (raised.value.message, raised.value.code, raised.value.hint) == (
        "ghcr.io/org/app:1 is a single manifest for windows/amd64, not one of platforms (linux/amd64, linux/arm64)", "PLATFORM_UNKNOWN",
        "set platforms to include windows/amd64, or drop platforms for this image")
