# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Nothing lost: a tag holding another digest is never overwritten without force, a locked tag is never touched,
check mode imports nothing, a source tag that moves mid-import and two runs of the same mirror at once both end with
the registry right and reports that say what each run did.

Assertions are on the END STATE (storage digests read straight from the distribution processes, the stand-in's list
of import operations), not only on exit codes.
"""

from __future__ import annotations

import json
import threading

import pytest
import yaml
from playbook_runner import REPO
from standin_reads import acr, import_calls, operations

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
ARM_HOST = "127.0.0.1"


def in_background(function):
    thread = threading.Thread(target=function, daemon=True)
    thread.start()
    return thread


def test_check_mode_and_real_run_never_overwrite_a_drifted_or_locked_tag(standin, ansible, repo):
    names = dict((k, "%s-%s" % (repo, k)) for k in ("new", "drift", "force", "locked", "same"))
    source = dict((k, standin.push("dockerhub", "library/" + n, "1", seed=n + "-src", **SMALL)) for k, n in names.items())
    # What the registry holds before: another digest for drift/force/locked, the source's own for same.
    held = dict((k, standin.push("standinacr", names[k], "1", seed=names[k] + "-old", **SMALL)) for k in ("drift", "force", "locked"))
    held["same"] = standin.push("standinacr", names["same"], "1", seed=names["same"] + "-src", **SMALL)
    assert held["same"] == source["same"] and held["drift"] != source["drift"]
    standin.control.lock_tag("standinacr", names["locked"], "1")
    images = [{"source": "%s:1" % names["new"]}, {"source": "%s:1" % names["drift"]},
              {"source": "%s:1" % names["force"], "force": True}, {"source": "%s:1" % names["locked"], "force": True},
              {"source": "%s:1" % names["same"], "force": True}]
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "images": images, "concurrency": 2}}
    run = ansible.tasks([dict(task, check_mode=True, diff=True), task])
    preview, real = run.results["r0"], run.results["r1"]

    def actions(result):
        return [r["targets"][0]["action"] for r in result["results"]]

    assert actions(preview) == ["would_import", "drifted", "would_overwrite", "locked", "unchanged"], run
    assert actions(real) == ["imported", "drifted", "overwritten", "locked", "unchanged"], run
    assert preview["diff"]["after"]["targets"]["%s:1" % names["force"]] == source["force"]
    assert preview["diff"]["before"]["targets"]["%s:1" % names["force"]] == held["force"]
    for result in (preview, real):
        locked = result["results"][3]
        assert locked["failed"] and "locked" in locked["msg"] and result["counts"]["failed"] == 1, locked
        assert "set force" in " ".join(result["results"][1]["warnings"])
    # End state: only the missing tag and the forced one changed; check mode made no import at all.
    assert acr(standin, names["new"], "1") == source["new"]
    assert acr(standin, names["force"], "1") == source["force"]
    for key in ("drift", "locked", "same"):
        assert acr(standin, names[key], "1") == held[key], key
    assert import_calls(standin) == 2
    imported = sorted(t for op in operations(standin, repo) for t in op["targets"])
    assert imported == sorted(["%s:1" % names["new"], "%s:1" % names["force"]]), imported


def test_a_tag_written_by_someone_else_during_the_import_is_not_overwritten(standin, ansible, repo, wait_for):
    name = "%s-race" % repo
    source = standin.push("dockerhub", "library/" + name, "1", seed=name + "-src", **SMALL)
    # Our import is held on its way to ARM (unserved until the rule goes); meanwhile someone else pushes the tag with another
    # image, then lets the import through: an order of events, not a race with a timer.
    standin.control.faults([{"host": ARM_HOST, "method": "POST", "path_regex": r"(?i)/importImage$", "action": "hold-request",
                             "times": 1}])
    intruder = {}

    def intrude():
        try:
            wait_for(lambda: standin.control.get("faults")["rules"][0]["hits"] >= 1, timeout=120)
            intruder["digest"] = standin.push("standinacr", name, "1", seed=name + "-other", **SMALL)
        finally:
            standin.control.faults([])  # the held request goes on

    thread = in_background(intrude)
    result, run = ansible.module("acr_import", registry="standinacr", source="%s:1" % name)
    thread.join()
    assert acr(standin, name, "1") == intruder["digest"] != source, "the other writer's tag was overwritten"
    # ACR refused to overwrite (NoForce); the module re-read the tag and reports it as drifted, not imported.
    assert [op["status"] for op in operations(standin, name)] == ["Failed"]
    assert "already exists" in operations(standin, name)[0]["detail"]
    assert result["targets"][0]["action"] == "drifted" and result["changed"] is False, run
    assert import_calls(standin) == 1


def test_a_source_tag_moving_during_the_import_is_detected_and_the_planned_digest_lands(standin, ansible, repo, wait_for):
    name = "%s-moving" % repo
    old = standin.push("dockerhub", "library/" + name, "1", seed=name + "-1", **SMALL)
    standin.control.import_behaviour(stuck=True)  # held until the tag has moved: an order of events, not a race with a timer
    moved = {}

    def move():  # once the import is running, the tag moves upstream
        try:
            wait_for(lambda: import_calls(standin) >= 1, timeout=120)
            moved["digest"] = standin.push("dockerhub", "library/" + name, "1", seed=name + "-2", **SMALL)
        finally:
            standin.control.import_behaviour(stuck=False)

    thread = in_background(move)
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % name}}
    preview = {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % name, "force": True}, "check_mode": True}
    run = ansible.tasks([task, preview])
    thread.join()
    result, after = run.results["r0"], run.results["r1"]
    assert not result.get("failed") and result["targets"][0]["after"] == old, run
    assert acr(standin, name, "1") == old != moved["digest"], "the planned digest landed, by digest"
    assert "moved to %s" % moved["digest"] in " ".join((run.stdout + run.stderr).split()), run   # the warning reaches the user
    # The next run sees the moved tag; its check-mode preview imports nothing.
    assert after["targets"][0]["action"] == "would_overwrite" and after["targets"][0]["after"] == moved["digest"], after
    assert import_calls(standin) == 1


def write_inventory(path, images, report):
    path.mkdir(parents=True)
    hosts = {"all": {"children": {"acr_registries": {"hosts": {"registry": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "acr_mirror_registry": "standinacr", "acr_mirror_images": images, "acr_mirror_report": str(report)}}}}}}
    (path / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return path


def test_two_runs_of_the_same_mirror_at_once_leave_the_registry_right_and_report_what_each_did(standin, ansible, repo, tmp_path):
    names = ["%s-%d" % (repo, i) for i in range(3)]
    digests = dict((n, standin.push("dockerhub", "library/" + n, "1", seed=n, **SMALL)) for n in names)
    images = ["%s:1" % n for n in names]
    # The first import to reach ARM is held for 3 s, so the other run imports that image meanwhile: a real collision.
    standin.control.faults([{"host": ARM_HOST, "method": "POST", "path_regex": r"(?i)/importImage$", "action": "delay", "delay": 3.0,
                             "times": 1}])
    reports = [tmp_path / "report-a.json", tmp_path / "report-b.json"]
    inventories = [write_inventory(tmp_path / ("inv-%d" % i), images, reports[i]) for i in range(2)]
    runs = [None, None]

    def mirror(index):
        runs[index] = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventories[index])

    threads = [in_background(lambda i=i: mirror(i)) for i in range(2)]
    for thread in threads:
        thread.join()
    for run in runs:
        assert run.rc == 0, run
    for name in names:
        assert acr(standin, name, "1") == digests[name], name

    data = [json.loads(report.read_text()) for report in reports]
    reported = [(i, image) for i, report in enumerate(data) for image in report["images"]]
    assert all(not image["failed"] for dummy, image in reported), data
    ops = operations(standin, repo)
    for name in names:
        target = "%s:1" % name
        actions = [image["targets"][0]["action"] for dummy, image in reported if image["targets"][0]["name"] == target]
        assert len(actions) == 2 and set(actions) <= {"imported", "unchanged"}, (target, actions)
        landed = [op for op in ops if target in op["targets"] and op["status"] == "Succeeded"]
        # Each run says "imported" exactly when one of its imports landed: the reports add up to the service's record.
        assert actions.count("imported") == len(landed) >= 1, (target, actions, landed)
    refused = [op for op in ops if op["status"] == "Failed"]
    assert all("already exists" in op["detail"] for op in refused), refused
    noticed = [image for dummy, image in reported if any("someone else" in w for w in image["warnings"])]
    assert len(noticed) == len(refused), (noticed, refused)
    assert import_calls(standin) == len(ops)
