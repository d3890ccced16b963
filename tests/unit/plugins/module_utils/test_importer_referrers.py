# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Referrers in acr_import: validation of the options (pure), and the copy step (referrer_import.ReferrerImport) with stub
clients and a discovery passed in (no network): presence checks, import bodies, order by depth, check mode, failures, counts."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.filter import mirror
from ansible_collections.acrops.registry.plugins.module_utils import image_requests, importer, reference, referrer_import, retries
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.image_requests import ImageRequest
from ansible_collections.acrops.registry.plugins.module_utils.referrers import COSIGN_TAG, TAG_SCHEMA, Referrer
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import TagState
from ansible_collections.acrops.registry.tests.unit.plugins.module_utils.fakes import FakeArm as Arm, FakeRegistryClient, FakeTarget as Target

NOTATION = "application/vnd.cncf.notary.signature"
SPDX = "application/spdx+json"
IMAGE = "sha256:" + "a" * 64
SIGNATURE = "sha256:" + "b" * 64
SBOM = "sha256:" + "c" * 64
SBOM_SIGNATURE = "sha256:" + "d" * 64
COSIGN = "sha256:" + "e" * 64
COSIGN_TAG_NAME = "sha256-%s.sig" % ("a" * 64)
CHILD = "sha256:" + "f" * 64
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


# ---- validation -------------------------------------------------------------------------------------------------------
def test_referrers_are_off_by_default_and_entries_inherit_the_module_level_values():
    request = image_requests.validate_image({"source": "nginx:1.25"}, {}, "source")
    assert (request.referrers, request.referrers_types) == (False, ())
    pending = image_requests.validate_batch([{"source": "nginx:1.25"}, {"source": "redis:7", "referrers": False},
                                             {"source": "alpine:3", "referrers_types": [SPDX, SPDX]}],
                                            {"referrers": True, "referrers_types": [NOTATION]})
    assert [(p.referrers, p.referrers_types) for p in pending] == [(True, (NOTATION,)), (False, (NOTATION,)), (True, (SPDX,))]


@pytest.mark.parametrize("types, message", [
    (["notation"], "is not an artifact type"),
    (["application/x y"], "is not an artifact type"),
    ([""], "is not an artifact type"),
    ("application/spdx+json", "must be a list"),
    ([], "empty list"),
])
def test_bad_artifact_types_are_refused_with_an_example(types, message):
    with pytest.raises(AcrOpsError, match=message):
        image_requests.validate_image({"source": "nginx:1.25", "referrers": True, "referrers_types": types}, {}, "source")


def test_artifact_types_without_referrers_are_refused():
    with pytest.raises(AcrOpsError, match="referrers_types is set but referrers is not"):
        image_requests.validate_image({"source": "nginx:1.25", "referrers": False, "referrers_types": [NOTATION]}, {}, "source")
    with pytest.raises(AcrOpsError, match="neither for the module nor for any entry"):
        image_requests.validate_batch([{"source": "nginx:1.25"}], {"referrers": False, "referrers_types": [NOTATION]})
    # The module-level list serves entries that switch referrers on.
    pending = image_requests.validate_batch([{"source": "nginx:1.25", "referrers": True}, {"source": "redis:7"}],
                                            {"referrers": False, "referrers_types": [NOTATION]})
    assert [(p.referrers, p.referrers_types) for p in pending] == [(True, (NOTATION,)), (False, (NOTATION,))]


def test_the_role_filter_passes_an_entrys_referrer_keys_through():
    out = mirror.mirror_requests([{"source": "nginx:1.25", "referrers": True, "referrers_types": [NOTATION]},
                                  {"source": "redis:7", "referrers": False}, "alpine:3",
                                  {"source": "docker.io/library/node", "tags": {"latest": 1}, "referrers": True}])
    assert [(r.get("referrers"), r.get("referrers_types")) for r in out] == [(True, [NOTATION]), (False, None), (None, None), (True, None)]
    report = mirror.mirror_report({"results": [{"source": "s", "referrers": [{"digest": SIGNATURE, "action": "imported"}]}]}, "acr")
    assert report["images"][0]["referrers"] == [{"digest": SIGNATURE, "action": "imported"}]


# ---- the copy step --------------------------------------------------------------------------------------------------
def make(found, registry=None, arm=None, check_mode=False, tags=(("app", "1"),), untagged=(), platform=None, force=False):
    """A ReferrerImport whose discovery answers `found` (or raises it, when it is an exception)."""
    registry = registry or FakeRegistryClient()
    arm = arm or Arm()
    ctx = importer.Context(arm, registry, Target(), Redactor(["s3cret"]), check_mode, True, 60)
    request = ImageRequest(reference.parse("docker.io/library/app:1"), username="bot", password="s3cret", tags=tuple(tags),
                           untagged=tuple(untagged), label="app", platform=platform, referrers=True, force=force)

    def discover(asked, subjects):
        assert asked is request
        if isinstance(found, Exception):
            raise found
        return list(found)

    return referrer_import.ReferrerImport(ctx, request, discover, []), registry, arm


