# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 20: every image ends with its own, true result (fakes, no network).

A bug or a malformed answer in one image is that image's failure; an import that landed is reported as such even when the
check after it fails or a retry finds it in place; a source that cannot be read fails the image unless the user chose
otherwise; cosign tags follow force; an index fetched by digest must hash to it; listed tags are validated; the import
failures retried are those the service's codes call transient."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.acrops.registry.plugins.module_utils import arm, importer, policy_expansion, reference, referrer_import, retries, tag_policy
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.image_requests import ImageRequest
from ansible_collections.acrops.registry.plugins.module_utils.referrers import COSIGN_TAG, Referrer
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient, RegistryUnreachable
from ansible_collections.acrops.registry.tests.unit.plugins.module_utils.fakes import FakeArm, FakeRegistryClient, FakeTarget, tag_state

HOST = "registry-1.docker.io"
NEW = "sha256:" + "1" * 64
OLD = "sha256:" + "2" * 64
SECRET = "s3cret-password"


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retries.time, "sleep", lambda seconds: None)


def image(name, force=False, password=None):
    return ImageRequest(reference.parse("docker.io/library/%s:1" % name), username="bot" if password else None, password=password,
                        tags=(("%s" % name, "1"),), force=force, label=name)


def context(client, arm=None, unreadable_source="fail", check_mode=False):
    return importer.Context(arm or FakeArm(), client, FakeTarget(), Redactor([SECRET]), check_mode, True, 60,
                            unreadable_source=unreadable_source)


# ---- item 2: one image's bug or malformed answer is that image's failure -------------------------------------------------
def test_a_bug_in_one_image_fails_that_image_only_scrubbed_and_the_batch_reports_its_changes():
    client = FakeRegistryClient(sources={HOST + "/library/good:1": NEW, HOST + "/library/bad:1": KeyError("password=" + SECRET),
                                         HOST + "/library/also:1": NEW})
    results = importer.run_batch(context(client, LandingArm(client)), [image("good"), image("bad"), image("also")], concurrency=3)
    good, bad, also = results
    assert bad["failed"] is True and bad["error_code"] == "INTERNAL" and "KeyError" in bad["msg"] and SECRET not in json.dumps(bad)
    assert good["changed"] and also["changed"] and not good["failed"] and not also["failed"]
    assert [t["action"] for t in good["targets"]] == ["imported"]


def test_a_bug_after_the_import_keeps_the_import_in_the_result(monkeypatch):
    client = FakeRegistryClient(sources={HOST + "/library/app:1": NEW})
    job = importer.ImageImport(context(client), image("app"))
    monkeypatch.setattr(job, "_verify", lambda *a: {}["boom"])
    result = job.run()
    assert result["failed"] and result["error_code"] == "INTERNAL" and result["changed"] is True
    assert [(t["action"], t["after"]) for t in result["targets"]] == [("imported", NEW)]


def response(status, body, content_type="application/json", headers=None):
    answer = requests.Response()
    answer.status_code = status
    answer._content = body.encode() if isinstance(body, str) else body  # pylint: disable=protected-access
    answer.headers["Content-Type"] = content_type
    answer.headers.update(headers or {})
    return answer


def client_answering(*answers):
    client = RegistryClient(Redactor([SECRET]))
    queue = list(answers)
    client.request = lambda *args, **kwargs: queue.pop(0)
    return client


@pytest.mark.parametrize("call, answer, words", [
    (lambda c: c.manifest(HOST, "library/app", "1"), response(200, "[1, 2]"), "not a JSON object"),
    (lambda c: c.manifest(HOST, "library/app", "1"), response(200, "<html>proxy " + SECRET + "</html>", "text/html"), "not JSON"),
    (lambda c: c.acr_tag("acr.azurecr.io", "app", "1"), response(200, "<html>sign in</html>", "text/html"), "not JSON"),
    (lambda c: c.acr_tag("acr.azurecr.io", "app", "1"), response(200, '["tag"]'), "not a JSON object"),
    (lambda c: c.list_tags(HOST, "library/app"), response(200, '{"tags": "latest"}'), "not a tag list"),
])
def test_malformed_answers_are_clear_errors_naming_the_host_and_what_came_back(call, answer, words):
    with pytest.raises(AcrOpsError) as caught:
        call(client_answering(answer))
    text = str(caught.value)
    assert words in text and ("acr.azurecr.io" in text or HOST in text) and SECRET not in text
    assert "<html>" in text or "[" in text or "latest" in text, "the first bytes of the answer are shown"


