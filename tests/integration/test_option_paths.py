# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Options and paths a test audit found untested (issue 21 items 2-6): untagged copies, check mode's silence on the wire,
keep_going: false, wait: false, sources named in every way, the concurrency bound, the role passing options through.

Cases share ansible-playbook runs (each costs seconds of CI): one run per state the stand-in must be in."""

from __future__ import annotations

import json
import threading

import pytest

from standin_reads import acr, login_server, operations

from standin import artifacts

pytestmark = pytest.mark.usefixtures("standin_clean")

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Token requests are POSTs but write nothing: Entra's token endpoint, ACR's exchange and token endpoints.
AUTH_ROUTES = ("acr:/oauth2/exchange", "acr:/oauth2/token")
ROLE = "acrops.registry.acr_mirror"


def play(tasks, role_vars=None, tmp_path=None):
    """One play on localhost: optionally the acr_mirror role (include_role, its failure ignored) first, then tasks that
    each register rN; results.json gets every rN and, when the role ran, its acr_mirror_result."""
    named = []
    if role_vars is not None:
        named.append({"name": "role", "ansible.builtin.include_role": {"name": ROLE, "apply": {"ignore_errors": True}},
                      "vars": role_vars})
    for index, task in enumerate(tasks):
        named.append(dict(task, name="task %d" % index, register="r%d" % index, ignore_errors=True))
    content = ", ".join(["'r%d': r%d" % (i, i) for i in range(len(tasks))] + (["'role': acr_mirror_result"] if role_vars is not None else []))
    named.append({"name": "dump", "acrops.registry.report_file": {"content": "{{ {%s} }}" % content, "dest": str(tmp_path / "results.json")},
                  "check_mode": False})
    return [{"name": "test", "hosts": "localhost", "gather_facts": False, "tasks": named}]


def run(ansible, tmp_path, tasks, role_vars=None, args=()):
    outcome = ansible.playbook(play(tasks, role_vars, tmp_path), None, args=args)  # reads and removes results.json
    assert outcome.results is not None, outcome
    return outcome.results, outcome


def acr_import(**params):
    return {"acrops.registry.acr_import": dict({"registry": "standinacr"}, **params)}


# ---- item 5 (and the check-mode halves of items 2 and 6) -----------------------------------------------------------------
def test_check_mode_sends_no_write_to_resource_manager_or_any_data_plane(standin, ansible, tmp_path, repo):
    """Every kind of work a real run would write for, in one --check run: an import with targets and an untagged copy, a
    referrer copy (ACR data plane), a tag policy, an ACR source found through Resource Manager, and the role with its
    report. The stand-in's request log must show reads and token requests only."""
    plain = standin.push("dockerhub", "library/%s-plain" % repo, "1")
    signed = standin.push("dockerhub", "library/%s-signed" % repo, "1")
    artifacts.sign_notation(standin, "dockerhub", "library/%s-signed" % repo, signed)
    standin.push("dockerhub", "library/%s-policy" % repo, "1.0")
    standin.push("devacr", "team/" + repo, "1")
    standin.push("dockerhub", "library/%s-role" % repo, "1")
    report = tmp_path / "report.json"
    results, outcome = run(ansible, tmp_path, [
        acr_import(source="%s-plain:1" % repo, untagged_repositories=["archive/%s-plain" % repo]),
        acr_import(source="%s-signed:1" % repo, referrers=True),
        acr_import(images=[{"source": "%s-policy" % repo, "tag_policy": {"latest": 1}}]),
        acr_import(source="team/%s:1" % repo, source_registry="devacr"),
    ], role_vars={"acr_mirror_registry": "standinacr", "acr_mirror_report": str(report),
                  "acr_mirror_images": [{"source": "%s-role:1" % repo, "untagged_repositories": ["archive/%s-role" % repo]}]},
        args=["--check"])
    log = [e for e in standin.control.log(0) if e["client"] == "controller"]
    writes = [(e["method"], e["host"], e["route"]) for e in log if e["method"] in WRITES and e["route"] not in AUTH_ROUTES
              and not e["route"].startswith("entra:")]
    assert writes == [], writes
    # The run did reach every place it would have written to: Resource Manager, the target ACR, the sources.
    hosts = {e["host"] for e in log}
    assert login_server(standin) in hosts and any(e["route"].startswith("arm:") for e in log) and "registry-1.docker.io" in hosts, hosts
    for key in ("r0", "r1", "r2", "r3"):
        assert not results[key].get("failed") and results[key]["changed"] is True, (key, results[key], outcome)
    assert results["r0"]["untagged"] == [{"name": "archive/%s-plain" % repo, "before": None, "after": plain, "action": "would_import"}]
    assert {r["action"] for r in results["r1"]["referrers"]} == {"would_import"}, results["r1"]
    role = results["role"]
    assert role["check_mode"] is True and [u["action"] for u in role["images"][0]["untagged"]] == ["would_import"], role
    assert json.loads(report.read_text()) == role, "the report is written in check mode too"

    assert standin.control.counters()["import_calls"] == 0


