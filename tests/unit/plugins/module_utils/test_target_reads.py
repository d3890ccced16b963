# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 16: planning without reading the target registry (target_reads), as pure planning and through the importer's fakes."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import arm, importer, planner, reference, retries
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.image_requests import ImageRequest
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryUnreachable
from ansible_collections.acrops.registry.plugins.module_utils.target_reads import TargetReads, network_refusal
from ansible_collections.acrops.registry.tests.unit.plugins.module_utils.fakes import FakeArm, FakeRegistryClient, FakeTarget, tag_state

HOST = "registry-1.docker.io"
NEW = "sha256:" + "1" * 64
FIREWALL = AcrOpsError("myregistry.azurecr.io refused the Azure token exchange (HTTP 403): DENIED client with IP '127.0.0.1' is not "
                       "allowed access. Refer https://aka.ms/acr/firewall to grant access.")


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr(retries.time, "sleep", lambda seconds: None)


def image(name, tags=("1",), force=False, untagged=()):
    return ImageRequest(reference.parse("docker.io/library/%s:1" % name), tags=tuple((name, t) for t in tags), force=force, label=name,
                        untagged=tuple(untagged))


def context(client, arm, mode, check_mode=False):
    return importer.Context(arm, client, FakeTarget(), Redactor(), check_mode, True, 60, target_reads=TargetReads(mode, "myregistry"))


# ---- pure planning ----------------------------------------------------------------------------------------------------------
def test_check_mode_without_reads_predicts_nothing_and_says_why():
    plan = planner.plan_unread(["app:1"], ["cache"], NEW, False, True, "firewall")
    assert [(t.action, t.reason) for t in plan.tags + plan.untagged] == [("unknown", "firewall"), ("unknown", "firewall")]
    assert plan.mode is None and not plan.changed


def test_a_real_run_without_reads_imports_noforce_or_force_and_never_says_unchanged():
    plain = planner.plan_unread(["app:1", "app:2"], [], NEW, False, False, "firewall")
    assert plain.mode == "NoForce" and plain.import_tags == ("app:1", "app:2")
    forced = planner.plan_unread(["app:1"], [], NEW, True, False, "firewall")
    assert forced.mode == "Force" and "digest not compared" in forced.tags[0].reason
    kept = planner.mark_existing(plain, "app:1")
    assert [t.action for t in kept.tags] == ["exists_unverified", "imported"] and kept.import_tags == ("app:2",) and kept.mode == "NoForce"
    both = planner.mark_existing(kept, "app:2")
    assert [t.action for t in both.tags] == ["exists_unverified"] * 2 and both.mode is None and not both.changed
    assert planner.mark_existing(plain, "other:1") is None


# ---- the switch ---------------------------------------------------------------------------------------------------------------
def test_only_network_refusals_switch_auto_and_the_warning_comes_once():
    assert network_refusal(FIREWALL) and network_refusal(RegistryUnreachable("cannot reach x: ConnectionError"))
    assert network_refusal(AcrOpsError("x answered 401 Unauthorized for app:1")) is None
    reads = TargetReads("auto", "myregistry")
    assert not reads.switch(AcrOpsError("x answered 401 Unauthorized")) and not reads.unread
    assert reads.switch(FIREWALL) and reads.switch(FIREWALL) and reads.unread
    assert len(reads.warnings) == 1 and "allow this machine's IP address" in reads.warnings[0] and "inside the registry's network" in reads.warnings[0]
    assert not TargetReads("always", "r").switch(FIREWALL)
    assert TargetReads("never", "r").unread


# ---- through the importer -----------------------------------------------------------------------------------------------------
def test_auto_after_a_firewall_denial_imports_what_is_absent_and_reports_what_exists_unverified():
    client = FakeRegistryClient(sources={HOST + "/library/app:1": NEW})
    client.target_error = FIREWALL
    arm = FakeArm(existing={"app:1"})
    result = importer.ImageImport(context(client, arm, "auto"), image("app", tags=("1", "2"))).run()
    assert not result["failed"], result
    assert [(t["name"], t["action"]) for t in result["targets"]] == [("app:1", "exists_unverified"), ("app:2", "imported")]
    assert result["verified"] is False and result["changed"] is True
    assert [b["mode"] for b in arm.bodies] == ["NoForce", "NoForce"] and arm.bodies[1]["targetTags"] == ["app:2"]
    # Second run: both exist now; nothing changed, nothing called unchanged.
    again = importer.ImageImport(context(client, arm, "auto"), image("app", tags=("1", "2"))).run()
    assert [t["action"] for t in again["targets"]] == ["exists_unverified"] * 2 and again["changed"] is False


def test_never_reads_nothing_of_the_target_and_check_mode_says_unknown():
    client = FakeRegistryClient(sources={HOST + "/library/app:1": NEW}, tags={("app", "1"): tag_state(NEW)})
    arm = FakeArm(existing=set())
    result = importer.ImageImport(context(client, arm, "never", check_mode=True), image("app")).run()
    assert [(t["action"], t["reason"]) for t in result["targets"]] == [("unknown", "target_reads is never")]
    assert result["changed"] is False and arm.bodies == [] and not [c for c in client.calls if c[0] == "TAG"]
    forced = importer.ImageImport(context(client, arm, "never"), image("app", force=True)).run()
    assert arm.bodies[-1]["mode"] == "Force" and forced["verified"] is False and "digest not compared" in forced["targets"][0]["reason"]
    assert not [c for c in client.calls if c[0] == "TAG"]