# ---- item 3: what landed is reported as landed ---------------------------------------------------------------------------
class ReadsFailAfterImport(FakeRegistryClient):
    """Target reads work until the import was submitted, then fail (the verification re-read)."""

    def __init__(self, arm, **kwargs):
        super().__init__(**kwargs)
        self.arm = arm

    def acr_tag(self, login_server, repository, tag):
        if self.arm.bodies:
            raise AcrOpsError("acr answered HTTP 503 for app:1", transient=True)
        return super().acr_tag(login_server, repository, tag)


def test_a_failed_verification_read_leaves_the_import_reported_imported_and_unverified():
    arm = FakeArm()
    client = ReadsFailAfterImport(arm, sources={HOST + "/library/app:1": NEW})
    result = importer.ImageImport(context(client, arm), image("app")).run()
    assert not result["failed"] and result["changed"] is True and result["verified"] is False
    assert [(t["action"], t["before"], t["after"]) for t in result["targets"]] == [("imported", None, NEW)]
    assert any("could not be verified" in w for w in result["warnings"]) and len(arm.bodies) == 1


def test_the_advisory_source_head_never_fails_an_image():
    class HeadFails(FakeRegistryClient):
        def manifest_digest(self, host, repository, reference, credentials=None):
            raise RegistryUnreachable("cannot reach %s: ReadTimeout" % host)

    client = HeadFails(sources={HOST + "/library/app:1": NEW})
    arm_landing = LandingArm(client)
    result = importer.ImageImport(context(client, arm_landing), image("app")).run()
    assert not result["failed"] and result["changed"] and result["verified"] is True
    assert any("did not move" in w or "could not be checked" in w for w in result["warnings"])


class LandingArm(FakeArm):
    """An ARM whose imports land in the fake registry; the first `lost` answers are lost (transient) although it landed."""

    def __init__(self, client, lost=0, error=None):
        super().__init__()
        self.client = client
        self.lost = lost
        self.error = error or AcrOpsError("import into acr failed: ServiceResponseError: connection reset", transient=True,
                                          operation_url="https://operation/lost")

    def import_image(self, target, body, wait, timeout):
        self.bodies.append(body)
        digest = body["source"]["sourceImage"].split("@")[1]
        for name in body.get("targetTags") or []:
            repository, tag = name.split(":")
            self.client.tags[(repository, tag)] = tag_state(digest)
        if len(self.bodies) <= self.lost:
            raise self.error
        return "https://operation/%d" % len(self.bodies)


@pytest.mark.parametrize("before, action", [(None, "imported"), (OLD, "overwritten")])
def test_a_retry_that_finds_the_first_attempt_landed_reports_it_imported(before, action):
    client = FakeRegistryClient(sources={HOST + "/library/app:1": NEW}, tags={("app", "1"): tag_state(before)} if before else {})
    arm = LandingArm(client, lost=1)
    result = importer.ImageImport(context(client, arm), image("app", force=True)).run()
    assert len(arm.bodies) == 1, "the re-read found it in place: no second import"
    assert not result["failed"] and result["changed"] is True
    assert [(t["action"], t["before"], t["after"]) for t in result["targets"]] == [(action, before, NEW)]


def test_an_import_the_service_refused_is_not_credited_when_someone_else_wrote_the_tag():
    """Two runs of one mirror: ours was refused (NoForce, the tag exists), the other run's import landed the same digest."""
    client = FakeRegistryClient(sources={HOST + "/library/app:1": NEW})
    refused = AcrOpsError("import into acr failed: Operation registries-1 failed. Resource %s Tag app:1 already exists in target registry."
                          % "/subscriptions/0/registries/acr", code="InvalidParameters", operation_url="https://operation/1")
    arm = LandingArm(client, lost=1, error=refused)
    result = importer.ImageImport(context(client, arm), image("app")).run()
    assert [t["action"] for t in result["targets"]] == ["unchanged"] and result["changed"] is False and not result["failed"]


# ---- item 7: a source that cannot be read fails the image unless asked otherwise ----------------------------------------
def unreachable_client(existing=OLD):
    return FakeRegistryClient(sources={HOST + "/library/app:1": RegistryUnreachable("cannot reach %s: ReadTimeout" % HOST)},
                              tags={("app", "1"): tag_state(existing)})


def test_an_unreadable_source_fails_the_image_and_imports_nothing_even_with_force():
    arm = FakeArm()
    result = importer.ImageImport(context(unreachable_client(), arm), image("app", force=True)).run()
    assert result["failed"] and result["error_code"] == "SOURCE_UNREADABLE" and arm.bodies == [] and result["changed"] is False
    assert "ReadTimeout" in result["msg"] and "unreadable_source" in result["msg"]


