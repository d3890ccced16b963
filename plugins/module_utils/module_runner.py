# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How every module of the collection runs, as a module or in Ansible's worker (plugins/plugin_utils/in_process.py).

A task (module_utils/<module>_task.py) gives argument_spec(), ARGUMENT_RULES and execute(params, check_mode, diff) ->
Outcome. execute() wraps its run in guarded(), so that every failure, a bug included, is a failed result whose text
passed the redactor: a traceback that escaped would carry whatever secret the failing frame held.
"""

from __future__ import annotations

import traceback
from collections import namedtuple

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.python_requirements import missing_library_message, missing_message

# result: what the task returns (with msg when failed, secrets scrubbed); warnings: to show once each; failed: the task failed.
Outcome = namedtuple("Outcome", "result warnings failed")


def guarded(redactor, run):
    """run() -> Outcome. An AcrOpsError is a failed Outcome with its error_code; a third-party module that cannot be imported
    says what to install; any other exception is a bug, reported (message and traceback) through the redactor instead of
    escaping as it is."""
    try:
        return run()
    except AcrOpsError as exc:
        return Outcome({"msg": redactor.scrub(str(exc)), "error_code": exc.code, "changed": False}, [], True)
    except ImportError as exc:
        # A package that the up-front check found but that lacks one of its own dependencies is the setup, not a bug.
        message = missing_library_message(exc)
        if message:
            return Outcome({"msg": redactor.scrub(message), "changed": False}, [], True)
        return bug(redactor, exc)
    except Exception as exc:  # pylint: disable=broad-exception-caught  # a bug: reported, but through the redactor
        return bug(redactor, exc)


def bug(redactor, exc):
    """The failed Outcome of an unexpected exception, called while it is being handled (for its traceback)."""
    return Outcome({"msg": redactor.scrub("unexpected error (a bug, please report it): %s: %s" % (type(exc).__name__, exc)),
                    "exception": redactor.scrub(traceback.format_exc()), "changed": False}, [], True)


def registry_summary(registry):
    """The `registry` key of every module's result: which registry the task worked on (module_utils.arm.Registry)."""
    return {"name": registry.name, "resource_group": registry.resource_group, "login_server": registry.login_server,
            "subscription_id": registry.subscription_id}


def run_module(argument_spec, rules, execute, requirements=()):
    """A module's main(): AnsibleModule validates (rules: mutually_exclusive and the like), the Python packages it needs are
    checked (requirements: python_requirements.AZURE_MODULES or the like), execute() runs, and the Outcome becomes the module's
    warnings and its exit_json or fail_json."""
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **rules)
    missing = missing_message(requirements, module._name)  # pylint: disable=protected-access  # its FQCN; no public name
    if missing:
        module.fail_json(msg=missing, changed=False)
    outcome = execute(module.params, module.check_mode, module._diff)  # pylint: disable=protected-access  # no public name
    for warning in outcome.warnings:
        module.warn(warning)
    if outcome.failed:
        module.fail_json(**outcome.result)
    module.exit_json(**outcome.result)
