# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 16 end to end: acr_import and the acr_mirror role against locked-down registries (docs/network.md), through
ansible-playbook, each case's module and role tasks batched into the same playbook runs: a check run, a first run and a
second run.

- standinacr behind a firewall (public network access disabled), target_reads auto: the first denial switches to planning
  without reads, with one warning; imports land; a second run reports exists_unverified, never unchanged.
- prodacr behind IP rules that leave the controller out, target_reads never: not one request to its data plane.
- devacr with ARM-audience tokens disabled: full planning with ACR-audience tokens, idempotent, no fallback warning.
- --check --diff: unknown with the reason on the firewalled targets, and no state-changing call at all."""

from __future__ import annotations

import json

import pytest

from playbook_runner import storage_digest

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
TOKEN_PATHS = ("/oauth2/token", "/oauth2/exchange", "/token", "/oauth2/v2.0/token")


def firewall_and_policies(standin):
    standin.control.update_registry("standinacr", {"publicNetworkAccess": "Disabled"})
    standin.control.update_registry("prodacr", {"networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": "10.0.0.0/8"}]}})
    standin.control.update_registry("devacr", {"policies": {"azureADAuthenticationAsArmPolicy": {"status": "disabled"}}})


def module(registry, sources, **params):
    return {"acrops.registry.acr_import": dict(registry=registry, images=[{"source": s} for s in sources], **params)}


def role(registry, source, report, **variables):
    return {"ansible.builtin.include_role": {"name": "acrops.registry.acr_mirror"},
            "vars": dict(acr_mirror_registry=registry, acr_mirror_images=[source], acr_mirror_report=str(report), **variables)}


def controller_log(standin):
    return [e for e in standin.control.log() if e.get("client") == "controller"]


def test_firewalled_targets_auto_and_never_and_a_target_without_arm_audience_tokens(standin, ansible, tmp_path, repo):
    names = ("ma", "mb", "mn", "ra", "rn", "md", "rd")
    digests = dict((n, standin.push("dockerhub", "library/%s-%s" % (repo, n), "1", **SMALL)) for n in names)
    source = dict((n, "docker.io/library/%s-%s:1" % (repo, n)) for n in names)
    # Long repository names (issue 16, request size): 21 of them share devacr's token requests; the stand-in's front end
    # refuses headers over 8 KB as ACR's does, so the batches must shrink instead of failing.
    long_names = ["%s-l%02d/%s/%s" % (repo, n, "x" * 85, "y" * (150 - len(repo) - 4)) for n in range(21)]  # 240 characters
    long_digests = [standin.push("dockerhub", "library/" + name, "1", **SMALL) for name in long_names]
    reports = dict((n, tmp_path / ("report-%s.json" % n)) for n in ("ra", "rn", "rd"))
    tasks = [
        module("standinacr", [source["ma"], source["mb"]], force=False),                     # r0: auto (the default)
        module("prodacr", [source["mn"]], force=False, target_reads="never"),                 # r1: never
        role("standinacr", source["ra"], reports["ra"], acr_mirror_force=False),              # r2: the role, auto
        role("prodacr", source["rn"], reports["rn"], acr_mirror_target_reads="never"),        # r3: the role, never, force (default)
        module("devacr", [source["md"]] + ["docker.io/library/%s:1" % n for n in long_names]),  # r4: ARM-audience tokens disabled
        role("devacr", source["rd"], reports["rd"]),                                          # r5
    ]
    firewall_and_policies(standin)
    logins = dict((r, standin.env["registries"][r]["login_server"]) for r in ("standinacr", "prodacr", "devacr"))

    # ---- --check --diff: nothing predicted on the firewalled targets, nothing changed anywhere --------------------------
    before = len(standin.control.log())
    preview = ansible.tasks(tasks, ["--check", "--diff"])
    results = preview.results
    for key, name in (("r0", "ma"), ("r1", "mn")):
        target = results[key]["results"][0]["targets"][0]
        assert target["action"] == "unknown" and not results[key]["changed"], results[key]
        assert ("cannot be read" if name == "ma" else "target_reads is never") in target["reason"]
    assert [r.get("targets", [{}])[0].get("action") for r in results["r4"]["results"]] == ["would_import"] * 22, results["r4"].get("msg")
    for name in ("ra", "rn"):
        assert json.loads(reports[name].read_text())["counts"]["unknown"] == 1
    assert results["r0"]["actions"][0] == "Unknown for %s as %s-ma:1: %s" % (source["ma"], repo, results["r0"]["results"][0]["targets"][0]["reason"])
    log = controller_log(standin)[before:]
    changing = [e for e in log if e["method"] in STATE_CHANGING and not e["path"].split("?")[0].endswith(TOKEN_PATHS)]
    assert changing == [], [(e["method"], e["host"], e["route"], e["status"]) for e in changing]
    assert not [e for e in log if e["host"] == logins["prodacr"]], "target_reads never sent requests to prodacr"
    assert standin.control.counters()["import_calls"] == 0
    # One warning for the run, however many images meet the firewall (Ansible shows the role's identical one once more).
    assert [w for w in results["r0"]["warnings"] if "Planning without reading it" in w] == results["r0"]["warnings"]
    assert len(results["r0"]["warnings"]) == 1 and "allow this machine's IP address" in results["r0"]["warnings"][0]

    # ---- first run: every import lands ------------------------------------------------------------------------------
    run = ansible.tasks(tasks)
    first = run.results
    for key, name, registry in (("r0", "ma", "standinacr"), ("r1", "mn", "prodacr"), ("r4", "md", "devacr")):
        image = first[key]["results"][0]
        assert not first[key].get("failed") and image["targets"][0]["action"] == "imported" and first[key]["changed"], first[key]
        assert storage_digest(standin.env["registries"][registry]["storage_url"], "%s-%s" % (repo, name), "1") == digests[name]
    assert first["r0"]["results"][0]["verified"] is False and first["r4"]["results"][0]["verified"] is True
    for name, registry in (("ra", "standinacr"), ("rn", "prodacr"), ("rd", "devacr")):
        assert json.loads(reports[name].read_text())["counts"]["imported"] == 1, name
        assert storage_digest(standin.env["registries"][registry]["storage_url"], "%s-%s" % (repo, name), "1") == digests[name]
    assert "Resource Manager-audience" not in " ".join(run.stderr.split())  # devacr read with ACR-audience tokens

    # ---- second run: honest words, nothing claimed ---------------------------------------------------------------------
    second = ansible.tasks(tasks).results
    assert [t["action"] for r in second["r0"]["results"] for t in r["targets"]] == ["exists_unverified"] * 2 and not second["r0"]["changed"]
    assert [t["action"] for t in second["r1"]["results"][0]["targets"]] == ["exists_unverified"] and not second["r1"]["changed"]
    assert [r["targets"][0]["action"] for r in second["r4"]["results"]] == ["unchanged"] * 22 and not second["r4"]["changed"]
    assert [r["source_digest"] for r in second["r4"]["results"][1:]] == long_digests
    assert standin.control.settings()["max_request_header_bytes"] == 8192
    assert not [e for e in controller_log(standin) if e["route"] == "front:header-too-large"]
    assert json.loads(reports["ra"].read_text())["counts"]["exists_unverified"] == 1
    counts = json.loads(reports["rn"].read_text())["counts"]
    assert counts["imported"] == 1 and counts.get("unchanged", 0) == 0  # force: re-imported with Force, digests not compared
    assert json.loads(reports["rd"].read_text())["counts"]["unchanged"] == 1
    assert not [e for e in controller_log(standin) if e["host"] == logins["prodacr"]]
    counters = standin.control.counters()
    assert not [k for k in counters["client_requests"] if k.startswith("controller %s " % logins["prodacr"])], counters["client_requests"]
    assert counters["token_requests"].get("acr_exchange_arm_refused", 0) == 0


def test_a_firewalled_source_acr_by_resource_id_with_and_without_trusted_services(standin, ansible, tmp_path, repo):
    """prodacr refuses the controller; devacr imports from it by resource ID while prodacr allows trusted services, and names
    both settings when it does not. Module and role, first and second run (two playbook runs)."""
    digests = dict((n, standin.push("prodacr", "team/%s-%s" % (repo, n), "1", **SMALL)) for n in ("s", "r", "n"))
    report = tmp_path / "report.json"
    module_task = {"acrops.registry.acr_import": {"registry": "devacr", "source_registry": "prodacr", "source": "team/%s-s:1" % repo}}
    role_task = {"ansible.builtin.include_role": {"name": "acrops.registry.acr_mirror"},
                 "vars": {"acr_mirror_registry": "devacr", "acr_mirror_report": str(report),
                          "acr_mirror_images": [{"source": "team/%s-r:1" % repo, "source_registry": "prodacr"}]}}
    standin.control.update_registry("prodacr", {"publicNetworkAccess": "Disabled"})  # trusted services allowed: the default

    first = ansible.tasks([module_task, role_task]).results
    assert not first["r0"].get("failed") and [t["action"] for t in first["r0"]["targets"]] == ["imported"], first["r0"]
    assert first["r0"]["source_digest"] is None and first["r0"]["verified"] is False
    assert json.loads(report.read_text())["counts"]["imported"] == 1
    storage = standin.env["registries"]["devacr"]["storage_url"]
    for name in ("s", "r"):
        assert storage_digest(storage, "team/%s-%s" % (repo, name), "1") == digests[name]
    imports = [e for e in controller_log(standin) if e["method"] == "POST" and e["path"].split("?")[0].endswith("/importImage")]
    assert len(imports) == 2 and all(e["body"]["source"]["resourceId"].endswith("/registries/prodacr") for e in imports), imports

    standin.control.update_registry("prodacr", {"networkRuleBypassOptions": "None"})
    new_task = {"acrops.registry.acr_import": {"registry": "devacr", "source_registry": "prodacr", "source": "team/%s-n:1" % repo}}
    second = ansible.tasks([module_task, role_task, new_task]).results
    assert [t["action"] for t in second["r0"]["targets"]] == ["exists_unverified"] and not second["r0"]["changed"], second["r0"]
    assert json.loads(report.read_text())["counts"]["exists_unverified"] == 1
    refused = second["r2"]
    assert refused["failed"] and "not allowed access" in refused["msg"], refused
    assert "resource ID" in refused["msg"] and "networkRuleBypassOptions: AzureServices" in refused["msg"], refused["msg"]
    assert storage_digest(storage, "team/%s-n" % repo, "1") is None


def test_an_abac_registry_where_the_identity_reads_one_repository_prefix(standin, ansible, tmp_path, repo):
    """standinacr in ABAC mode; the importer may read repositories under one prefix only. Module and role, first and second
    run: the granted ones plan, import and verify as anywhere; the other fails clearly, naming the role to assign."""
    names = ("ok-m", "ok-r", "no-m")
    digests = dict((n, standin.push("dockerhub", "library/%s-%s" % (repo, n), "1", **SMALL)) for n in names)
    standin.control.update_registry("standinacr", {"roleAssignmentMode": "AbacRepositoryPermissions"})
    standin.control.grant("standinacr", "importer", ["%s-ok" % repo], role="Container Registry Repository Reader")
    report = tmp_path / "report.json"
    tasks = [{"acrops.registry.acr_import": {"registry": "standinacr", "images": [{"source": "%s-ok-m:1" % repo}, {"source": "%s-no-m:1" % repo}]}},
             {"ansible.builtin.include_role": {"name": "acrops.registry.acr_mirror"},
              "vars": {"acr_mirror_registry": "standinacr", "acr_mirror_report": str(report), "acr_mirror_images": ["%s-ok-r:1" % repo]}}]
    for run, (granted, role_action) in enumerate((("imported", "imported"), ("unchanged", "unchanged"))):
        results = ansible.tasks(tasks).results
        ok, refused = results["r0"]["results"]
        assert not ok["failed"] and ok["targets"][0]["action"] == granted and ok["targets"][0]["after"] == digests["ok-m"], (run, ok)
        assert run or ok["verified"] is True
        assert refused["failed"] and refused["error_code"] == "UNAUTHORIZED", refused
        assert "Container Registry Repository Reader" in refused["msg"] and "%s-no-m" % repo in refused["msg"], refused["msg"]
        assert "AbacRepositoryPermissions" in refused["msg"], refused["msg"]
        assert json.loads(report.read_text())["counts"][role_action] == 1, run
    assert storage_digest(standin.env["registries"]["standinacr"]["storage_url"], "%s-no-m" % repo, "1") is None


def test_a_cloud_without_acrs_own_audience_falls_back_to_resource_manager_tokens_once(standin, ansible, repo):
    """Entra refuses https://containerregistry.azure.net (AADSTS500011), as in a cloud that has no such resource: the data plane
    is read with Resource Manager-audience tokens, said once per run, and everything plans, imports and verifies."""
    standin.control.settings(entra_unknown_resources=["https://containerregistry.azure.net"])
    digests = [standin.push("dockerhub", "library/%s-%d" % (repo, n), "1", **SMALL) for n in range(2)]
    result, run = ansible.module("acr_import", registry="standinacr", images=[{"source": "%s-%d:1" % (repo, n)} for n in range(2)])
    assert not result.get("failed") and result["counts"]["imported"] == 2, run
    assert all(r["verified"] for r in result["results"]) and [r["source_digest"] for r in result["results"]] == digests
    fallback = [w for w in result["warnings"] if "Resource Manager-audience" in w]
    assert len(fallback) == 1 and "AADSTS500011" in fallback[0], result["warnings"]
    refused = [e for e in standin.control.log() if e["route"].startswith("entra:") and e["status"] == 400]
    assert len(refused) == 1, [(e["route"], e["status"]) for e in refused]
