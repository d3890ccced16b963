# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The acr_image_info task: its options, its validation, one read of a repository's tags, and the result.

Shared by the module (plugins/modules/acr_image_info.py) and by its action plugin, which runs it inside Ansible's worker
process when the task runs on the controller with the controller's own Python (module_utils/module_runner.py).
"""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import digest_lists, reference, repository_selection
from ansible_collections.acrops.registry.plugins.module_utils.auth import AUTH_ARGUMENT_SPEC
from ansible_collections.acrops.registry.plugins.module_utils.clients import build
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor, show
from ansible_collections.acrops.registry.plugins.module_utils.module_runner import Outcome, guarded, registry_summary
from ansible_collections.acrops.registry.plugins.module_utils.python_requirements import AZURE_MODULES
from ansible_collections.acrops.registry.plugins.module_utils.retries import RETRY_ARGUMENT_SPEC, RetryPolicy
from ansible_collections.acrops.registry.plugins.module_utils.validation import check_registry_name, check_strings, validate_auth

# AnsibleModule's rules beside the argument spec (the action plugin validates with the same ones).
ARGUMENT_RULES = {"mutually_exclusive": [("repository", "repositories"), ("tags", "repositories")],
                  "required_one_of": [("repository", "repositories")]}
# The Python packages the task needs, checked before it runs (module_runner.run_module, plugin_utils/in_process.py).
REQUIREMENTS = AZURE_MODULES


def argument_spec():
    spec = dict(
        registry=dict(type="str", required=True),
        resource_group=dict(type="str"),
        repository=dict(type="str"),
        repositories=dict(type="dict", options=dict(regex=dict(type="raw"), exclude=dict(type="raw"))),
        tags=dict(type="list", elements="str"),
        must_exist=dict(type="bool", default=False),
        limit=dict(type="int", default=1000),
    )
    spec.update(AUTH_ARGUMENT_SPEC)
    spec.update(RETRY_ARGUMENT_SPEC)
    return spec


def image(login_server, repository, tag, state):
    entry = {"repository": repository, "tag": tag, "reference": "%s/%s:%s" % (login_server, repository, tag),
             "digest": state.digest if state else None, "exists": state is not None, "locked": bool(state and state.locked)}
    if state:
        entry.update(created=state.created, updated=state.updated)
    return entry


def validate(params):
    """-> (repository, tags, auth settings) (with repositories: its RepositoryFilter in place of repository), or AcrOpsError before
    any request. The options' own rules come first (their
    messages name the rule); check_strings then bounds and cleans every other string, the auth options included."""
    check_registry_name(params["registry"])
    if params["limit"] < 1:
        raise AcrOpsError("limit must be at least 1")
    RetryPolicy.from_params(params)  # bounds of retries and retry_max_wait
    if params.get("repositories") is not None:
        flt = repository_selection.parse_filter(params["repositories"], "repositories")
        check_strings(params)
        return flt, [], validate_auth(params)
    try:
        repository = reference.parse_repository_path(params["repository"])
        tags = [reference.parse_target("%s:%s" % (repository, t), None)[1] for t in params.get("tags") or []]
    except ValueError as exc:
        raise AcrOpsError("invalid repository or tag: %s" % show(str(exc))) from None
    check_strings(params)
    return repository, tags, validate_auth(params)


def read(params, redactor):
    repository, tags, settings = validate(params)
    clients = build(params, redactor, settings)
    target = clients.arm.get_registry(params["registry"], params.get("resource_group"))
    client = clients.registry_client
    client.add_acr(target.login_server, target.role_assignment_mode, target.name)
    if params.get("repositories") is not None:
        return ({"changed": False, "registry": registry_summary(target), "images": [],
                 "repositories": digest_lists.read(client, target.login_server, repository)}, list(clients.data_token.warnings))
    if params.get("tags"):
        images = [image(target.login_server, repository, t, client.acr_tag(target.login_server, repository, t)) for t in tags]
    else:
        images = [image(target.login_server, repository, name, state) for name, state in client.acr_tags(target.login_server, repository, params["limit"])]
    missing = [i["tag"] for i in images if not i["exists"]]
    if missing and params["must_exist"]:
        raise AcrOpsError("%s/%s has no tag %s" % (target.login_server, repository, ", ".join(missing)),
                          hint="check the build id; nothing was promoted")
    return {"changed": False, "registry": registry_summary(target), "images": images}, list(clients.data_token.warnings)


def execute(params, check_mode, diff):
    """One read -> Outcome. Check mode changes nothing (it only reads anyway) and there is nothing to diff. A bug is a failed
    result too (module_runner.guarded), so that its message and traceback pass the redactor."""
    del check_mode, diff
    redactor = Redactor([params.get("secret")])

    def outcome():
        result, warnings = read(params, redactor)
        return Outcome(redactor.scrub_data(result), [redactor.scrub(w) for w in warnings], False)
    return guarded(redactor, outcome)