# ---- item 2 ----------------------------------------------------------------------------------------------------------
def test_untagged_copies_land_are_verified_stay_and_a_copy_that_does_not_land_fails(standin, ansible, tmp_path, repo):
    """The module twice (first run, second run) and the role twice; a third copy whose re-read finds nothing (the
    target answers 404 for it by digest, as if the copy had not landed) fails as not landed."""
    copied = standin.push("dockerhub", "library/%s-u" % repo, "1")
    by_role = standin.push("dockerhub", "library/%s-v" % repo, "1")
    lost = standin.push("dockerhub", "library/%s-w" % repo, "1")
    standin.control.faults([{"host": login_server(standin), "method": "HEAD", "path_regex": "^/v2/lost/%s/manifests/sha256:" % repo, "status": 404,
                             "body": {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}, "client": "controller"}])
    module = acr_import(source="%s-u:1" % repo, untagged_repositories=["archive/%s-u" % repo])
    role_vars = {"acr_mirror_registry": "standinacr",
                 "acr_mirror_images": [{"source": "%s-v:1" % repo, "untagged_repositories": ["rolecopy/%s-v" % repo]}]}
    results, outcome = run(ansible, tmp_path, [
        module,
        {"ansible.builtin.set_fact": {"role_first": "{{ acr_mirror_result }}"}},
        module,
        acr_import(source="%s-w:1" % repo, untagged_repositories=["lost/%s" % repo]),
        {"ansible.builtin.include_role": {"name": ROLE}, "vars": role_vars},
        {"ansible.builtin.set_fact": {"role_first": "{{ role_first }}"}},
    ], role_vars=role_vars)
    first, again, failed = results["r0"], results["r2"], results["r3"]
    assert first["untagged"] == [{"name": "archive/%s-u" % repo, "before": None, "after": copied, "action": "imported"}], (first, outcome)
    assert first["verified"] is True and first["changed"] is True
    assert acr(standin, "archive/%s-u" % repo, copied) == copied
    assert again["changed"] is False and again["untagged"][0]["action"] == "unchanged", again
    assert len(operations(standin, "%s-u@" % repo)) == 1, "the second run imports nothing"

    assert failed["failed"] and failed["verified"] is False and "did not land as planned" in failed["msg"], failed
    assert "lost/%s holds None after the import, expected %s" % (repo, lost) in failed["msg"], failed["msg"]

    role_first, role_again = results["r5"]["ansible_facts"]["role_first"], results["role"]
    assert [(u["name"], u["action"], u["after"]) for u in role_first["images"][0]["untagged"]] == [
        ("rolecopy/%s-v" % repo, "imported", by_role)], role_first
    assert role_again["images"][0]["untagged"][0]["action"] == "unchanged", role_again
    assert acr(standin, "rolecopy/%s-v" % repo, by_role) == by_role
    assert len(operations(standin, "%s-v@" % repo)) == 1


