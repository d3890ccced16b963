# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Referrers against the stand-in: the ACR data plane's referrers API, server-side imports of signatures by digest, and
discovery (plugins/module_utils/referrers.py) on a distribution 2.8 source (tag schema, cosign tags) and on ACR (API)."""

from __future__ import annotations

import json
import os

import pytest

from standin import artifacts, clients, images
from standin.tagstore import repo_file

from ansible_collections.acrops.registry.plugins.module_utils.errors import Redactor
from ansible_collections.acrops.registry.plugins.module_utils.referrers import COSIGN_TAG, REFERRERS_API, TAG_SCHEMA, ReferrerDiscovery
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient

pytest.importorskip("azure.mgmt.containerregistry")

DOCKER_HUB = "registry-1.docker.io"
NOTATION = artifacts.NOTATION_SIGNATURE
SPDX = artifacts.SPDX


def acr_referrers(standin, repo, digest, artifact_type=None, registry="standinacr", token_repo=None):
    """GET /v2/<repo>/referrers/<digest> on an emulated ACR with a pull token: the response."""
    token = standin.acr_token(registry, "repository:%s:pull" % (token_repo or repo))
    with standin.proxied_session() as session:
        return session.get("https://%s/v2/%s/referrers/%s" % (standin.env["registries"][registry]["login_server"], repo, digest),
                           params={"artifactType": artifact_type} if artifact_type else None,
                           headers={"Authorization": "Bearer " + token}, timeout=30)


def listed(response):
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/vnd.oci.image.index.v1+json"
    document = response.json()
    assert document["schemaVersion"] == 2 and document["mediaType"] == "application/vnd.oci.image.index.v1+json"
    return {m["digest"]: m for m in document["manifests"]}


def read_index(standin, repo, registry="standinacr"):
    """The stand-in's referrers index of one repository, as saved (world.ReferrersIndex)."""
    with open(repo_file(os.path.join(standin.env["state_dir"], "registries", registry, "referrers"), repo), encoding="utf-8") as handle:
        return json.load(handle)


def source_client(standin):
    return RegistryClient(Redactor([]), verify=standin.env["ca_bundle"])


def acr_client(standin):
    client = RegistryClient(Redactor([]), verify=standin.env["ca_bundle"], tenant=standin.env["tenant_id"])
    client.add_acr(standin.env["registries"]["standinacr"]["login_server"])
    client.set_entra_token(standin.entra_token)
    return client


def test_acr_lists_a_notation_signature_pushed_to_it(standin_client, unique_repo):
    standin = standin_client
    image = standin.push("standinacr", unique_repo, "1")
    signature = artifacts.sign_notation(standin, "standinacr", unique_repo, image, via="front")
    # The front recorded the PUT at once (the index file names it before any referrers call).
    assert read_index(standin, unique_repo)[signature]["subject"] == image

    found = listed(acr_referrers(standin, unique_repo, image))
    assert list(found) == [signature]
    descriptor = found[signature]
    assert descriptor["artifactType"] == NOTATION and descriptor["mediaType"] == images.OCI_MANIFEST
    with artifacts.target(standin, "standinacr", "storage") as storage:
        assert descriptor["size"] == len(storage.get_manifest(unique_repo, signature)[2])
    assert "io.cncf.notary.x509chain.thumbprint#S256" in descriptor["annotations"]
    assert standin.acr_digest("standinacr", unique_repo, signature) == signature

    # An SBOM pushed straight to storage (not through the front) is listed too; the filter narrows, and says so.
    sbom = artifacts.attach_sbom(standin, "standinacr", unique_repo, image)
    assert set(listed(acr_referrers(standin, unique_repo, image))) == {signature, sbom}
    filtered = acr_referrers(standin, unique_repo, image, artifact_type=SPDX)
    assert list(listed(filtered)) == [sbom] and filtered.headers["OCI-Filters-Applied"] == "artifactType"
    assert "OCI-Filters-Applied" not in acr_referrers(standin, unique_repo, image).headers
    assert listed(acr_referrers(standin, unique_repo, image, artifact_type="application/x-none")) == {}

    # A digest nothing refers to: an empty index. An unknown repository: 404 NAME_UNKNOWN. No token: the pull challenge.
    assert listed(acr_referrers(standin, unique_repo, signature)) == {}
    missing = acr_referrers(standin, unique_repo + "-missing", image)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NAME_UNKNOWN"
    login = standin.env["registries"]["standinacr"]["login_server"]
    with standin.proxied_session() as session:
        anonymous = session.get("https://%s/v2/%s/referrers/%s" % (login, unique_repo, image), timeout=30)
    assert anonymous.status_code == 401 and 'scope="repository:%s:pull"' % unique_repo in anonymous.headers["WWW-Authenticate"]
    wrong_scope = acr_referrers(standin, unique_repo, image, token_repo=unique_repo + "-other")
    assert wrong_scope.status_code == 401

    # A deleted referrer is no longer listed.
    with artifacts.target(standin, "standinacr", "storage") as storage:
        deleted = storage.session.delete("%s/v2/%s/manifests/%s" % (storage.base, unique_repo, sbom), timeout=30)
    assert deleted.status_code == 202
    assert list(listed(acr_referrers(standin, unique_repo, image))) == [signature]


