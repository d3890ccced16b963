# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""untagged: all (issue 18): refusals before any call, which manifests of a listing are copied on their own (not index
children, not referrers that follow their subject), and the requests that copy them. The listing itself is paged against
the stand-in in tests/integration/test_migrate.py."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import arm, image_requests, importer, repository_selection, untagged_manifests
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor

LOGIN = "oldacr.azurecr.io"
SOURCE_ACR = arm.Registry("oldacr", "rg", "sub", LOGIN, "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/oldacr",
                          "westus", None)


def digest(char):
    return "sha256:" + char * 64


class ListingClient:
    """What untagged_digests asks a RegistryClient: one paged listing (as acr_listing yields it) and manifests by digest."""

    def __init__(self, listed, documents=None):
        self.listed = listed
        self.documents = documents or {}
        self.fetched = []

    def acr_listing(self, login_server, path, repository, key, what, refused, budget=None):
        assert key == "manifests" and "/_manifests" in path
        return iter(self.listed)

    def manifest(self, host, repository, reference, credentials=None):
        self.fetched.append(reference)
        return reference, "application/vnd.oci.image.manifest.v1+json", self.documents.get(reference, {})


def request(referrers=False, types=()):
    item = image_requests.validate_image({"source": "team/app", "source_registry": "oldacr", "tags": "all", "untagged": "all",
                                          "referrers": referrers, "referrers_types": list(types) or None}, {}, "images[0]")
    return item.resolved(SOURCE_ACR, image_requests.bind_source_registry(item.source, LOGIN))


LISTING = [
    {"digest": digest("a"), "tags": ["v1"]},
    {"digest": digest("b"), "tags": [], "references": [{"digest": digest("c")}, {"digest": digest("d")}]},  # an untagged index
    {"digest": digest("c"), "tags": []},   # its children
    {"digest": digest("d"), "tags": []},
    {"digest": digest("e"), "tags": None},  # a tag's earlier image
    {"digest": digest("f"), "tags": []},   # a signature of v1
    {"digest": digest("1"), "tags": []},   # an SBOM of an image no longer listed
    {"digest": "sha256:not-hex", "tags": []},  # not a digest: never imported
]
DOCUMENTS = {digest("f"): {"artifactType": "application/vnd.cncf.notary.signature", "subject": {"digest": digest("a")}},
             digest("1"): {"artifactType": "application/spdx+json", "subject": {"digest": digest("9")}}}


def test_index_children_are_left_out_and_without_referrers_every_other_untagged_manifest_is_copied():
    client = ListingClient(LISTING, DOCUMENTS)
    assert untagged_manifests.untagged_digests(client, request(), None) == ([digest(c) for c in "bef1"], 7)
    assert client.fetched == [], "without referrers no manifest is read"


def test_with_referrers_a_referrer_of_a_listed_manifest_follows_its_subject_unless_its_type_is_not_followed():
    client = ListingClient(LISTING, DOCUMENTS)
    assert untagged_manifests.untagged_digests(client, request(referrers=True), None)[0] == [digest(c) for c in "be1"]
    assert client.fetched == [digest(c) for c in "bef1"]
    sboms_only = untagged_manifests.untagged_digests(ListingClient(LISTING, DOCUMENTS), request(True, ["application/spdx+json"]), None)
    assert sboms_only[0] == [digest(c) for c in "bef1"], "a signature that referrer import will not copy is copied as untagged"


def test_each_untagged_manifest_becomes_a_copy_by_digest_into_the_target_repository_once():
    item = request(referrers=True)
    ctx = importer.Context(None, ListingClient(LISTING, DOCUMENTS), None, Redactor([]), True, True, 60)
    copies, reports, failures = untagged_manifests.expand(ctx, [item, item, item._replace(untagged_all=False)], None, concurrency=1)
    assert failures == [] and len(reports) == 2
    assert [str(c.source) for c in copies] == ["%s/team/app@%s" % (LOGIN, digest(c)) for c in "be1"]
    first = copies[0]
    assert (first.tags, first.untagged, first.policy, first.source_acr, first.referrers, first.untagged_all, first.force) == (
        (), ("team/app",), None, SOURCE_ACR, True, False, False)
    assert first.import_body(digest("b"), (), first.untagged, "NoForce") == {
        "source": {"sourceImage": "team/app@" + digest("b"), "resourceId": SOURCE_ACR.id}, "mode": "NoForce",
        "untaggedTargetRepositories": ["team/app"]}
    assert untagged_manifests.report_lines(reports)[0].startswith("Untagged manifests of %s/team/app: 3 of the 7 manifests" % LOGIN)


def test_a_source_that_resource_manager_does_not_know_fails_its_entry_not_the_run():
    item = request()._replace(source_acr=None)
    ctx = importer.Context(None, ListingClient(LISTING), None, Redactor([]), True, True, 60)
    copies, reports, failures = untagged_manifests.expand(ctx, [item], None)
    assert copies == [] and reports[0]["failed"] and failures[0]["error_code"] == "NOT_AN_ACR"


@pytest.mark.parametrize("spec, words", [
    ({"source": "team/app", "source_registry": "oldacr", "tags": "all", "untagged": "some"}, "untagged must be 'all'"),
    ({"source": "docker.io/library/nginx", "tags": "all", "untagged": "all"}, "is Docker Hub"),
    ({"source": "oldacr.azurecr.io/app", "tags": "all", "untagged": "all", "source_password": "x"}, "drop the source credentials"),
    ({"source": "team/app:v1", "source_registry": "oldacr", "untagged": "all"}, "not with one image"),
])
def test_refused_before_any_call(spec, words):
    with pytest.raises(AcrOpsError, match=words):
        image_requests.validate_image(spec, {}, "images[0]")


def test_a_host_that_is_no_acr_of_this_cloud_is_refused_once_the_cloud_is_known():
    ghcr = image_requests.validate_image({"source": "ghcr.io/org/app", "tags": "all", "untagged": "all"}, {}, "images[0]")
    acr = image_requests.validate_image({"source": "oldacr.azurecr.io/app", "tags": "all", "untagged": "all"}, {}, "images[1]")
    untagged_manifests.check_sources([acr], [], "azurecr.io")
    with pytest.raises(AcrOpsError, match=r"ghcr.io is not one \(this cloud's registries end in .azurecr.io\)"):
        untagged_manifests.check_sources([acr, ghcr], [], "azurecr.io")
    namespace = repository_selection.validate_entry(0, {"source": "registry.example.com/team", "repositories": {}, "tags": "all",
                                                        "untagged": "all"}, {}, "images[2]")
    with pytest.raises(AcrOpsError, match="registry.example.com is not one"):
        untagged_manifests.check_sources([], [namespace], "azurecr.io")
    in_acr = repository_selection.validate_entry(0, {"source": "/", "source_registry": "oldacr", "repositories": {}, "tags": "all",
                                                     "untagged": "all"}, {}, "images[3]")
    untagged_manifests.check_sources([], [in_acr], "azurecr.io")
