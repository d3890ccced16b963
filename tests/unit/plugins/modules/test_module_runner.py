# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared module runner (module_utils/module_runner.py) as a module runs it: a bug in either module comes back as a failed
result whose msg and traceback went through the redactor, an AcrOpsError as a failed result with its error_code.

Each case runs the module's real main() (AnsibleModule's argument handling, exit_json/fail_json) with sockets trapped and the
task's client factory replaced by one that fails the way a bug or a service would. The planted secrets are a no_log option's
value (AnsibleModule masks it too) and a token the run learned on the way (only the redactor knows it).
"""

from __future__ import annotations

import contextlib
import io
import json
import shlex
import sys
from pathlib import Path

import pytest
import yaml

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.acrops.registry.plugins.module_utils.errors import REDACTED, AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.module_runner import Outcome, guarded, run_module
from ansible_collections.acrops.registry.plugins.doc_fragments import requirements as requirements_fragment
from ansible_collections.acrops.registry.plugins.modules import acr_image_info, acr_import, acr_tag
from ansible_collections.acrops.registry.tests.unit.plugins.planted import SECRET, TASKS, TOKEN, failing_factory

MODULES = {"acr_import": acr_import, "acr_image_info": acr_image_info, "acr_tag": acr_tag}
REPO = Path(__file__).resolve().parents[4]


@pytest.fixture
def tracebacks_on(monkeypatch):
    """Since ansible-core 2.19 a module's result holds the traceback only when the controller asks for it (DISPLAY_TRACEBACK)."""
    try:
        from ansible.module_utils._internal import _traceback  # pylint: disable=import-outside-toplevel
    except ImportError:  # before 2.19: always
        return
    monkeypatch.setattr(_traceback, "_is_traceback_enabled", lambda event: True)


def run_main(module, params):
    out = io.StringIO()
    with patch_module_args(params), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit):
            module.main()
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_bug_comes_back_failed_with_msg_and_traceback_scrubbed(network_trap, tracebacks_on, monkeypatch, name):
    module, (task, factory, params) = MODULES[name], TASKS[name]
    network_trap(task)
    monkeypatch.setattr(task, factory, failing_factory(RuntimeError))
    output = run_main(module, params)
    result = json.loads(output)
    assert result["failed"] is True and result["changed"] is False, result
    assert result["msg"].startswith("unexpected error (a bug, please report it): RuntimeError: a failure holding "), result["msg"]
    assert "Traceback (most recent call last)" in result["exception"] and "RuntimeError" in result["exception"]
    for text in (result["msg"], result["exception"]):
        assert REDACTED in text and "abcdefgh12345678" not in text, text
    assert SECRET not in output and TOKEN not in output


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_refusal_comes_back_failed_with_its_error_code_and_no_traceback(network_trap, monkeypatch, name):
    module, (task, factory, params) = MODULES[name], TASKS[name]
    network_trap(task)

    def refusing(message):
        return AcrOpsError(message, code="PlantedCode", hint="do something else")

    monkeypatch.setattr(task, factory, failing_factory(refusing))
    output = run_main(module, params)
    result = json.loads(output)
    assert result["failed"] is True and result["error_code"] == "PlantedCode" and "exception" not in result, result
    assert result["msg"].startswith("a failure holding ") and result["msg"].endswith("Hint: do something else"), result["msg"]
    assert SECRET not in output and TOKEN not in output


ABSENT = ("acrops-absent-package>=1.2", "acrops_absent_package")  # a requirement no Python has