def referrer(digest, subject=IMAGE, depth=1, artifact_type=NOTATION, found=TAG_SCHEMA, tag=None):
    return Referrer(digest, OCI_MANIFEST, artifact_type, 100, {}, found, tag, subject, depth)


FOUND = [referrer(SBOM_SIGNATURE, subject=SBOM, depth=2), referrer(SIGNATURE), referrer(SBOM, artifact_type=SPDX),
         referrer(COSIGN, artifact_type="application/vnd.dev.cosign.artifact.sig.v1+json", found=COSIGN_TAG, tag=COSIGN_TAG_NAME)]


def follow(job, digest=IMAGE, media_type=OCI_MANIFEST):
    result = {"changed": False, "failed": False}
    job.follow(result, digest, media_type)
    return result


def test_missing_referrers_are_imported_by_digest_depth_first_cosign_under_its_tag():
    job, registry, arm = make(FOUND, untagged=("archive/app",))
    result = follow(job)
    assert result["changed"] is True and not result["failed"]
    images = [b["source"]["sourceImage"] for b in arm.bodies]
    assert images == ["library/app@" + d for d in (SIGNATURE, SBOM, COSIGN, SBOM_SIGNATURE)], "depth 1 before depth 2"
    signature_body = arm.bodies[0]
    assert signature_body["untaggedTargetRepositories"] == ["app", "archive/app"] and "targetTags" not in signature_body
    assert signature_body["mode"] == "NoForce" and signature_body["source"]["registryUri"] == "docker.io"
    assert signature_body["source"]["credentials"] == {"username": "bot", "password": "s3cret"}
    cosign_body = arm.bodies[2]
    assert cosign_body["targetTags"] == ["app:" + COSIGN_TAG_NAME, "archive/app:" + COSIGN_TAG_NAME] and cosign_body["mode"] == "NoForce"
    assert "untaggedTargetRepositories" not in cosign_body
    assert {(e["digest"], e["repository"]): e["action"] for e in result["referrers"]} == dict.fromkeys(
        [(d, r) for d in (SIGNATURE, SBOM, COSIGN, SBOM_SIGNATURE) for r in ("app", "archive/app")], "imported")
    cosign = [e for e in result["referrers"] if e["digest"] == COSIGN][0]
    assert cosign["tag"] == COSIGN_TAG_NAME and cosign["found_by"] == COSIGN_TAG and cosign["depth"] == 1
    assert importer.count([dict(result, targets=[], untagged=[])])["referrers_imported"] == 8


def test_present_referrers_are_left_alone_and_only_missing_repositories_are_imported():
    registry = FakeRegistryClient(present=[("app", SIGNATURE), ("archive/app", SIGNATURE), ("app", SBOM), ("app", SBOM_SIGNATURE),
                                           ("archive/app", SBOM_SIGNATURE)],
                                  tags={("app", COSIGN_TAG_NAME): TagState(COSIGN, False, None, None),
                                        ("archive/app", COSIGN_TAG_NAME): TagState(COSIGN, False, None, None)})
    job, registry, arm = make(FOUND, registry=registry, untagged=("archive/app",))
    result = follow(job)
    assert [(b["source"]["sourceImage"], b["untaggedTargetRepositories"]) for b in arm.bodies] == [("library/app@" + SBOM, ["archive/app"])]
    assert result["changed"] is True
    everything = FakeRegistryClient(present=list(registry.present) + [("archive/app", SBOM)], tags=registry.tags)
    job, dummy, arm = make(FOUND, registry=everything, untagged=("archive/app",))
    result = follow(job)
    assert arm.bodies == [] and result["changed"] is False
    assert {e["action"] for e in result["referrers"]} == {"unchanged"}


def test_a_moved_cosign_tag_is_imported_again_with_force_but_a_locked_one_fails_the_image():
    moved = FakeRegistryClient(tags={("app", COSIGN_TAG_NAME): TagState("sha256:" + "0" * 64, False, None, None)}, present=[("app", SIGNATURE)])
    job, dummy, arm = make(FOUND[1:2] + FOUND[3:], registry=moved, force=True)
    result = follow(job)
    assert [(b.get("targetTags"), b["mode"]) for b in arm.bodies] == [(["app:" + COSIGN_TAG_NAME], "Force")] and not result["failed"]
    locked = FakeRegistryClient(tags={("app", COSIGN_TAG_NAME): TagState("sha256:" + "0" * 64, True, None, None)})
    job, dummy, arm = make(FOUND[1:2] + FOUND[3:], registry=locked, force=True)
    result = follow(job)
    assert result["failed"] is True and result["error_code"] == "REFERRER_FAILED"
    assert "locked" in result["msg"] and COSIGN in result["msg"]
    assert [b["source"]["sourceImage"] for b in arm.bodies] == ["library/app@" + SIGNATURE], "the others are still copied"
    assert {e["digest"]: e["action"] for e in result["referrers"]} == {SIGNATURE: "imported", COSIGN: "failed"}


