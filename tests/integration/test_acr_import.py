# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acrops.registry.acr_import through real ansible-playbook runs against the stand-in over HTTPS."""

from __future__ import annotations

import pytest
from standin_reads import acr, import_calls

pytestmark = pytest.mark.usefixtures("standin_clean")


def test_first_run_imports_second_run_changes_nothing(standin, ansible, repo):
    digest = standin.push("dockerhub", "library/" + repo, "1.25")
    result, run = ansible.module("acr_import", registry="standinacr", source="%s:1.25" % repo)
    assert not result.get("failed"), run
    assert result["changed"] is True
    assert result["source"] == "docker.io/library/%s:1.25" % repo
    assert result["source_digest"] == digest
    assert result["targets"] == [{"name": "%s:1.25" % repo, "before": None, "after": digest, "action": "imported"}]
    assert result["registry"]["login_server"] == standin.env["registries"]["standinacr"]["login_server"]
    assert result["verified"] is True and result["import_mode"] == "NoForce"
    assert acr(standin, repo, "1.25") == digest
    calls = import_calls(standin)

    again, run = ansible.module("acr_import", registry="standinacr", source="docker.io/library/%s:1.25" % repo, force=True)
    assert again["changed"] is False, run
    assert again["targets"][0]["action"] == "unchanged"
    assert import_calls(standin) == calls, "a current image must not be imported again, even with force"


def test_check_mode_predicts_and_changes_nothing(standin, ansible, repo):
    digest = standin.push("dockerhub", "library/" + repo, "7")
    before = import_calls(standin)
    predicted, run = ansible.module("acr_import", check=True, diff=True, registry="standinacr", source="%s:7" % repo,
                                    targets=["%s:7" % repo, "mirror/%s:7" % repo])
    assert predicted["changed"] is True, run
    assert [t["action"] for t in predicted["targets"]] == ["would_import", "would_import"]
    assert predicted["diff"]["after"]["targets"]["mirror/%s:7" % repo] == digest
    assert import_calls(standin) == before
    assert acr(standin, repo, "7") is None

    real, run = ansible.module("acr_import", registry="standinacr", source="%s:7" % repo,
                               targets=["%s:7" % repo, "mirror/%s:7" % repo])
    assert [t["name"] for t in real["targets"] if t["action"] == "imported"] == [t["name"] for t in predicted["targets"]], run
    assert import_calls(standin) == before + 1  # one import call for both targets


def test_moved_source_tag_drifts_without_force_and_only_it_is_overwritten_with_force(standin, ansible, repo):
    old = standin.push("dockerhub", "library/" + repo, "1", seed=1)
    result, run = ansible.module("acr_import", registry="standinacr", source="%s:1" % repo)
    assert result["changed"], run
    new = standin.push("dockerhub", "library/" + repo, "1", seed=2)
    assert new != old

    drifted, run = ansible.module("acr_import", registry="standinacr", source="%s:1" % repo)
    assert drifted["changed"] is False and not drifted.get("failed"), run
    assert drifted["targets"][0]["action"] == "drifted"
    assert drifted["targets"][0]["before"] == old
    assert "set force" in run.stdout + run.stderr  # the warning reaches the user
    assert acr(standin, repo, "1") == old

    calls = import_calls(standin)
    forced, run = ansible.module("acr_import", registry="standinacr", source="%s:1" % repo, force=True,
                                 targets=["%s:1" % repo, "%s:extra" % repo])
    assert [(t["action"], t["before"], t["after"]) for t in forced["targets"]] == [("overwritten", old, new), ("imported", None, new)], run
    assert forced["import_mode"] == "Force"
    assert import_calls(standin) == calls + 1
    assert acr(standin, repo, "1") == new


def test_private_registry_credentials_and_no_secret_leaks(standin, ansible, repo):
    private = standin.env["sources"]["private"]
    digest = standin.push("private", "team/" + repo, "2")
    source = "%s/team/%s:2" % (private["host"], repo)
    ok, run = ansible.module("acr_import", registry="standinacr", source=source, targets=["team/%s:2" % repo],
                             source_username=private["username"], source_password=private["password"])
    assert ok["changed"] and ok["source_digest"] == digest, run

    planted = "Planted-Secret-%s" % repo
    bad, run = ansible.module("acr_import", args=["-vvv"], registry="standinacr", source=source, targets=["team/%s:3" % repo],
                              source_username=private["username"], source_password=planted)
    assert bad.get("failed"), run
    assert "401" in bad["msg"] or "Unauthorized" in bad["msg"] or "refused" in bad["msg"]
    assert planted not in run.stdout and planted not in run.stderr
    assert planted not in str(standin.control.log())