def assert_says_what_to_install(result, package, requirement):
    """missing_required_lib's wording (package, this interpreter), the pip command for it, the interpreter way out; not a bug."""
    assert result["failed"] is True and result.get("changed") is False and "exception" not in result, result
    msg = result["msg"]
    assert "Failed to import the required Python library (%s) on " % package in msg, msg
    assert "Python %s." % sys.executable in msg and "%s -m pip install %s" % (sys.executable, shlex.quote(requirement)) in msg, msg
    assert "pip install -r requirements.txt" in msg and "ansible_python_interpreter" in msg and "bug" not in msg, msg


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_missing_requirement_is_named_with_how_to_install_it_before_any_work(network_trap, monkeypatch, name):
    module, (task, factory, params) = MODULES[name], TASKS[name]
    network_trap(task)
    monkeypatch.setattr(module, "REQUIREMENTS", task.REQUIREMENTS + (ABSENT,))
    monkeypatch.setattr(task, factory, failing_factory(RuntimeError))  # never reached
    assert_says_what_to_install(json.loads(run_main(module, params)), "acrops-absent-package", ABSENT[0])


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_package_missing_one_of_its_own_dependencies_is_named_too(network_trap, monkeypatch, name):
    # azure-identity installed without msal: found by the check up front, fails on import during the run.
    module, (task, factory, params) = MODULES[name], TASKS[name]
    network_trap(task)
    monkeypatch.setattr(task, factory, failing_factory(lambda message: ModuleNotFoundError("No module named 'msal'", name="msal")))
    assert_says_what_to_install(json.loads(run_main(module, params)), "msal", "msal")


def test_an_import_error_of_the_collection_itself_stays_a_bug():
    def broken():
        raise ImportError("cannot import name 'x'", name="ansible_collections.acrops.registry.plugins.module_utils.clients")

    failed = guarded(Redactor(), broken)
    assert failed.failed and failed.result["msg"].startswith("unexpected error (a bug, please report it): ImportError"), failed


@pytest.mark.parametrize("name", sorted(MODULES))
def test_the_checked_requirements_are_requirements_txt_and_the_documented_ones(name):
    listed = [line.split("#", 1)[0].strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    checked = sorted(r for r, module in MODULES[name].REQUIREMENTS)
    assert checked == sorted(line.replace(" ", "") for line in listed if line)
    assert "acrops.registry.requirements" in yaml.safe_load(MODULES[name].DOCUMENTATION)["extends_documentation_fragment"]
    assert sorted(yaml.safe_load(requirements_fragment.ModuleDocFragment.DOCUMENTATION)["requirements"]) == checked


def test_guarded_passes_an_outcome_through_and_turns_any_exception_into_a_failed_one():
    redactor = Redactor([SECRET])
    done = Outcome({"changed": True}, ["careful"], False)
    assert guarded(redactor, lambda: done) is done

    def bug():
        raise KeyError(SECRET)

    failed = guarded(redactor, bug)
    assert failed.failed is True and failed.warnings == [] and failed.result["changed"] is False
    assert failed.result["msg"] == "unexpected error (a bug, please report it): KeyError: '%s'" % REDACTED
    assert SECRET not in failed.result["exception"] and "KeyError" in failed.result["exception"]


def test_run_module_applies_the_rules_shows_warnings_and_exits_by_the_outcome(monkeypatch):
    spec = dict(a=dict(type="str"), b=dict(type="str"))
    rules = {"mutually_exclusive": [("a", "b")]}
    calls, warned = [], []
    monkeypatch.setattr(AnsibleModule, "warn", lambda module, warning: warned.append(warning))

    def execute(params, check_mode, diff):
        calls.append((params["a"], check_mode, diff))
        return Outcome({"changed": False, "msg": "no"}, ["mind this"], params["a"] == "fail")

    def main(params):
        out = io.StringIO()
        with patch_module_args(params), contextlib.redirect_stdout(out):
            with pytest.raises(SystemExit):
                run_module(spec, rules, execute)
        return json.loads(out.getvalue())

    refused = main(dict(a="x", b="y"))
    assert refused["failed"] is True and "mutually exclusive" in refused["msg"] and calls == []
    ok = main(dict(a="ok", _ansible_check_mode=True, _ansible_diff=True))
    assert not ok.get("failed") and ok["msg"] == "no" and calls == [("ok", True, True)], ok
    failed = main(dict(a="fail"))
    assert failed["failed"] is True and failed["msg"] == "no" and calls[-1] == ("fail", False, False), failed
    assert warned == ["mind this", "mind this"], "a warning per run"
