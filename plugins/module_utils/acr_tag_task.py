# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The acr_tag task: its options, its validation, read -> plan -> change for the tags of one repository, and the result.

Shared by the module (plugins/modules/acr_tag.py) and by its action plugin, which runs it inside Ansible's worker process
when the task runs on the controller with the controller's own Python (module_utils/module_runner.py). Every tag is read
and planned before the first change, so a missing or locked tag fails the task with nothing changed.
"""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import acr_tag_client, reference, tag_lifecycle
from ansible_collections.acrops.registry.plugins.module_utils.auth import AUTH_ARGUMENT_SPEC
from ansible_collections.acrops.registry.plugins.module_utils.clients import build
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor, show
from ansible_collections.acrops.registry.plugins.module_utils.module_runner import Outcome, guarded, registry_summary
from ansible_collections.acrops.registry.plugins.module_utils.python_requirements import AZURE_MODULES
from ansible_collections.acrops.registry.plugins.module_utils.validation import check_registry_name, check_strings, validate_auth

ARGUMENT_RULES = {}
REQUIREMENTS = AZURE_MODULES
MAX_TAGS = 100  # one task's tags: each costs a read and at most two changes


def argument_spec():
    spec = dict(
        registry=dict(type="str", required=True),
        resource_group=dict(type="str"),
        repository=dict(type="str", required=True),
        tags=dict(type="list", elements="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        write_enabled=dict(type="bool"),
        delete_enabled=dict(type="bool"),
        read_enabled=dict(type="bool"),
        list_enabled=dict(type="bool"),
    )
    spec.update(AUTH_ARGUMENT_SPEC)
    return spec


def validate(params):
    """-> (repository, tags, wanted attributes, auth settings), or AcrOpsError before any request."""
    check_registry_name(params["registry"])
    if not params["tags"]:
        raise AcrOpsError("tags must name at least one tag")
    if len(params["tags"]) > MAX_TAGS:
        raise AcrOpsError("tags names %d tags; one task changes at most %d" % (len(params["tags"]), MAX_TAGS))
    try:
        repository = reference.parse_repository_path(params["repository"])
        tags = [reference.parse_target("%s:%s" % (repository, t), None)[1] for t in params["tags"]]
    except ValueError as exc:
        raise AcrOpsError("invalid repository or tag: %s" % show(str(exc))) from None
    wanted = tag_lifecycle.wanted_attributes(params)
    if params["state"] == "present" and not wanted:
        raise AcrOpsError("state=present changes attributes only: set write_enabled, delete_enabled, read_enabled or list_enabled "
                          "(acr_tag never creates a tag: acrops.registry.acr_import does)")
    check_strings(params)
    return repository, list(dict.fromkeys(tags)), wanted, validate_auth(params)


def run(params, check_mode, redactor):
    repository, tags, wanted, settings = validate(params)
    clients = build(params, redactor, settings)
    target = clients.arm.get_registry(params["registry"], params.get("resource_group"))
    client = clients.registry_client
    login = target.login_server
    client.add_acr(login, target.role_assignment_mode, target.name)  # a refusal names the roles of the registry's mode
    for _tag in tags:
        client.expect(login, repository)
    plans = [tag_lifecycle.plan_tag(t, acr_tag_client.read_tag(client, login, repository, t), params["state"], wanted) for t in tags]
    problems = tag_lifecycle.problems(plans, "%s/%s" % (login, repository))
    if problems:
        raise AcrOpsError("; ".join(problems) + "; nothing was changed")
    if not check_mode:
        for plan in plans:
            if plan.changes:
                acr_tag_client.update_tag(client, login, repository, plan.tag, plan.changes)
            if plan.action == "delete":
                acr_tag_client.delete_tag(client, login, repository, plan.tag)
    result = {"changed": any(p.action in ("update", "delete") for p in plans), "registry": registry_summary(target),
              "repository": repository, "tags": [tag_lifecycle.tag_result(p, login, repository) for p in plans]}
    return result, tag_lifecycle.diff(plans, repository)


def execute(params, check_mode, diff):
    """Read, plan, change -> Outcome; check mode reads only. A bug is a failed result too (module_runner.guarded)."""
    redactor = Redactor([params.get("secret")])

    def outcome():
        result, changes = run(params, check_mode, redactor)
        if diff:
            result["diff"] = changes
        return Outcome(redactor.scrub_data(result), [], False)

    return guarded(redactor, outcome)