def test_check_mode_predicts_and_imports_nothing():
    job, registry, arm = make(FOUND, registry=FakeRegistryClient(present=[("app", SIGNATURE)]), check_mode=True)
    result = follow(job)
    assert arm.bodies == [] and result["changed"] is True
    assert {e["digest"]: e["action"] for e in result["referrers"]} == {
        SIGNATURE: "unchanged", SBOM: "would_import", COSIGN: "would_import", SBOM_SIGNATURE: "would_import"}


def test_a_failed_referrer_fails_the_image_and_what_refers_to_it_is_not_attempted():
    arm = Arm(fail={"library/app@" + SBOM: AcrOpsError("Invalid message Unauthorized Unauthorized (password s3cret)")})
    job, dummy, arm = make(FOUND, arm=arm)
    result = follow(job)
    assert result["failed"] is True and "2 of its referrers could not be copied" in result["msg"]
    assert "s3cret" not in str(result), "secrets are scrubbed"
    actions = {e["digest"]: (e["action"], e.get("msg", "")) for e in result["referrers"]}
    assert actions[SBOM][0] == "failed" and "Unauthorized" in actions[SBOM][1]
    assert actions[SBOM_SIGNATURE] == ("failed", "not attempted: the referrer it refers to (%s) failed" % SBOM)
    assert "library/app@" + SBOM_SIGNATURE not in [b["source"]["sourceImage"] for b in arm.bodies]
    assert actions[SIGNATURE][0] == actions[COSIGN][0] == "imported"


def test_a_transient_import_failure_is_retried(monkeypatch):
    monkeypatch.setattr(retries.time, "sleep", lambda seconds: None)

    class Flaky(Arm):  # pylint: disable=too-few-public-methods
        def import_image(self, target, body, wait, timeout):
            self.bodies.append(body)
            if len(self.bodies) == 1:
                raise AcrOpsError("busy", transient=True)
            return "https://operation"

    job, dummy, arm = make(FOUND[1:2], arm=Flaky())
    result = follow(job)
    assert len(arm.bodies) == 2 and {e["action"] for e in result["referrers"]} == {"imported"}
    assert any("retrying" in w for w in job.warnings)


def test_discovery_failure_and_unknown_digest_fail_the_image():
    job, dummy, arm = make(AcrOpsError("registry-1.docker.io answered HTTP 429 for the referrers", code="TOOMANYREQUESTS", transient=True))
    result = follow(job)
    assert result["failed"] and result["error_code"] == "TOOMANYREQUESTS" and "discovering the referrers" in result["msg"]
    job, dummy, arm = make(FOUND)
    result = follow(job, digest=None)
    assert result["failed"] and "could not be read from here" in result["msg"] and arm.bodies == []


def test_subjects_an_index_and_its_children_a_manifest_alone_a_platform_its_child():
    index = {"mediaType": OCI_INDEX, "manifests": [{"digest": CHILD}, {"digest": SBOM}]}
    job, registry, dummy = make([], registry=FakeRegistryClient(index=index))
    assert job.subjects(IMAGE, OCI_INDEX) == [IMAGE, CHILD, SBOM]
    assert [c[0] for c in registry.calls] == ["GET"], "one GET of the index"
    job, registry, dummy = make([])
    assert job.subjects(IMAGE, OCI_MANIFEST) == [IMAGE] and registry.calls == [], "a plain manifest costs nothing more"
    job, registry, dummy = make([], registry=FakeRegistryClient(index=index))
    assert job.subjects(IMAGE, None) == [IMAGE, CHILD, SBOM], "media type unknown: the GET says"
    job, registry, dummy = make([], registry=FakeRegistryClient(index=index), platform="linux/amd64")
    assert job.subjects(CHILD, None) == [CHILD] and registry.calls == []


def test_target_repositories_are_the_tags_and_untagged_ones_once_each():
    job = make([], tags=(("app", "1"), ("app", "latest"), ("mirror/app", "1")), untagged=("archive/app", "app"))[0]
    assert referrer_import.target_repositories(job.request) == ["app", "mirror/app", "archive/app"]