def test_always_fails_the_image_on_a_firewall_denial():
    client = FakeRegistryClient(sources={HOST + "/library/app:1": NEW})
    client.target_error = FIREWALL
    result = importer.ImageImport(context(client, FakeArm(), "always"), image("app")).run()
    assert result["failed"] and "not allowed access" in result["msg"]


def test_counts_keep_the_new_actions_apart():
    counts = importer.count([{"targets": [{"action": "exists_unverified"}, {"action": "unknown"}], "untagged": []}])
    assert counts["exists_unverified"] == 1 and counts["unknown"] == 1 and counts["unchanged"] == 0


# ---- a source ACR behind its own network rules ----------------------------------------------------------------------------
def acr_source_image(name, tags=("1",)):
    source_acr = arm.Registry("devacr", "rg-dev", "sub", "devacr.azurecr.io", "/subscriptions/sub/resourceGroups/rg-dev/providers/"
                              "Microsoft.ContainerRegistry/registries/devacr", "eastus")
    return ImageRequest(reference.parse("devacr.azurecr.io/team/%s:1" % name), source_acr=source_acr, source_registry="devacr",
                        tags=tuple((name, t) for t in tags), label=name)


def test_a_source_acr_that_refuses_the_controller_is_planned_on_tag_existence_and_said_so():
    denied = AcrOpsError(FIREWALL.message.replace("myregistry", "devacr"))
    client = FakeRegistryClient(sources={"devacr.azurecr.io/team/app:1": denied}, tags={("app", "1"): tag_state(NEW)})
    arm_client = FakeArm(existing={"app:1"})
    result = importer.ImageImport(context(client, arm_client, "auto"), acr_source_image("app", tags=("1", "2"))).run()
    assert not result["failed"], result
    assert [t["action"] for t in result["targets"]] == ["exists_unverified", "imported"] and result["source_digest"] is None
    assert arm_client.bodies[0]["source"]["resourceId"].endswith("/registries/devacr") and arm_client.bodies[0]["targetTags"] == ["app:2"]
    assert any("networkRuleBypassOptions: AzureServices" in w and "devacr" in w for w in result["warnings"])
    # A registry that is not a known ACR source gets no such treatment: its refusal fails the image, as before.
    other = FakeRegistryClient(sources={HOST + "/library/app:1": denied})
    assert importer.ImageImport(context(other, FakeArm(), "auto"), image("app")).run()["failed"]


def test_an_import_the_source_s_network_refused_names_both_settings():
    class Refusal(Exception):
        message = ("Operation registries-1 failed. Resource /x Invalid message Forbidden Forbidden {\"errors\":[{\"code\":\"DENIED\","
                   "\"message\":\"client with IP '198.51.100.24' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.\"}]}")
    error = arm.error_from(Refusal(), Redactor(), "import into prodacr")
    assert "resource ID" in error.hint and "networkRuleBypassOptions: AzureServices" in error.hint


# ---- ABAC: the roles a refusal names --------------------------------------------------------------------------------------
class Answer:
    def __init__(self, status, message):
        self.status_code = status
        self.headers = {"Content-Type": "application/json"}
        self._body = {"errors": [{"code": "UNAUTHORIZED", "message": message}]}
        self.text = str(self._body)

    def json(self):
        return self._body


@pytest.mark.parametrize("mode, role, absent", [("AbacRepositoryPermissions", "Container Registry Repository Reader", "source_username"),
                                                ("LegacyRegistryPermissions", "AcrPull", "Repository Reader"),
                                                (None, "AcrPull", "Repository Reader")])
def test_a_refused_read_on_an_acr_names_the_roles_of_its_role_assignment_mode(mode, role, absent):
    from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient  # pylint: disable=import-outside-toplevel
    client = RegistryClient(Redactor())
    client.add_acr("myregistry.azurecr.io", mode, "myregistry")
    error = client._error(Answer(401, "authentication required"), "myregistry.azurecr.io", "team-b/app:1", None)  # pylint: disable=protected-access
    assert role in error.hint and absent not in error.hint and "myregistry" in error.hint
    if mode:
        assert ("team-b/app" in error.hint) == (mode == "AbacRepositoryPermissions")
    denial = Answer(403, "client with IP '1.2.3.4' is not allowed access")
    firewall = client._error(denial, "myregistry.azurecr.io", "a:1", None)  # pylint: disable=protected-access
    assert firewall.code == "DENIED" and "Repository Reader" not in str(firewall)


def test_resource_manager_s_registry_carries_its_role_assignment_mode():
    model = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r", "name": "r",
             "properties": {"loginServer": "r.azurecr.io", "roleAssignmentMode": "AbacRepositoryPermissions"}}
    assert arm.ArmClient._registry(model, "s").role_assignment_mode == "AbacRepositoryPermissions"  # pylint: disable=protected-access
    plain = dict(model, properties={"loginServer": "r.azurecr.io"})
    assert arm.ArmClient._registry(plain, "s").role_assignment_mode is None  # pylint: disable=protected-access