def test_unreadable_source_keep_plans_on_tag_existence_and_force_does_not_reimport():
    arm = FakeArm()
    result = importer.ImageImport(context(unreachable_client(), arm, unreadable_source="keep"), image("app", force=True)).run()
    assert not result["failed"] and arm.bodies == [] and result["changed"] is False
    assert [t["action"] for t in result["targets"]] == ["exists_unverified"]  # never "unchanged": nothing was compared
    assert any("could not be read" in w for w in result["warnings"])


def test_unreadable_source_reimport_is_the_only_way_to_a_blind_force_import():
    arm = FakeArm()
    result = importer.ImageImport(context(unreachable_client(), arm, unreadable_source="reimport"), image("app")).run()
    assert [b["mode"] for b in arm.bodies] == ["Force"] and result["changed"] and result["verified"] is False


# ---- item 9: cosign tags follow force ----------------------------------------------------------------------------------
IMAGE_DIGEST = "sha256:" + "a" * 64
COSIGN_DIGEST = "sha256:" + "e" * 64
COSIGN_TAG_NAME = "sha256-%s.sig" % ("a" * 64)


@pytest.mark.parametrize("force, action, modes", [(False, "drifted", []), (True, "imported", ["Force"])])
def test_a_cosign_tag_holding_another_digest_is_drifted_without_force(force, action, modes):
    client = FakeRegistryClient(tags={("app", COSIGN_TAG_NAME): tag_state(OLD)})
    arm = FakeArm()
    request = image("app", force=force)._replace(referrers=True)
    found = [Referrer(COSIGN_DIGEST, "application/vnd.oci.image.manifest.v1+json", "application/vnd.dev.cosign.artifact.sig.v1+json", 10, {},
                      COSIGN_TAG, COSIGN_TAG_NAME, IMAGE_DIGEST, 1)]
    job = referrer_import.ReferrerImport(context(client, arm), request, lambda asked, subjects: found, [])
    result = {"changed": False, "failed": False}
    job.follow(result, IMAGE_DIGEST, "application/vnd.oci.image.manifest.v1+json")
    assert [b["mode"] for b in arm.bodies] == modes and not result["failed"]
    assert [e["action"] for e in result["referrers"]] == [action] and result["changed"] is force
    if not force:
        assert "set force" in result["referrers"][0]["msg"] and any(COSIGN_TAG_NAME in w for w in job.warnings)
        assert importer.count([dict(result, targets=[], untagged=[])])["referrers_drifted"] == 1


def test_an_absent_cosign_tag_is_created_without_force():
    arm = FakeArm()
    request = image("app")._replace(referrers=True)
    found = [Referrer(COSIGN_DIGEST, None, None, 10, {}, COSIGN_TAG, COSIGN_TAG_NAME, IMAGE_DIGEST, 1)]
    job = referrer_import.ReferrerImport(context(FakeRegistryClient(), arm), request, lambda asked, subjects: found, [])
    job.follow({"changed": False, "failed": False}, IMAGE_DIGEST, "application/vnd.oci.image.manifest.v1+json")
    assert [b["mode"] for b in arm.bodies] == ["NoForce"]


# ---- item 10: digests, tags, transient codes -----------------------------------------------------------------------------
def test_an_index_fetched_by_digest_must_hash_to_that_digest():
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []})
    asked = "sha256:" + "9" * 64
    answer = response(200, body, "application/vnd.oci.image.index.v1+json", {"Docker-Content-Digest": asked})
    with pytest.raises(AcrOpsError, match="does not match"):
        client_answering(answer).manifest(HOST, "library/app", asked)
    import hashlib  # pylint: disable=import-outside-toplevel
    right = "sha256:" + hashlib.sha256(body.encode()).hexdigest()
    assert client_answering(response(200, body, "application/vnd.oci.image.index.v1+json")).manifest(HOST, "library/app", right)[0] == right


def test_a_digest_header_that_is_not_a_digest_and_index_children_that_are_not_objects_are_clear_errors():
    head = response(200, "", "application/vnd.oci.image.manifest.v1+json", {"Docker-Content-Digest": "sha256:zz; rm -rf"})
    with pytest.raises(AcrOpsError, match="not a digest"):
        client_answering(head).manifest_info(HOST, "library/app", "1")
    from ansible_collections.acrops.registry.plugins.module_utils import oci  # pylint: disable=import-outside-toplevel
    with pytest.raises(AcrOpsError, match="has no linux/amd64 image"):
        oci.pick_platform(["x", 1, None], "linux/amd64", "ghcr.io/org/app:1")