def test_imported_signatures_keep_their_digest_and_are_listed_by_acr(standin_client, unique_repo):
    standin = standin_client
    source_repo = "library/" + unique_repo.replace("/", "-")
    image = standin.push("dockerhub", source_repo, "1")
    signature = artifacts.sign_notation(standin, "dockerhub", source_repo, image)
    sbom = artifacts.attach_sbom(standin, "dockerhub", source_repo, image)
    sbom_signature = artifacts.sign_notation(standin, "dockerhub", source_repo, sbom)
    cosign_sig = artifacts.cosign_sign(standin, "dockerhub", source_repo, image)
    cosign_att = artifacts.cosign_attest(standin, "dockerhub", source_repo, image, media="docker")

    clients.import_image(standin, registry_uri="docker.io", source_image="%s:1" % source_repo, target_tags=["%s:1" % unique_repo])
    assert listed(acr_referrers(standin, unique_repo, image)) == {}, "an import copies no referrers by itself"

    # Each referrer by digest, manifest-only (untaggedTargetRepositories = the target repository): bytes and digest kept.
    for digest in (signature, sbom, sbom_signature):
        clients.import_image(standin, registry_uri="docker.io", source_image="%s@%s" % (source_repo, digest), untagged=[unique_repo])
        assert standin.acr_digest("standinacr", unique_repo, digest) == digest
    recorded = read_index(standin, unique_repo)   # the copier recorded them as it wrote them (no referrers call since)
    assert {d: recorded[d]["subject"] for d in (signature, sbom, sbom_signature)} == {signature: image, sbom: image, sbom_signature: sbom}
    on_image = listed(acr_referrers(standin, unique_repo, image))
    assert set(on_image) == {signature, sbom}
    assert on_image[signature]["artifactType"] == NOTATION and on_image[sbom]["artifactType"] == SPDX
    assert list(listed(acr_referrers(standin, unique_repo, sbom))) == [sbom_signature]
    assert list(listed(acr_referrers(standin, unique_repo, image, artifact_type=NOTATION))) == [signature]

    # cosign's sidecars under the same tag names (cosign finds them by tag), an OCI and a Docker v2 manifest.
    for digest, suffix in ((cosign_sig, "sig"), (cosign_att, "att")):
        tag = artifacts.cosign_tag(image, suffix)
        clients.import_image(standin, registry_uri="docker.io", source_image="%s:%s" % (source_repo, tag), target_tags=["%s:%s" % (unique_repo, tag)])
        assert standin.acr_digest("standinacr", unique_repo, tag) == digest
    assert set(listed(acr_referrers(standin, unique_repo, image))) == {signature, sbom}, "cosign tags have no subject"

    # A tagged import of a Notation signature keeps its digest too, and the referrers API lists it in that repository.
    clients.import_image(standin, registry_uri="docker.io", source_image="%s@%s" % (source_repo, signature),
                         target_tags=["%s-tagged:sig" % unique_repo])
    assert standin.acr_digest("standinacr", unique_repo + "-tagged", "sig") == signature
    assert list(listed(acr_referrers(standin, unique_repo + "-tagged", image))) == [signature]

    # Discovery on ACR goes through its referrers API (and still finds the cosign tags by HEAD).
    discovery = ReferrerDiscovery(acr_client(standin))
    found = {r.digest: r for r in discovery.discover(standin.env["registries"]["standinacr"]["login_server"], unique_repo, image)}
    assert {d: (r.found, r.depth) for d, r in found.items()} == {
        signature: (REFERRERS_API, 1), sbom: (REFERRERS_API, 1), sbom_signature: (REFERRERS_API, 2),
        cosign_sig: (COSIGN_TAG, 1), cosign_att: (COSIGN_TAG, 1)}
    assert discovery.requests["tag-schema-head"] == 0 and discovery.no_api_hosts == set()