def test_acr_to_acr_by_name_and_across_subscriptions_by_resource_id(standin, ansible, repo):
    dev = standin.push("devacr", repo, "1234")
    result, run = ansible.module("acr_import", registry="prodacr", source_registry="devacr", source="%s:1234" % repo)
    assert result["changed"] and result["source_digest"] == dev, run
    assert acr(standin, repo, "1234", "prodacr") == dev

    other = standin.env["registries"]["otheracr"]
    digest = standin.push("otheracr", repo, "9")
    result, run = ansible.module("acr_import", registry="prodacr", source_registry=other["id"], source="%s@%s" % (repo, digest),
                                 targets=["%s:from-other" % repo])
    assert result["changed"] and result["targets"][0]["after"] == digest, run


def test_batch_keeps_going_and_reports_the_failure(standin, ansible, repo):
    digests = [standin.push("dockerhub", "library/%s-%d" % (repo, i), "1") for i in range(4)]
    images = [{"source": "%s-%d:1" % (repo, i)} for i in range(4)] + [{"source": "%s-missing:1" % repo}]
    result, run = ansible.module("acr_import", registry="standinacr", images=images, concurrency=4)
    assert result.get("failed"), run
    assert result["counts"]["imported"] == 4 and result["counts"]["failed"] == 1
    assert [r["source_digest"] for r in result["results"][:4]] == digests
    # Docker Hub answers 401, not 404, for a repository that does not exist: the message says both possibilities.
    assert "missing" in result["msg"] and "401" in result["results"][4]["msg"] and "does not exist" in result["results"][4]["msg"]
    again, run = ansible.module("acr_import", registry="standinacr", images=images[:4])
    assert again["changed"] is False and again["counts"]["unchanged"] == 4, run


def test_locked_tag_is_never_touched(standin, ansible, repo):
    standin.push("dockerhub", "library/" + repo, "1", seed=1)
    first, run = ansible.module("acr_import", registry="standinacr", source="%s:1" % repo)
    assert first["changed"], run
    old = first["source_digest"]
    standin.control.lock_tag("standinacr", repo, "1")
    standin.push("dockerhub", "library/" + repo, "1", seed=2)
    calls = import_calls(standin)
    result, run = ansible.module("acr_import", registry="standinacr", source="%s:1" % repo, force=True)
    assert result.get("failed") and "locked" in result["msg"], run
    assert import_calls(standin) == calls
    assert acr(standin, repo, "1") == old


def test_bad_input_fails_before_any_network_call(standin, ansible):
    standin.control.reset()
    for params, fragment in [
        (dict(registry="my.registry.azurecr.io", source="nginx:1"), "not a registry name"),
        (dict(registry="standinacr", source="nginx:1", source_username="u"), "without source_password"),
        (dict(registry="standinacr", source="NGINX:1"), "lowercase"),
        (dict(registry="standinacr", source="nginx:1", targets=[]), "empty list"),
        (dict(registry="standinacr", source="nginx:1", cloud_environment="AzureMoonCloud"), "unknown cloud_environment"),
    ]:
        result, run = ansible.module("acr_import", **params)
        assert result.get("failed") and fragment in result["msg"], (params, run)
    calls = [e for e in standin.control.log() if not e.get("path", "").startswith("/_standin")]
    assert calls == [], "validation must fail before any network call"


def test_image_info_resolves_tags(standin, ansible, repo):
    digest = standin.push("devacr", repo, "42")
    result, run = ansible.module("acr_image_info", registry="devacr", repository=repo, tags=["42", "43"])
    assert [(i["tag"], i["exists"], i["digest"]) for i in result["images"]] == [("42", True, digest), ("43", False, None)], run
    missing, run = ansible.module("acr_image_info", registry="devacr", repository=repo, tags=["43"], must_exist=True)
    assert missing.get("failed") and "no tag 43" in missing["msg"], run
