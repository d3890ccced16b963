# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The acr_mirror role's lifecycle variables reach acr_import and act, in one ansible-playbook run against the stand-in:
acr_mirror_lock (the tags end locked), acr_mirror_max_deletes (a run that would delete more fails before any delete, naming
the count), acr_mirror_backup_keep (older backups pruned), acr_mirror_untagged_grace_hours (a fresh untagged manifest kept
with the default, deleted with 0). Each value differs from its default, so a variable that is not passed through fails."""

from __future__ import annotations

import json

from standin import clients
from standin_reads import deletes

AMD64 = "linux/amd64"


def role_run(name, report, **variables):
    """One role invocation in a block: its failure (the summary's assert) is rescued so the next one runs; the report tells."""
    return {"name": name, "block": [{"ansible.builtin.include_role": {"name": "acrops.registry.acr_mirror"},
                                     "vars": dict(acr_mirror_registry="standinacr", acr_mirror_report=str(report), **variables)}],
            "rescue": [{"ansible.builtin.debug": {"msg": "%s: the role failed" % name}}]}


def test_role_lock_max_deletes_backup_keep_and_untagged_grace(standin_client, ansible, tmp_path, repo):
    standin = standin_client
    hub = "docker.io/library/" + repo
    # lock: a plain entry.
    standin.push("dockerhub", "library/%s-lock" % repo, "1", platforms=AMD64)
    # max_deletes 3: latest 1 keeps 5.0.0, so 4 owned tags would go.
    standin.push("dockerhub", "library/%s-many" % repo, "5.0.0", platforms=AMD64)
    for minor in range(4):
        standin.push("standinacr", repo + "-many", "4.%d.0" % minor, platforms=AMD64)
    # backup_keep 1: an older backup exists; overwriting 1.0.0 makes a second, so the older one goes (the default 3 keeps both).
    older_backup = "1.0.0-prev-aaaaaaaaaaaa"
    standin.push("standinacr", repo + "-bk", older_backup, platforms=AMD64, seed="older")
    standin.acr_tag_attributes("standinacr", repo + "-bk", older_backup)  # read now: the stand-in dates a pushed tag when it first sees it
    replaced = standin.push("standinacr", repo + "-bk", "1.0.0", platforms=AMD64, seed="x0")
    standin.push("dockerhub", "library/%s-bk" % repo, "1.0.0", platforms=AMD64, seed="x1")
    backup = "1.0.0-prev-%s" % replaced.split(":")[1][:12]
    # untagged grace: an untagged manifest made just now (what a force overwrite leaves behind).
    standin.push("dockerhub", "library/%s-grace" % repo, "1.0.0", platforms=AMD64)
    orphan = standin.push("standinacr", repo + "-grace", "gone", platforms=AMD64, seed="orphan")
    with clients.registry_client(standin) as registry:
        registry.delete_tag(repo + "-grace", "gone")

    reports = {name: tmp_path / ("%s.json" % name) for name in ("lifecycle", "grace_default", "grace_0")}
    lifecycle = [hub + "-lock:1",
                 {"source": hub + "-many", "tags": {"latest": 1}, "prune": True},
                 {"source": hub + "-bk", "tags": {"latest": 1}, "prune": True, "backup": "{tag}-prev-{before_digest12}"}]
    grace = [{"source": hub + "-grace", "tags": {"latest": 1}, "prune_untagged": True}]
    plays = [{"name": "role lifecycle variables", "hosts": "localhost", "gather_facts": False, "tasks": [
        role_run("lifecycle", reports["lifecycle"], acr_mirror_images=lifecycle, acr_mirror_lock=True, acr_mirror_max_deletes=3,
                 acr_mirror_backup_keep=1),
        role_run("grace_default", reports["grace_default"], acr_mirror_images=grace),
        role_run("grace_0", reports["grace_0"], acr_mirror_images=grace, acr_mirror_untagged_grace_hours=0),
    ]}]
    run = ansible.playbook(plays, "localhost,", args=["-c", "local"])
    assert run.rc == 0, run
    report = {name: json.loads(path.read_text()) for name, path in reports.items()}

    # acr_mirror_lock: the imported tag ends locked.
    attributes = standin.acr_tag_attributes("standinacr", repo + "-lock", "1")
    assert (attributes["writeEnabled"], attributes["deleteEnabled"]) == (False, False), attributes
    # acr_mirror_max_deletes: the entry fails before any delete, naming the count; the role's summary fails.
    many = [p for p in report["lifecycle"]["policies"] if p["source"] == hub + "-many"][0]
    assert many["failed"] and "would delete 4 (4 tags, 0 untagged manifests), more than max_deletes (3): nothing was deleted" in many["msg"]
    assert all(standin.storage_digest("standinacr", repo + "-many", "4.%d.0" % m) for m in range(4))
    assert "lifecycle: the role failed" in run.stdout, run
    # acr_mirror_backup_keep: of the two backups, the newest stays.
    assert report["lifecycle"]["deleted"] == ["%s-bk:%s" % (repo, older_backup)], report["lifecycle"]
    assert standin.storage_digest("standinacr", repo + "-bk", older_backup) is None
    assert standin.storage_digest("standinacr", repo + "-bk", backup) == replaced
    # acr_mirror_untagged_grace_hours: 24 by default keeps the fresh untagged manifest, 0 deletes it.
    assert report["grace_default"]["deleted"] == [] and report["grace_default"]["counts"].get("failed", 0) == 0, report["grace_default"]
    assert report["grace_0"]["deleted"] == ["%s-grace@%s" % (repo, orphan)], report["grace_0"]
    with clients.registry_client(standin) as registry:
        assert orphan not in {m.digest for m in registry.list_manifest_properties(repo + "-grace")}
    assert deletes(standin) == [
        "/acr/v1/%s-grace/_tags/gone" % repo, "/acr/v1/%s-bk/_tags/%s" % (repo, older_backup), "/v2/%s-grace/manifests/%s" % (repo, orphan)]
