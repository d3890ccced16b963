# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Referrer discovery against a fake registry client: the three ways, their order, the filter, recursion, request economy."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import oci, referrers
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.referrers import (COSIGN_TAG, REFERRERS_API, TAG_SCHEMA, Referrer,
                                                                                ReferrerDiscovery)

HOST = "registry.example"
REPO = "team/app"
NOTATION = "application/vnd.cncf.notary.signature"
SPDX = "application/spdx+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class FakeResponse:
    def __init__(self, status_code, body=b"", headers=None):
        self.status_code = status_code
        self.content = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.headers = dict(headers or {})
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


class FakeRegistry:
    """Manifests by digest and tag in one repository; `api` says whether GET /v2/<repo>/referrers/<digest> exists."""

    def __init__(self, api=True, api_missing_status=404, honours_filter=True, page_size=None):
        self.api = api
        self.api_missing_status = api_missing_status
        self.honours_filter = honours_filter
        self.page_size = page_size
        self.manifests = {}   # digest -> (media type, bytes)
        self.tags = {}        # tag -> digest
        self.calls = []       # (method, path)
        self.overrides = {}   # (method, path prefix) -> FakeResponse

    # -- content ---------------------------------------------------------------------------------------------------
    def add(self, document, tag=None, media_type=OCI_MANIFEST):
        data = json.dumps(document, sort_keys=True).encode()
        digest = digest_of(data)
        self.manifests[digest] = (media_type, data)
        if tag:
            self.tags[tag] = digest
        return digest

    def image(self, seed):
        config = {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest_of(seed.encode()), "size": 1}
        return self.add({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": []})

    def referrer(self, subject, artifact_type, seed, tag_schema=False):
        document = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type,
                    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest_of(b"{}"), "size": 2},
                    "layers": [{"mediaType": artifact_type, "digest": digest_of(seed.encode()), "size": len(seed)}],
                    "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": 1}}
        digest = self.add(document)
        if tag_schema:
            tag = referrers.tag_schema_tag(subject)
            index = json.loads(self.manifests[self.tags[tag]][1]) if tag in self.tags else {"schemaVersion": 2, "manifests": []}
            index["manifests"].append(self.descriptor(digest))
            self.add(index, tag=tag, media_type="application/vnd.oci.image.index.v1+json")
        return digest

    def cosign(self, subject, suffix, seed):
        return self.add({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": [{"digest": digest_of(seed.encode())}]},
                        tag="%s.%s" % (referrers.tag_schema_tag(subject), suffix))

    def descriptor(self, digest):
        media_type, data = self.manifests[digest]
        document = json.loads(data)
        entry = {"mediaType": media_type, "digest": digest, "size": len(data),
                 "artifactType": document.get("artifactType") or (document.get("config") or {}).get("mediaType")}
        if document.get("annotations"):
            entry["annotations"] = document["annotations"]
        return entry

    # -- the RegistryClient surface ----------------------------------------------------------------------------------
    def scope(self, host, repository):
        return "repository:%s:pull" % repository

    def request(self, method, host, path, scope, credentials=None, headers=None):
        assert host == HOST and scope == "repository:%s:pull" % REPO
        self.calls.append((method, path))
        for (o_method, prefix), response in self.overrides.items():
            if o_method == method and path.startswith(prefix):
                return response
        parts = urlsplit(path)
        route = parts.path[len("/v2/%s/" % REPO):]
        if route.startswith("referrers/"):
            return self._referrers(route.split("/", 1)[1], parse_qs(parts.query), method)
        if route.startswith("manifests/"):
            reference = unquote(route.split("/", 1)[1])
            digest = self.tags.get(reference, reference)
            if digest not in self.manifests:
                return FakeResponse(404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]})
            media_type, data = self.manifests[digest]
            head = {"Docker-Content-Digest": digest, "Content-Type": media_type, "Content-Length": str(len(data))}
            return FakeResponse(200, b"" if method == "HEAD" else data, head)
        return FakeResponse(404, {"errors": [{"code": "NOT_FOUND"}]})

    def _referrers(self, subject, query, method):
        assert method == "GET"
        if not self.api:
            return FakeResponse(self.api_missing_status, b"404 page not found\n", {"Content-Type": "text/plain"})
        found = []
        for digest, (_media_type, data) in sorted(self.manifests.items()):
            if (json.loads(data).get("subject") or {}).get("digest") == subject:
                found.append(self.descriptor(digest))
        headers = {"Content-Type": "application/vnd.oci.image.index.v1+json"}
        if query.get("artifactType") and self.honours_filter:
            found = [f for f in found if f["artifactType"] in query["artifactType"]]
            headers["OCI-Filters-Applied"] = "artifactType"
        start = int(query.get("page", ["0"])[0])
        if self.page_size:
            if start + self.page_size < len(found):
                headers["Link"] = '</v2/%s/referrers/%s?page=%d>; rel="next"' % (REPO, subject, start + self.page_size)
            found = found[start:start + self.page_size]
        return FakeResponse(200, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": found}, headers)

    def count(self, method, fragment):
        return sum(1 for m, p in self.calls if m == method and fragment in p)


def signed_image(registry, tag_schema):
    """An image with a Notation signature, an SBOM and a signature of the SBOM (all by `subject`)."""
    image = registry.image("app")
    signature = registry.referrer(image, NOTATION, "sig", tag_schema)
    sbom = registry.referrer(image, SPDX, "sbom", tag_schema)
    sbom_signature = registry.referrer(sbom, NOTATION, "sbom-sig", tag_schema)
    return image, signature, sbom, sbom_signature


# ---- pure parts ------------------------------------------------------------------------------------------------------
def test_tag_names():
    digest = "sha256:" + "ab" * 32
    assert referrers.tag_schema_tag(digest) == "sha256-" + "ab" * 32
    assert [t for t, _type in referrers.cosign_tags(digest)] == ["sha256-%s.%s" % ("ab" * 32, s) for s in ("sig", "att", "sbom")]
    assert dict((t[-3:], a) for t, a in referrers.cosign_tags(digest))["sig"] == "application/vnd.dev.cosign.artifact.sig.v1+json"
    with pytest.raises(ValueError):
        referrers.tag_schema_tag("latest")


def test_parse_index_keeps_valid_descriptors_once():
    subject = "sha256:" + "1" * 64
    good = "sha256:" + "2" * 64
    document = {"manifests": [
        {"mediaType": OCI_MANIFEST, "digest": good, "size": 10, "artifactType": NOTATION, "annotations": {"a": "b"}},
        {"mediaType": OCI_MANIFEST, "digest": good, "size": 10, "artifactType": SPDX},   # duplicate: first kept
        {"mediaType": OCI_MANIFEST, "digest": subject},                                     # the subject itself
        {"mediaType": OCI_MANIFEST, "digest": "latest"},                                    # not a digest
        {"mediaType": OCI_MANIFEST, "digest": "sha256:" + "4" * 64 + "\n"},              # a digest and a newline: not one
        {"mediaType": OCI_MANIFEST, "digest": "sha256:" + "3" * 64, "size": "big"},        # no artifactType, odd size
        "junk",
    ]}
    parsed = referrers.parse_index(document, TAG_SCHEMA, subject, 1)
    assert parsed == [Referrer(good, OCI_MANIFEST, NOTATION, 10, {"a": "b"}, TAG_SCHEMA, None, subject, 1),
                      Referrer("sha256:" + "3" * 64, OCI_MANIFEST, None, None, {}, TAG_SCHEMA, None, subject, 1)]
    assert referrers.parse_index({}, TAG_SCHEMA, subject, 1) == []
    for bad in ([], {"manifests": {"a": 1}}):
        with pytest.raises(ValueError):
            referrers.parse_index(bad, TAG_SCHEMA, subject, 1)


def test_merge_gives_a_cosign_tag_to_a_digest_found_another_way():
    found = Referrer("sha256:" + "2" * 64, OCI_MANIFEST, NOTATION, 1, {}, REFERRERS_API, None, "s", 1)
    tagged = found._replace(found=COSIGN_TAG, tag="sha256-x.sig", artifact_type="other")
    other = found._replace(digest="sha256:" + "3" * 64)
    merged = referrers.merge([found, other, tagged])
    assert merged == [found._replace(tag="sha256-x.sig"), other]
    assert referrers.filter_types(merged, [NOTATION]) == merged and referrers.filter_types(merged, ["x"]) == []
    assert referrers.filter_types(merged, None) == merged


def test_index_children():
    assert oci.index_children({"manifests": [{"digest": "sha256:a"}, {"size": 1}, "x"]}) == ["sha256:a"]
    assert oci.index_children({"layers": []}) == [] and oci.index_children(None) == []


# ---- discovery -------------------------------------------------------------------------------------------------------
def test_referrers_api_first_with_one_level_of_recursion():
    registry = FakeRegistry(api=True)
    image, signature, sbom, sbom_signature = signed_image(registry, tag_schema=False)
    discovery = ReferrerDiscovery(registry, cosign=False)
    found = discovery.discover(HOST, REPO, image)
    assert {(r.digest, r.artifact_type, r.found, r.subject, r.depth) for r in found} == {
        (signature, NOTATION, REFERRERS_API, image, 1), (sbom, SPDX, REFERRERS_API, image, 1),
        (sbom_signature, NOTATION, REFERRERS_API, sbom, 2)}
    # One API GET per subject (image, signature, SBOM), nothing else: no tag schema when the API answers.
    assert registry.calls[0] == ("GET", "/v2/%s/referrers/%s" % (REPO, image))
    assert sorted(registry.calls) == sorted(("GET", "/v2/%s/referrers/%s" % (REPO, d)) for d in (image, sbom, signature))
    assert discovery.requests["tag-schema-head"] == 0 and discovery.no_api_hosts == set()

    # Recursion is one level only: a signature of the SBOM's signature is not looked for.
    registry.referrer(sbom_signature, NOTATION, "deeper")
    assert len(ReferrerDiscovery(registry, cosign=False).discover(HOST, REPO, image)) == 3
    assert {r.digest for r in ReferrerDiscovery(registry, cosign=False, recurse=False).discover(HOST, REPO, image)} == {signature, sbom}


def test_tag_schema_when_the_api_is_missing_and_the_host_is_remembered():
    registry = FakeRegistry(api=False)
    image, signature, sbom, sbom_signature = signed_image(registry, tag_schema=True)
    plain = registry.image("no-referrers")
    discovery = ReferrerDiscovery(registry, cosign=False)
    found = discovery.discover(HOST, REPO, [image, plain])
    assert {(r.digest, r.found, r.depth) for r in found} == {(signature, TAG_SCHEMA, 1), (sbom, TAG_SCHEMA, 1), (sbom_signature, TAG_SCHEMA, 2)}
    assert [r.artifact_type for r in found if r.digest == sbom] == [SPDX]
    # The API was asked once; after its 404 the host goes straight to the tag schema.
    assert registry.count("GET", "/referrers/") == 1 and discovery.no_api_hosts == {HOST}
    # Each subject: one HEAD of its sha256-<hex> tag; a GET only where the tag exists (image and SBOM).
    assert registry.count("HEAD", "/manifests/sha256-") == 4   # image, plain, signature, SBOM
    assert registry.count("GET", "/manifests/sha256-") == 2
    assert discovery.requests == {"referrers-api": 1, "tag-schema-head": 4, "tag-schema-get": 2, "cosign-head": 0}


@pytest.mark.parametrize("status", [400, 405, 501])
def test_other_answers_that_mean_no_api(status):
    registry = FakeRegistry(api=False, api_missing_status=status)
    image, signature, _sbom, _sbom_signature = signed_image(registry, tag_schema=True)
    assert signature in {r.digest for r in ReferrerDiscovery(registry, cosign=False, recurse=False).discover(HOST, REPO, image)}


def test_an_unknown_repository_does_not_mark_the_host_as_without_api():
    registry = FakeRegistry(api=True)
    image = registry.image("x")
    registry.overrides[("GET", "/v2/%s/referrers/" % REPO)] = FakeResponse(404, {"errors": [{"code": "NAME_UNKNOWN", "message": "x"}]})
    discovery = ReferrerDiscovery(registry, cosign=False)
    assert discovery.discover(HOST, REPO, image) == []
    assert discovery.no_api_hosts == set() and registry.count("HEAD", "/manifests/sha256-") == 1
    registry.overrides.clear()
    signature = registry.referrer(image, NOTATION, "sig")
    assert [r.found for r in discovery.discover(HOST, REPO, image) if r.digest == signature] == [REFERRERS_API]


def test_cosign_tags_are_found_by_head_only():
    registry = FakeRegistry(api=True)
    image = registry.image("app")
    signature = registry.cosign(image, "sig", "s")
    attestation = registry.cosign(image, "att", "a")
    discovery = ReferrerDiscovery(registry, recurse=False)
    found = discovery.discover(HOST, REPO, image)
    assert {(r.digest, r.found, r.tag, r.artifact_type) for r in found} == {
        (signature, COSIGN_TAG, referrers.tag_schema_tag(image) + ".sig", "application/vnd.dev.cosign.artifact.sig.v1+json"),
        (attestation, COSIGN_TAG, referrers.tag_schema_tag(image) + ".att", "application/vnd.dsse.envelope.v1+json")}
    assert all(r.size and r.media_type == OCI_MANIFEST for r in found)
    assert registry.count("HEAD", ".sig") == registry.count("HEAD", ".att") == registry.count("HEAD", ".sbom") == 1
    assert registry.count("GET", "/manifests/") == 0, "cosign tags are never fetched"

    # With recursion, each cosign referrer is asked for its own referrers (a signature of an attestation is a cosign tag too).
    att_signature = registry.cosign(attestation, "sig", "as")
    deep = ReferrerDiscovery(registry).discover(HOST, REPO, image)
    assert [(r.depth, r.subject) for r in deep if r.digest == att_signature] == [(2, attestation)]
    assert ReferrerDiscovery(registry, cosign=False).discover(HOST, REPO, image) == []


def test_artifact_type_filter_is_sent_when_single_and_applied_anyway():
    registry = FakeRegistry(api=True, honours_filter=False)
    image, signature, sbom, _sbom_signature = signed_image(registry, tag_schema=False)
    registry.cosign(image, "sig", "s")
    discovery = ReferrerDiscovery(registry, types=[NOTATION])
    found = discovery.discover(HOST, REPO, image)
    # Only Notation signatures; the SBOM is filtered out, so its signature is not looked for (it would dangle).
    assert [r.digest for r in found] == [signature]
    assert ("GET", "/v2/%s/referrers/%s?artifactType=application%%2Fvnd.cncf.notary.signature" % (REPO, image)) in registry.calls
    assert not any(sbom in p for _m, p in registry.calls)

    both = ReferrerDiscovery(registry, types=[NOTATION, SPDX], cosign=False).discover(HOST, REPO, image)
    assert len(both) == 3 and not any("artifactType=" in p for _m, p in registry.calls[-3:])
    cosign_only = ReferrerDiscovery(registry, types=["application/vnd.dev.cosign.artifact.sig.v1+json"], recurse=False)
    assert [r.found for r in cosign_only.discover(HOST, REPO, image)] == [COSIGN_TAG]


def test_tag_schema_index_filtered_client_side():
    registry = FakeRegistry(api=False)
    image, signature, _sbom, _sbom_signature = signed_image(registry, tag_schema=True)
    found = ReferrerDiscovery(registry, types=[NOTATION], cosign=False).discover(HOST, REPO, image)
    assert [r.digest for r in found] == [signature]


def test_api_pages_are_followed():
    registry = FakeRegistry(api=True, page_size=2)
    image = registry.image("app")
    digests = {registry.referrer(image, NOTATION, "sig-%d" % n) for n in range(5)}
    discovery = ReferrerDiscovery(registry, cosign=False, recurse=False)
    assert {r.digest for r in discovery.discover(HOST, REPO, image)} == digests
    assert discovery.requests["referrers-api"] == 3


def test_index_and_children_are_merged():
    registry = FakeRegistry(api=True)
    child_a, child_b = registry.image("a"), registry.image("b")
    index = registry.add({"schemaVersion": 2, "manifests": [{"digest": child_a}, {"digest": child_b}]},
                         media_type="application/vnd.oci.image.index.v1+json")
    on_index = registry.referrer(index, NOTATION, "i")
    on_child = registry.referrer(child_b, "application/vnd.in-toto+json", "att")
    subjects = [index] + oci.index_children(json.loads(registry.manifests[index][1]))
    found = ReferrerDiscovery(registry, cosign=False).discover(HOST, REPO, subjects)
    assert {(r.digest, r.subject) for r in found} == {(on_index, index), (on_child, child_b)}


@pytest.mark.parametrize("status, code, transient", [(401, "UNAUTHORIZED", False), (403, "DENIED", False), (429, "TOOMANYREQUESTS", True),
                                                     (503, None, True)])
def test_errors_are_reported(status, code, transient):
    registry = FakeRegistry(api=True)
    image = registry.image("app")
    registry.overrides[("GET", "/v2/%s/referrers/" % REPO)] = FakeResponse(status, {"errors": [{"code": "X", "message": "no"}]})
    with pytest.raises(AcrOpsError) as caught:
        ReferrerDiscovery(registry).discover(HOST, REPO, image)
    assert caught.value.code == code and caught.value.transient is transient and "HTTP %d" % status in str(caught.value)


def test_garbage_answers_are_errors():
    registry = FakeRegistry(api=True)
    image = registry.image("app")
    registry.overrides[("GET", "/v2/%s/referrers/" % REPO)] = FakeResponse(200, b"<html>", {"Content-Type": "text/html"})
    with pytest.raises(AcrOpsError, match="not an image index"):
        ReferrerDiscovery(registry).discover(HOST, REPO, image)
    registry.overrides.clear()
    registry.cosign(image, "sig", "s")
    registry.overrides[("HEAD", "/v2/%s/manifests/sha256-" % REPO)] = FakeResponse(200, b"", {"Content-Type": OCI_MANIFEST})
    with pytest.raises(AcrOpsError, match="without a Docker-Content-Digest"):
        ReferrerDiscovery(registry).discover(HOST, REPO, image)


def test_discover_with_a_type_filter():
    registry = FakeRegistry(api=False)
    image, signature, _sbom, _sbom_signature = signed_image(registry, tag_schema=True)
    assert signature in {r.digest for r in ReferrerDiscovery(registry, types=[NOTATION]).discover(HOST, REPO, image)}
