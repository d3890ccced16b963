# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 18, "Several platforms": acr_import's platforms through ansible-playbook against the stand-in. A three-platform index
mirrored for two platforms: children by digest, a filtered index pushed under the tag, a second run that imports and pushes
nothing, check mode exact and writing nothing; an index of more manifests than ACR imports refused before submission."""

from __future__ import annotations

import hashlib
import json

import pytest

from standin import artifacts, clients, images
from standin_reads import import_calls

pytestmark = pytest.mark.usefixtures("standin_clean")

THREE = ["linux/amd64", "linux/arm64", "linux/arm/v7"]
WANTED = ["linux/amd64", "linux/arm64"]
MANY = ["linux/arch%d" % n for n in range(59)]  # 59 children + the index: 60 manifests, above ACR's 50
SIZE = 64


def manifest_puts(standin):
    """Manifest PUTs the target ACR's data plane received (refused or not)."""
    login = standin.env["registries"]["standinacr"]["login_server"]
    return sum(count for key, count in standin.control.counters()["requests"].items()
               if key.startswith(login + " PUT ") and key.endswith("/manifests/{reference}"))


def source_index(repo, tag, platforms, **kwargs):
    """The index the stand-in's push_image writes (same seed): its parsed document."""
    return json.loads(images.build_image(platforms=platforms, size=SIZE, seed="%s:%s" % (repo, tag), **kwargs).top[2])