def test_listed_tags_the_reference_grammar_refuses_are_skipped_with_a_note():
    client = FakeRegistryClient(listings={"library/nginx": ["1.25.0", "-bad", "x" * 200, "ok/slash", "1.26.0"]})
    ref = reference.parse("docker.io/library/nginx", default_tag=None)
    policy = ImageRequest(ref, tags=(), label="p", policy=tag_policy.parse_policy({"regex": ".*"}), repositories=("nginx",))
    out, reports, failures = policy_expansion.expand_policies(context(client, check_mode=True), [policy], max_tags=10)
    assert sorted(str(r.source) for r in out) == ["docker.io/library/nginx:1.25.0", "docker.io/library/nginx:1.26.0"] and failures == []
    assert any("3 listed tag(s)" in note and "-bad" in note for note in reports[0]["notes"])


RESOURCE = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"


def lro_failure(detail, code="InvalidParameters"):
    return AcrOpsError("import into acr failed: Operation registries-1234 failed. Resource %s %s" % (RESOURCE, detail), code=code)


@pytest.mark.parametrize("error, transient", [
    (lro_failure("Error copying blobs"), True),
    (lro_failure('Invalid message TooManyRequests Too Many Requests {"errors":[{"code":"TOOMANYREQUESTS"}]}'), True),
    (lro_failure("Invalid message InternalServerError Internal Server Error"), True),
    (lro_failure("Target tag app:1 points to a missing manifest"), True),
    (lro_failure("Unable to find manifest digest  Repo: timeout-app Tag: v1"), False),
    (lro_failure("Unable to find manifest digest  Repo: app Tag: try-again-internal-error"), False),
    (lro_failure('Invalid message Unauthorized Unauthorized {"errors":[{"message":"timed out retry later"}]}'), False),
    (lro_failure("Tag servicunavailable-timeout:1 already exists in target registry."), False),
])
def test_transient_import_failures_are_told_by_the_services_words_not_by_names(error, transient):
    assert (retries.transient_wait(error, 1) is not None) is transient


class ServiceError(Exception):
    """What azure-core raises for an ARM error answer: .error.code/.message and the HTTP status."""

    def __init__(self, code, message, status):
        super().__init__(message)
        self.error = type("Error", (), {"code": code, "message": message})()
        self.message = message
        self.status_code = status


@pytest.mark.parametrize("code, message, status, transient", [
    ("ServiceUnavailable", "The service is busy", 503, True),
    ("InternalServerError", "Something went wrong", 500, True),
    ("ResourceNotFound", "The Resource 'Microsoft.ContainerRegistry/registries/timeoutapp' was not found (TooManyRequests)", 404, False),
    ("InvalidParameters", lro_failure("Unable to find manifest digest  Repo: timeout-app Tag: v1").message, 400, False),
    ("InvalidParameters", lro_failure("Error copying blobs").message, 400, True),
])
def test_arm_errors_are_transient_by_their_code(code, message, status, transient):
    error = arm.error_from(ServiceError(code, message, status), Redactor([]), "import into acr")
    assert (retries.transient_wait(error, 1) is not None) is transient


# ---- issue 21 item 2: untagged copies are verified like tags ---------------------------------------------------------
class UntaggedArm(LandingArm):
    """Lands the tags and, unless `drop` names them, the untagged copies (a manifest by digest in that repository)."""

    def __init__(self, client, drop=()):
        super().__init__(client)
        self.drop = set(drop)

    def import_image(self, target, body, wait, timeout):
        digest = body["source"]["sourceImage"].split("@")[1]
        for repository in body.get("untaggedTargetRepositories") or []:
            if repository not in self.drop:
                self.client.present.add((repository, digest))
        return super().import_image(target, body, wait, timeout)


@pytest.mark.parametrize("drop", [(), ("archive/lost",)], ids=["landed", "one-did-not-land"])
def test_untagged_copies_are_reread_by_digest_after_the_import(drop):
    client = FakeRegistryClient(sources={HOST + "/library/app:1": NEW})
    request = image("app")._replace(untagged=("archive/app", "archive/lost"))
    result = importer.ImageImport(context(client, UntaggedArm(client, drop)), request).run()
    heads = [c for c in client.calls if c[0] == "HEAD"]
    assert heads.count(("HEAD", "myregistry.azurecr.io", "archive/lost", NEW)) == 2, heads  # plan, then verify
    copies = dict((t["name"], (t["action"], t["after"])) for t in result["untagged"])
    if not drop:
        assert result["verified"] is True and not result["failed"], result
        assert copies == {"archive/app": ("imported", NEW), "archive/lost": ("imported", NEW)}
    else:
        assert result["verified"] is False and result["failed"] and "archive/lost holds None after the import" in result["msg"], result
        assert copies["archive/lost"] == ("imported", None)