# ---- items 3 and 4, and the role passing keep_going, concurrency and wait through (item 6) ----------------------------------
def test_keep_going_false_stops_and_wait_false_returns_while_the_import_is_held(standin, ansible, tmp_path, repo, wait_for):
    for name in ("a", "b", "c", "w", "r", "s"):
        standin.push("dockerhub", "library/%s-%s" % (repo, name), "1")
    standin.control.import_behaviour(stuck=True)  # every import is held: a run that waited for one would never return
    report = tmp_path / "report.json"
    try:
        results, outcome = run(ansible, tmp_path, [
            acr_import(images=[{"source": "%s-missing:1" % repo}, {"source": "%s-a:1" % repo}, {"source": "%s-b:1" % repo}],
                       concurrency=1, keep_going=False, timeout=20),
            acr_import(images=[{"source": "%s-nolist" % repo, "tag_policy": {"latest": 1}}, {"source": "%s-c:1" % repo}], keep_going=False, timeout=20),
            acr_import(source="%s-w:1" % repo, wait=False, referrers=True, timeout=20),  # a run that waits fails after 20 s
        ], role_vars={"acr_mirror_registry": "standinacr", "acr_mirror_report": str(report), "acr_mirror_concurrency": 1, "acr_mirror_timeout": 20,
                      "acr_mirror_keep_going": False, "acr_mirror_wait": False,
                      "acr_mirror_images": ["%s-r:1" % repo, "%s-missing:1" % repo, "%s-s:1" % repo]})
        held = dict((op["source"].split("/")[-1].split("@")[0], op["status"]) for op in operations(standin, repo))
    finally:
        standin.control.import_behaviour(stuck=False)
    # Only the wait: false imports were started, and the runs returned while they were held.
    assert held == {"%s-w" % repo: "Accepted", "%s-r" % repo: "Accepted"}, (held, outcome)

    skipped = "not attempted: an earlier image failed and keep_going is false"
    batch = results["r0"]["results"]
    assert [(r["failed"], r.get("skipped", False)) for r in batch] == [(True, False), (True, True), (True, True)], batch
    assert batch[1]["msg"] == batch[2]["msg"] == skipped
    policy = results["r1"]
    assert [r["source"] for r in policy["results"] if r.get("skipped")] == ["docker.io/library/%s-c:1" % repo], policy
    assert "a tag policy failed and keep_going is false" in json.dumps(policy["results"])

    waited = results["r2"]
    assert waited["changed"] is True and waited["verified"] is False and waited["referrers"] == [], waited
    operation = operations(standin, "%s-w@" % repo)[0]
    assert operation["name"] in waited["operation_url"] and "/operationResults/" in waited["operation_url"]
    assert any("referrers were not copied: with wait=false" in w for w in waited["warnings"]), waited["warnings"]

    role = json.loads(report.read_text())
    assert [(i["failed"], i["error"] == skipped) for i in role["images"]] == [(False, False), (True, False), (True, True)], role
    assert operations(standin, "%s-r@" % repo)[0]["name"] in role["images"][0]["operation_url"]
    wait_for(lambda: [op["status"] for op in operations(standin, repo)] == ["Succeeded", "Succeeded"])