def test_discovery_on_a_distribution_source(standin_client, unique_repo):
    standin = standin_client
    repo = "library/" + unique_repo.replace("/", "-")
    image = standin.push("dockerhub", repo, "1")
    children = images.build_image(seed="%s:1" % repo).manifests
    child = [d for d, _t, _b in children if d != image][0]
    signature = artifacts.sign_notation(standin, "dockerhub", repo, image)
    sbom = artifacts.attach_sbom(standin, "dockerhub", repo, image)
    sbom_signature = artifacts.sign_notation(standin, "dockerhub", repo, sbom)
    child_attestation = artifacts.cosign_attest(standin, "dockerhub", repo, child)
    cosign_sig = artifacts.cosign_sign(standin, "dockerhub", repo, image, media="docker")
    cosign_att = artifacts.cosign_attest(standin, "dockerhub", repo, image)
    cosign_bom = artifacts.cosign_sbom(standin, "dockerhub", repo, image)
    index = artifacts.tag_schema_index(standin, "dockerhub", repo, image)
    assert [m["digest"] for m in index["manifests"]] == [signature, sbom]
    standin.control.reset()

    discovery = ReferrerDiscovery(source_client(standin))
    found = {r.digest: r for r in discovery.discover(DOCKER_HUB, repo, [image, child])}
    assert {d: (r.found, r.depth, r.subject) for d, r in found.items()} == {
        signature: (TAG_SCHEMA, 1, image), sbom: (TAG_SCHEMA, 1, image), sbom_signature: (TAG_SCHEMA, 2, sbom),
        cosign_sig: (COSIGN_TAG, 1, image), cosign_att: (COSIGN_TAG, 1, image), cosign_bom: (COSIGN_TAG, 1, image),
        child_attestation: (COSIGN_TAG, 1, child)}
    assert found[signature].artifact_type == NOTATION and found[sbom].artifact_type == SPDX
    assert found[cosign_sig].tag == artifacts.cosign_tag(image, "sig")
    assert found[cosign_sig].media_type == images.DOCKER_MANIFEST and found[cosign_att].media_type == images.OCI_MANIFEST
    assert found[cosign_att].artifact_type == "application/vnd.dsse.envelope.v1+json"
    for referrer in found.values():
        assert referrer.digest == standin.storage_digest("dockerhub", repo, referrer.digest)

    # Economy: the API once (404, then the host is known to lack it); tag-schema GETs only where the tag exists (image, SBOM);
    # cosign tags by HEAD only. Manifest GETs are what Docker Hub counts against the pull limit.
    counters = standin.control.counters()["requests"]
    assert counters.get("%s GET source:other" % DOCKER_HUB) == 1 and discovery.no_api_hosts == {DOCKER_HUB}
    assert counters.get("%s GET source:/v2/{repo}/manifests/{ref}" % DOCKER_HUB) == 2 == discovery.requests["tag-schema-get"]
    subjects = 2 + 6   # image and child, then the 6 referrers at depth 1, each asked for its own (depth 2: not asked)
    assert discovery.requests["tag-schema-head"] == subjects and discovery.requests["cosign-head"] == 3 * subjects

    # The artifact type filter: only Notation signatures (the SBOM is left out, and so is its signature).
    only = ReferrerDiscovery(source_client(standin), types=[NOTATION]).discover(DOCKER_HUB, repo, [image, child])
    assert [(r.digest, r.found) for r in only] == [(signature, TAG_SCHEMA)]
    cosign_only = ReferrerDiscovery(source_client(standin), types=["application/vnd.dev.cosign.artifact.sig.v1+json"], recurse=False)
    assert [r.digest for r in cosign_only.discover(DOCKER_HUB, repo, image)] == [cosign_sig]
