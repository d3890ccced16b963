# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules' action plugins: on the controller, with the controller's own Python, the task runs right here in Ansible's
worker process; anywhere else (another host, another interpreter, become, async) it runs as the module, as usual.

Why: packaging the module (AnsiballZ), starting a Python and importing ansible.module_utils.basic once more cost ~1.5 s per
task on a 2-core machine, more than the work of a 100-image no-op mirror. The same code runs either way (the module's
module_utils/<module>_task.py, see module_utils/module_runner.py), with the same argument validation, result and masking of
no_log values. Ansible forks a worker per task and host, so nothing started here outlives the task.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings

from ansible import constants as C
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.acrops.registry.plugins.module_utils import running_imports
from ansible_collections.acrops.registry.plugins.module_utils.python_requirements import missing_message


class InProcessAction(ActionBase):
    """An action whose module can run in-process. A subclass names the module and its task:

        class ActionModule(InProcessAction):
            MODULE = "acrops.registry.acr_import"
            TASK = acr_import_task   # argument_spec(), ARGUMENT_RULES, execute(params, check_mode, diff) -> Outcome,
                                     # and optionally REQUIREMENTS (python_requirements.AZURE_MODULES)
    """

    _supports_check_mode = True
    _supports_async = True
    MODULE = None
    TASK = None

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.10
        task_vars = task_vars or {}
        if self._module_needed(task_vars):
            return self._no_log_items(merge_hash(result, self._run_module(task_vars)))
        return self._no_log_items(merge_hash(result, self._run_here(task_vars)))

    def _no_log_items(self, result):
        """A no_log task's `results` (acr_import's per-image list) censored like loop items: ansible-core takes a `results` list
        for a loop's and shows each item that is not marked no_log in full, even on a no_log task (its task_result.py)."""
        if getattr(self._task, "no_log", False) and isinstance(result.get("results"), list):
            result["results"] = [dict(item, _ansible_no_log=True) if isinstance(item, dict) else item for item in result["results"]]
        return result

    def _module_needed(self, task_vars):
        """True unless the module would run on this machine, as this user, in this very Python, synchronously. (A task
        `timeout` runs here too: its alarm stops the run, which then says what it leaves running; see _stopped().)"""
        if self._task.async_val or self._play_context.become:
            return True
        if self._connection.transport not in ("local", "ansible.builtin.local"):
            return True
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = (task_vars.get("ansible_delegated_vars") or {}).get(self._task.delegate_to, task_vars)
        interpreter = C.config.get_config_value("INTERPRETER_PYTHON", variables=host_vars)
        interpreter = self._templar.template(interpreter) if isinstance(interpreter, str) else None
        # Paths compared as written: two venvs' pythons resolve to the same binary but not to the same packages.
        return not interpreter or os.path.normpath(str(interpreter).strip()) != os.path.normpath(sys.executable)

    def _run_module(self, task_vars):
        wrap_async = self._task.async_val and not getattr(self._connection, "has_native_async", False)
        result = self._execute_module(module_name=self.MODULE, task_vars=task_vars, wrap_async=wrap_async)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access  # as the normal action does
        return result

    def _run_here(self, task_vars):
        # Not ActionBase.validate_argument_spec(): it raises the validator's message as it is, and a conversion error can quote
        # a no_log value; here, as in AnsibleModule.fail_json, the message is masked like the rest of the result.
        environment = self._environment()
        with task_environment(environment):  # options with an environment fallback see the task's environment, as a module's do
            validated = ArgumentSpecValidator(self.TASK.argument_spec(), **self.TASK.ARGUMENT_RULES).validate(self._task.args)
        no_log_values = validated._no_log_values  # pylint: disable=protected-access  # what AnsibleModule masks, too
        if validated.error_messages:
            msg = validated.errors.msg
            if isinstance(validated.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (self.MODULE, msg)
            return self._masked({"failed": True, "msg": msg}, validated.validated_parameters, no_log_values, task_vars)
        params = validated.validated_parameters
        # Here the controller's Python is the module's: it needs the same packages, and says so the same way.
        missing = missing_message(getattr(self.TASK, "REQUIREMENTS", ()), self.MODULE)
        if missing:
            return self._masked({"failed": True, "changed": False, "msg": missing}, params, no_log_values, task_vars)
        try:
            live = {"show": self._shower(task_vars, no_log_values)} if self._shows_progress() else {}
            with task_environment(environment), library_output_muted():
                outcome = self.TASK.execute(params, bool(self._task.check_mode), bool(self._task.diff), **live)
        except BaseException as exc:  # pylint: disable=broad-exception-caught  # only Ansible's task timeout is handled
            if "TaskTimeoutError" not in (cls.__name__ for cls in type(exc).__mro__):
                raise
            return self._masked(self._stopped(), params, no_log_values, task_vars)
        result = dict(outcome.result, failed=outcome.failed)
        if outcome.warnings:
            result["warnings"] = list(outcome.warnings)
        return self._masked(result, params, no_log_values, task_vars)

    def _shows_progress(self):
        """Live progress for a task whose module tells it (TASK.SHOWS_PROGRESS), unless the task is no_log or the console is
        set to hide ok results (the stdout callback's display_ok_hosts, ANSIBLE_DISPLAY_OK_HOSTS=false)."""
        return bool(getattr(self.TASK, "SHOWS_PROGRESS", False) and not getattr(self._task, "no_log", False) and not ok_hosts_hidden())

    @staticmethod
    def _shower(task_vars, no_log_values):
        """show(line, verbosity) for a task's live progress: Ansible's display, which a worker sends to the main process at
        once (its final queue), so the line reaches the console and log_path while the task runs; verbosity 0 always, 1 at -v.
        no_log values are masked as in the result."""
        display = Display()
        host = task_vars.get("inventory_hostname") or "localhost"

        def show(line, verbosity=0):
            line = remove_values(line, no_log_values)
            if verbosity <= 0:
                display.display("[%s] %s" % (host, line))
            else:
                display.verbose(line, host=host, caplevel=verbosity - 1)
        return show

    def _stopped(self):
        """The result of a run that the task's timeout stopped (Ansible raised its TaskTimeoutError in here): what completed
        is not known any more, but what Azure still runs is, and the next run's re-read is explained by it (and by the
        journal, module_utils/running_imports.py). Worker threads stop waiting, so the worker can end at once."""
        running, succeeded = running_imports.abandon_all()
        msg = "the task timed out after %s s (its timeout keyword)" % self._task.timeout
        if running:
            msg += "; %d import(s) it submitted still run in Azure and finish on their own (the next run reads what they wrote): %s" % (
                len(running), ", ".join("%s (operation %s)" % (e["source"], e["operation_url"]) for e in running))
        else:
            msg += "; no import of it was running"
        return {"failed": True, "changed": bool(running or succeeded), "msg": msg, "running_imports": running,
                "timedout": {"period": self._task.timeout}}

    def _environment(self):
        """The task's `environment` keyword, templated, as the module would get it."""
        final = {}
        self._compute_environment_string(final)
        return final

    @staticmethod
    def _masked(result, params, no_log_values, task_vars):
        """As AnsibleModule returns it: the invocation added (ansible-core 2.21: only with inject_invocation), every no_log
        value masked, booleans and None kept."""
        if inject_invocation(task_vars):
            result = dict(result, invocation={"module_args": params})
        kept = dict((k, v) for k, v in result.items() if v is None or isinstance(v, bool))
        result = remove_values(result, no_log_values)
        result.update(kept)
        return result


def ok_hosts_hidden():
    """Whether the stdout callback hides ok results (its display_ok_hosts option, e.g. ANSIBLE_DISPLAY_OK_HOSTS=false). Its
    options are known in the worker: the main process loaded the callback before forking. A callback without the option
    (or any doubt) counts as showing them."""
    name = str(C.DEFAULT_STDOUT_CALLBACK or "default")
    for plugin_name in dict.fromkeys((name, name.rsplit(".", 1)[-1])):
        try:
            return not C.config.get_config_value("display_ok_hosts", plugin_type="callback", plugin_name=plugin_name)
        except Exception:  # pylint: disable=broad-exception-caught  # AnsibleUndefinedConfigEntry and the like: no such option
            continue
    return False


def inject_invocation(task_vars):
    if C.config.get_configuration_definition("INJECT_INVOCATION") is None:
        return True  # before ansible-core 2.21 a module always returns its invocation
    return bool(C.config.get_config_value("INJECT_INVOCATION", variables=task_vars))


@contextlib.contextmanager
def task_environment(variables):
    """Set the task's environment variables for the run and put the worker's back afterwards (set or unset)."""
    saved = {}
    try:
        for name, value in (variables or {}).items():
            saved.setdefault(str(name), os.environ.get(str(name)))
            os.environ[str(name)] = str(value)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


LIBRARY_LOGGERS = ("azure", "msal", "urllib3", "requests")


@contextlib.contextmanager
def library_output_muted():
    """The libraries' own log records and Python warnings go nowhere during the run, as they do from a module, whose stderr
    Ansible drops: here they would reach the console (Python's last-resort handler) or Ansible's log_path file, unredacted
    (azure-identity logs each refused token request with the identity provider's answer). What matters reaches the result."""
    loggers = [logging.getLogger(name) for name in LIBRARY_LOGGERS]
    saved = [(logger.propagate, logger.handlers[:]) for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            for logger in loggers:
                logger.propagate = False
                logger.handlers = [logging.NullHandler()]
            yield
        finally:
            for logger, (propagate, handlers) in zip(loggers, saved):
                logger.propagate = propagate
                logger.handlers = handlers