def test_keep_going_false_at_concurrency_two_through_the_role_and_after_a_failed_tag_policy_listing(standin, ansible, tmp_path, repo, wait_for):
    """One run, concurrency 2 and keep_going false throughout.

    The role (acr_mirror_concurrency, acr_mirror_keep_going): its first two images are imported side by side and held by
    the stand-in, so the three behind them are queued, not started; both held imports then fail. Whichever failure the
    batch sees first, no queued image may start: the module's results and the role's report say each was skipped.
    Then the module, and the role, with a tag policy whose source cannot be listed beside one that lists fine (the
    listings run side by side) and ordinary images before and after: no import starts at all, and each is reported skipped."""
    names = ["%s-k%d" % (repo, n) for n in range(5)]
    for name in names:
        standin.push("dockerhub", "library/" + name, "1")
    for name in ("a", "p", "c", "q", "e"):
        standin.push("dockerhub", "library/%s-%s" % (repo, name), "1.0" if name in ("p", "q") else "1")
    report, policy_report = tmp_path / "report.json", tmp_path / "policy-report.json"
    standin.control.import_behaviour(stuck=True)
    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(run(ansible, tmp_path, [
        {"ansible.builtin.set_fact": {"held_module": "{{ _acr_mirror_result }}"}},  # the role's acr_import result, as the module returned it
        acr_import(images=[{"source": "%s-a:1" % repo}, {"source": "%s-nolist" % repo, "tag_policy": {"latest": 1}},
                           {"source": "%s-p" % repo, "tag_policy": {"latest": 1}}, {"source": "%s-c:1" % repo}],
                   concurrency=2, keep_going=False, timeout=120),
        {"ansible.builtin.include_role": {"name": ROLE, "apply": {"ignore_errors": True}},
         "vars": {"acr_mirror_registry": "standinacr", "acr_mirror_report": str(policy_report), "acr_mirror_concurrency": 2,
                  "acr_mirror_keep_going": False, "acr_mirror_timeout": 120,
                  "acr_mirror_images": [{"source": "%s-nolist2" % repo, "tags": {"latest": 1}}, {"source": "%s-q" % repo, "tags": {"latest": 1}},
                                        "%s-e:1" % repo]}},
    ], role_vars={"acr_mirror_registry": "standinacr", "acr_mirror_report": str(report), "acr_mirror_concurrency": 2,
                  "acr_mirror_keep_going": False, "acr_mirror_timeout": 120, "acr_mirror_images": [name + ":1" for name in names]})))
    runner.start()
    try:
        # The event the rest hangs on: imports held by the stand-in. Two of them, side by side, and nothing else started.
        def accepted():
            return sorted(op["source"].split("/")[-1].split("@")[0] for op in operations(standin, repo) if op["status"] == "Accepted")
        held = wait_for(lambda: len(accepted()) >= 2 and accepted(), timeout=120)
        assert held == names[:2] and standin.control.counters()["import_calls"] == 2, held
    finally:
        standin.control.import_behaviour(permanent_failure="Failed to import: refused for this test.", stuck=False)
        runner.join(timeout=300)
    assert outcome, "the run did not end"
    results, run_output = outcome[0]
    skipped = "not attempted: an earlier image failed and keep_going is false"
    policy_skipped = "not attempted: a tag policy failed and keep_going is false"

    batch = results["r0"]["ansible_facts"]["held_module"]["results"]
    assert [(r["failed"], r.get("skipped", False)) for r in batch] == [(True, False)] * 2 + [(True, True)] * 3, (batch, run_output)
    assert [r["source"] for r in batch if r.get("skipped")] == ["docker.io/library/%s:1" % n for n in names[2:]]
    assert all(r["msg"] == skipped for r in batch[2:]) and not any(r["msg"] == skipped for r in batch[:2]), batch
    role = json.loads(report.read_text())
    assert [(i["source"], i["failed"], i["error"] == skipped) for i in role["images"]] == [
        ("docker.io/library/%s:1" % n, True, n in names[2:]) for n in names], role
    assert role["counts"]["failed"] == 5, role["counts"]

    policy = results["r1"]
    assert policy["failed"] and [(r["source"], r.get("skipped", False)) for r in policy["results"]] == [
        ("docker.io/library/%s-nolist" % repo, False),
        ("docker.io/library/%s-a:1" % repo, True), ("docker.io/library/%s-p:1.0" % repo, True), ("docker.io/library/%s-c:1" % repo, True)], policy
    assert [r["msg"] for r in policy["results"][1:]] == [policy_skipped] * 3, policy["results"]
    assert [(p["source"], p["failed"]) for p in policy["policies"]] == [("docker.io/library/%s-nolist" % repo, True),
                                                                        ("docker.io/library/%s-p" % repo, False)], policy["policies"]

    by_role = json.loads(policy_report.read_text())
    assert [(i["source"], i["failed"], i["error"] == policy_skipped) for i in by_role["images"]] == [
        ("docker.io/library/%s-nolist2" % repo, True, False), ("docker.io/library/%s-q:1.0" % repo, True, True),
        ("docker.io/library/%s-e:1" % repo, True, True)], by_role
    assert [p["failed"] for p in by_role["policies"]] == [True, False], by_role["policies"]
    assert by_role == results["role"]

    # Nothing after a failure was started: the two held imports are the only ones the stand-in ever saw.
    assert standin.control.counters()["import_calls"] == 2, "an image queued behind a failure was started"
    assert sorted(op["source"].split("/")[-1].split("@")[0] for op in operations(standin, repo)) == names[:2]


