# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Both modules' actions run their task in-process on the controller (plugin_utils/in_process.py): a bug in either comes back
as a failed result whose msg and traceback went through the redactor, never as an exception out of the worker; a refusal comes
back with its error_code; no_log values are masked in the invocation.

The actions are built with stand-ins for Ansible's task, connection and templar (a local connection in this very Python, so
they choose the in-process way) and the task's client factory fails the way a bug or a service would.
"""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import pytest

from ansible_collections.acrops.registry.plugins.action import acr_image_info as acr_image_info_action
from ansible_collections.acrops.registry.plugins.action import acr_import as acr_import_action
from ansible_collections.acrops.registry.plugins.action import acr_tag as acr_tag_action
from ansible_collections.acrops.registry.plugins.module_utils.errors import REDACTED, AcrOpsError
from ansible_collections.acrops.registry.tests.unit.plugins.planted import SECRET, TASKS, TOKEN, failing_factory

ACTIONS = {"acr_import": acr_import_action, "acr_image_info": acr_image_info_action, "acr_tag": acr_tag_action}


def action_for(action_module, args):
    """The plugin's ActionModule for a task on localhost, local connection, this Python: it must run in-process."""
    task = SimpleNamespace(args=args, async_val=0, check_mode=False, diff=False, timeout=None, delegate_to=None, environment=None,
                           action="task")
    connection = SimpleNamespace(transport="local", _shell=SimpleNamespace(tmpdir=None, env_prefix=lambda **env: ""))
    templar = SimpleNamespace(template=lambda value: value)
    action = action_module.ActionModule(task, connection, SimpleNamespace(become=False), None, templar, None)

    def no_module(*args, **kwargs):
        raise AssertionError("the task ran as a module, not in-process")

    action._execute_module = no_module  # pylint: disable=protected-access
    return action


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No Azure settings or profile file from this machine; the invocation in the result (ansible-core 2.21 adds it on request)."""
    for name in ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_CLIENT_SECRET", "AZURE_TENANT", "AZURE_TENANT_ID",
                 "AZURE_CLOUD_ENVIRONMENT", "AZURE_PROFILE", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ANSIBLE_INJECT_INVOCATION", "1")


def run_action(name, error, monkeypatch):
    action_module, (task, factory, args) = ACTIONS[name], TASKS[name]
    monkeypatch.setattr(task, factory, failing_factory(error))
    return action_for(action_module, args).run(task_vars={"ansible_python_interpreter": sys.executable})


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_bug_comes_back_failed_with_msg_and_traceback_scrubbed(monkeypatch, name):
    result = run_action(name, RuntimeError, monkeypatch)
    assert result["failed"] is True and result["changed"] is False, result
    assert result["msg"].startswith("unexpected error (a bug, please report it): RuntimeError: a failure holding "), result["msg"]
    assert "Traceback (most recent call last)" in result["exception"] and ", in factory" in result["exception"]
    for text in (result["msg"], result["exception"]):
        assert REDACTED in text and "abcdefgh12345678" not in text, text
    assert result["invocation"]["module_args"]["secret"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert SECRET not in json.dumps(result) and TOKEN not in json.dumps(result)


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_refusal_comes_back_failed_with_its_error_code_and_no_traceback(monkeypatch, name):
    result = run_action(name, lambda message: AcrOpsError(message, code="PlantedCode"), monkeypatch)
    assert result["failed"] is True and result["error_code"] == "PlantedCode" and "exception" not in result, result
    assert result["msg"].startswith("a failure holding ") and SECRET not in json.dumps(result) and TOKEN not in json.dumps(result)


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_bad_arguments_are_refused_in_ansible_modules_words_before_the_task_runs(monkeypatch, name):
    action_module, (task, factory, args) = ACTIONS[name], TASKS[name]
    monkeypatch.setattr(task, factory, failing_factory(AssertionError))
    result = action_for(action_module, dict(args, bogus=SECRET)).run(task_vars={"ansible_python_interpreter": sys.executable})
    assert result["failed"] is True, result
    assert result["msg"].startswith("Unsupported parameters for (acrops.registry.%s) module: bogus." % name), result["msg"]


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_missing_requirement_of_the_controllers_python_is_named_with_how_to_install_it(monkeypatch, name):
    # In-process the controller's Python is the module's: the same check, the same message, before any work.
    action_module, (task, factory, args) = ACTIONS[name], TASKS[name]
    monkeypatch.setattr(task, "REQUIREMENTS", task.REQUIREMENTS + (("acrops-absent-package>=1.2", "acrops_absent_package"),))
    monkeypatch.setattr(task, factory, failing_factory(RuntimeError))  # never reached
    result = action_for(action_module, args).run(task_vars={"ansible_python_interpreter": sys.executable})
    assert result["failed"] is True and result["changed"] is False and "exception" not in result, result
    msg = result["msg"]
    assert "Failed to import the required Python library (acrops-absent-package) on " in msg and "Python %s." % sys.executable in msg
    assert "%s -m pip install 'acrops-absent-package>=1.2'" % sys.executable in msg and "ansible_python_interpreter" in msg, msg
    assert "bug" not in msg and SECRET not in json.dumps(result)