def expected_filtered(document, keep):
    """The filtered index as the option's documentation defines it: the source's fields, its manifests cut to the wanted children,
    sorted keys and no whitespace."""
    filtered = dict(document, manifests=[m for m in document["manifests"] if m["digest"] in keep])
    body = json.dumps(filtered, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(body).hexdigest(), filtered


def target_manifest(standin, repo, reference):
    token = standin.acr_token("standinacr", "repository:%s:pull" % repo)
    with standin.proxied_session() as session:
        response = session.get("https://%s/v2/%s/manifests/%s" % (standin.env["registries"]["standinacr"]["login_server"], repo, reference),
                               headers={"Authorization": "Bearer " + token, "Accept": images.MANIFEST_ACCEPT}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def task(source, check=False, **params):
    entry = {"acrops.registry.acr_import": dict(registry="standinacr", source=source, **params)}
    if check:
        entry["check_mode"] = True
    return entry


def test_three_platforms_mirrored_for_two_with_a_filtered_index(standin, ansible, repo, tmp_path):
    source_repo, many_repo, whole_repo = "library/" + repo, "library/%s-many" % repo, "library/%s-whole" % repo
    pushed = standin.push("dockerhub", source_repo, "1", platforms=THREE, size=SIZE)
    by_role = standin.push("dockerhub", "library/%s-role" % repo, "1", platforms=THREE, size=SIZE)
    role_index = source_index("library/%s-role" % repo, "1", THREE)
    role_filtered = expected_filtered(role_index, [m["digest"] for m in role_index["manifests"]
                                                   if m["platform"]["architecture"] in ("amd64", "arm64")])[0]
    report = tmp_path / "role.json"
    many = standin.push("dockerhub", many_repo, "1", platforms=MANY, size=SIZE)
    whole = standin.push("dockerhub", whole_repo, "1", platforms=WANTED, size=SIZE, attestation=True)
    single_repo = "library/%s-single" % repo
    single = standin.push("dockerhub", single_repo, "1", platforms="linux/arm64", size=SIZE)
    standin.push("dockerhub", single_repo, "v7", platforms="linux/arm/v7", size=SIZE)
    document = source_index(source_repo, "1", THREE)
    children = {m["platform"]["architecture"] + m["platform"].get("variant", ""): m["digest"] for m in document["manifests"]}
    keep = [children["amd64"], children["arm64"]]
    filtered_digest, filtered = expected_filtered(document, keep)
    assert filtered_digest != pushed
    # A signature over a kept child follows it; one over the source index has no subject in the target and stays behind.
    child_signature = artifacts.cosign_sign(standin, "dockerhub", source_repo, keep[0])
    index_signature = artifacts.cosign_sign(standin, "dockerhub", source_repo, pushed)

    # One run: check mode predicts the children and the push (diff mode shows the tag's digest to come: the filtered index's); the
    # 60-manifest index and a missing platform fail; nothing is written.
    run = ansible.tasks([
        dict(task("%s:1" % repo, check=True, platforms=WANTED, referrers=True), diff=True),
        task("%s-many:1" % repo),
        task("%s:1" % repo, platforms=["linux/amd64", "linux/s390x"]),
        task("%s-single:v7" % repo, platforms=WANTED),
    ])
    predicted, refused, missing, wrong_single = run.results["r0"], run.results["r1"], run.results["r2"], run.results["r3"]
    assert not predicted.get("failed"), run
    assert predicted["changed"] is True and predicted["source_digest"] == pushed
    assert [(t["name"], t["action"], t["after"]) for t in predicted["targets"]] == [("%s:1" % repo, "would_import", filtered_digest)]
    assert predicted["filtered_index"]["digest"] == filtered_digest and predicted["filtered_index"]["source_digest"] == pushed
    assert [(c["digest"], c["platform"], c["repository"], c["action"]) for c in predicted["filtered_index"]["children"]] == [
        (keep[0], "linux/amd64", repo, "would_import"), (keep[1], "linux/arm64", repo, "would_import")]
    assert predicted["filtered_index"]["would_push"] == ["%s:1" % repo]
    assert predicted["diff"] == {"before": {"targets": {"%s:1" % repo: None}}, "after": {"targets": {"%s:1" % repo: filtered_digest}}}
    assert "Would push filtered index %s (linux/amd64, linux/arm64 of %s) under %s:1" % (filtered_digest[:19], pushed[:19], repo) in predicted["actions"]
    assert any("do not verify" in w and pushed in w and filtered_digest in w for w in predicted["warnings"]), predicted["warnings"]
    assert refused["failed"] is True and refused["error_code"] == "TOO_MANY_MANIFESTS", refused
    assert "60 manifests" in refused["msg"] and "at most 50" in refused["msg"] and "platforms" in refused["msg"], refused["msg"]
    assert refused["targets"][0]["action"] == "failed" and refused["source_digest"] == many
    assert missing["failed"] is True and missing["error_code"] == "PLATFORM_UNKNOWN", missing
    assert "linux/s390x" in missing["msg"] and "linux/amd64, linux/arm/v7, linux/arm64" in missing["msg"], missing["msg"]
    assert [(r["digest"], r["subject"], r["action"]) for r in predicted["referrers"]] == [(child_signature, keep[0], "would_import")]
    assert wrong_single["failed"] is True and wrong_single["error_code"] == "PLATFORM_UNKNOWN", wrong_single
    assert "is a single manifest for linux/arm/v7, not one of platforms (linux/amd64, linux/arm64)" in wrong_single["msg"]
    assert import_calls(standin) == 0, "check mode and both refusals must submit no import (the stand-in would refuse the 60)"
    assert manifest_puts(standin) == 0
    assert standin.acr_digest("standinacr", repo, "1") is None and standin.acr_digest("standinacr", repo, keep[0]) is None

    # Another run: the real mirror, the same again, and an index of only the wanted platforms (plus attestations) imported whole;
    # the acr_mirror role with acr_mirror_platforms, its report saying what it pushed.
    run = ansible.tasks([
        task("%s:1" % repo, platforms=WANTED, referrers=True),
        task("%s:1" % repo, platforms=WANTED, referrers=True),
        task("%s-whole:1" % repo, platforms=WANTED),
        task("%s-single:1" % repo, platforms=WANTED),
        {"ansible.builtin.include_role": {"name": "acrops.registry.acr_mirror"},
         "vars": {"acr_mirror_registry": "standinacr", "acr_mirror_report": str(report), "acr_mirror_platforms": WANTED,
                  "acr_mirror_images": ["docker.io/library/%s-role:1" % repo]}},
    ])
    first, second, whole_result, single_result = run.results["r0"], run.results["r1"], run.results["r2"], run.results["r3"]
    assert not first.get("failed") and not second.get("failed") and not whole_result.get("failed"), run
    assert first["changed"] is True and first["verified"] is True
    assert [(t["action"], t["after"]) for t in first["targets"]] == [("imported", filtered_digest)]
    assert [(c["digest"], c["action"]) for c in first["filtered_index"]["children"]] == [(keep[0], "imported"), (keep[1], "imported")]
    assert first["filtered_index"]["pushed"] == ["%s:1" % repo]
    assert "Pushed filtered index %s (linux/amd64, linux/arm64 of %s) under %s:1" % (filtered_digest[:19], pushed[:19], repo) in first["actions"]
    # The second run: unchanged, nothing imported or pushed (the totals below are the first run's and the whole index's alone).
    assert second["changed"] is False and [t["action"] for t in second["targets"]] == ["unchanged"]
    assert second["filtered_index"]["children"] == [] and second["filtered_index"]["pushed"] == []
    assert "filtered_index" not in whole_result and [(t["action"], t["after"]) for t in whole_result["targets"]] == [("imported", whole)]
    assert [(t["action"], t["after"]) for t in single_result["targets"]] == [("imported", single)], single_result
    assert [(r["digest"], r["action"]) for r in first["referrers"]] == [(child_signature, "imported")]
    assert [(r["digest"], r["action"]) for r in second["referrers"]] == [(child_signature, "unchanged")]
    role = json.loads(report.read_text())["images"]
    assert [(i["source"], i["filtered_index"]["digest"], i["filtered_index"]["pushed"]) for i in role] == [
        ("docker.io/library/%s-role:1" % repo, role_filtered, ["%s-role:1" % repo])], role
    assert [(t["name"], t["action"], t["after"]) for t in role[0]["targets"]] == [("%s-role:1" % repo, "imported", role_filtered)]
    assert standin.acr_digest("standinacr", repo + "-role", "1") == role_filtered != by_role
    assert import_calls(standin) == 2 + 1 + 1 + 1 + 2, ("one import per wanted child and one for its signature, one for the whole index, one "
                                                        "for the single manifest, the role's two children; none for the second run")
    assert manifest_puts(standin) == 2, "one push of each filtered index; none for the second run"

    # The target: the tag holds the filtered index, which lists exactly the wanted children, present by digest; the third is not.
    assert standin.acr_digest("standinacr", repo, "1") == filtered_digest
    assert target_manifest(standin, repo, "1") == filtered
    assert [standin.acr_digest("standinacr", repo, d) for d in keep] == keep
    assert standin.acr_digest("standinacr", repo, children["armv7"]) is None
    assert standin.acr_digest("standinacr", repo, artifacts.cosign_tag(keep[0], "sig")) == child_signature
    assert standin.acr_digest("standinacr", repo, artifacts.cosign_tag(pushed, "sig")) is None
    assert standin.acr_digest("standinacr", repo, index_signature) is None


def test_the_stand_in_refuses_an_import_of_more_than_50_manifests_in_the_documented_words(standin_client, unique_repo):
    """The hostile twin: submitted anyway, the 60-manifest index fails as ACR documents its limit (what the pre-check spares)."""
    standin = standin_client
    repo = "library/" + unique_repo.replace("_", "-")
    standin.push("dockerhub", repo, "1", platforms=MANY, size=SIZE)
    before = import_calls(standin)
    info = standin.env["registries"]["standinacr"]
    parameters = clients.import_parameters("%s:1" % repo, ["%s:1" % unique_repo.replace("_", "-")], registry_uri="docker.io")
    with pytest.raises(Exception) as raised:
        clients.mgmt_client(standin).registries.begin_import_image(info["resource_group"], "standinacr", parameters).result()
    assert "The maximum number of manifests for an imported image is 50." in str(raised.value)
    assert import_calls(standin) == before + 1