# ---- item 6 ----------------------------------------------------------------------------------------------------------------
def test_sources_named_every_way_resource_group_concurrency_and_what_fails(standin, ansible, tmp_path, repo):
    """One real run: an ACR source by login server (source_registry) and by host in source; a public source by digest and
    as repo:tag@digest; an explicit resource_group; at most `concurrency` imports in flight; a target that holds another
    digest than planned after the import; a source that cannot be reached."""
    dev = standin.env["registries"]["devacr"]
    by_login = standin.push("devacr", "team/%s-l" % repo, "1")
    by_host = standin.push("devacr", "team/%s-h" % repo, "1")
    by_digest = standin.push("dockerhub", "library/%s-d" % repo, "1")
    both = standin.push("dockerhub", "library/%s-t" % repo, "1")
    fanned = [standin.push("dockerhub", "library/%s-c%d" % (repo, n), "1") for n in range(4)]
    standin.push("dockerhub", "library/%s-x" % repo, "1")
    other = standin.push("dockerhub", "library/%s-x" % repo, "other", seed="another image")
    standin.push("quay", "org/%s-gone" % repo, "1")
    resource_group = standin.env["registries"]["standinacr"]["id"].split("/resourceGroups/")[1].split("/")[0]
    tag_path = "^/acr/v1/%s-x/_tags/1$" % repo
    standin.control.faults([
        # The tag read before the import passes, the one after it finds another digest there.
        {"host": login_server(standin), "method": "GET", "path_regex": tag_path, "action": "delay", "delay": 0, "times": 1, "client": "controller"},
        {"host": login_server(standin), "method": "GET", "path_regex": tag_path, "status": 200, "client": "controller",
         "body": {"registry": login_server(standin), "imageName": "%s-x" % repo, "tag": {
             "name": "1", "digest": other, "createdTime": "2026-01-01T00:00:00Z", "lastUpdateTime": "2026-01-01T00:00:00Z",
             "signed": False, "changeableAttributes": {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True}}}},
        {"host": "quay.io", "method": "HEAD", "path_regex": "^/v2/org/%s-gone/manifests/" % repo, "action": "reset", "client": "controller"},
    ])
    standin.control.import_behaviour(delay=0.3)
    results, outcome = run(ansible, tmp_path, [
        acr_import(source="team/%s-l:1" % repo, source_registry=dev["login_server"]),
        acr_import(source="%s/team/%s-h:1" % (dev["login_server"], repo), targets=["team/%s-h:1" % repo]),
        acr_import(source="%s-d@%s" % (repo, by_digest), targets=["%s-d:pinned" % repo], resource_group=resource_group),
        acr_import(source="%s-t:1@%s" % (repo, both)),
        acr_import(images=[{"source": "%s-c%d:1" % (repo, n)} for n in range(4)], concurrency=2),
        acr_import(source="%s-x:1" % repo),
        acr_import(source="quay.io/org/%s-gone:1" % repo),
    ])
    for key, digest, lands in (("r0", by_login, ("team/%s-l" % repo, "1")), ("r1", by_host, ("team/%s-h" % repo, "1")),
                               ("r2", by_digest, ("%s-d" % repo, "pinned")), ("r3", both, ("%s-t" % repo, "1"))):
        assert not results[key].get("failed") and results[key]["source_digest"] == digest, (key, results[key], outcome)
        assert acr(standin, *lands) == digest, (key, lands)
    assert [r["targets"][0]["after"] for r in results["r4"]["results"]] == fanned, results["r4"]
    peak = standin.control.counters()["imports_in_flight"]["peak"]
    assert 1 <= peak <= 2, "%d imports were in flight at once with concurrency 2" % peak
    # The resource group given: Resource Manager is asked about that group's registry, not every registry of the subscription.
    arm = [e["path"] for e in standin.control.log(0) if e["client"] == "controller" and e["route"].startswith("arm:") and "/resourceGroups/" in e["path"]]
    assert any(("/resourceGroups/%s/" % resource_group).lower() in p.lower() for p in arm), arm

    moved = results["r5"]
    assert moved["failed"] and "did not land as planned" in moved["msg"] and other in moved["msg"], moved
    gone = results["r6"]
    assert gone["failed"] and "quay.io" in gone["msg"] and not operations(standin, "%s-gone" % repo), gone
