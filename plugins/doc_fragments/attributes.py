# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The attributes every acrops.registry module shares: it runs in-process on the controller (plugin_utils/in_process.py) and
belongs to the action group acrops.registry.acr (meta/runtime.yml). Written once so the two stay true for every module."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
attributes:
  action:
    support: full
    description:
      - On the controller in the controller's own Python (connection C(local), C(ansible_python_interpreter) the same path as
        C(ansible_playbook_python), no C(become) or C(async)), the task runs inside Ansible's worker process instead of being
        packaged and started in a new Python, which saves 0.7 to 1.5 s per task on a 2-core machine. Anywhere else it runs as a module.
      - A task C(timeout) that stops it there still gets a result, which names the imports left running in Azure (as a module, Ansible
        drops the module's output; the next run reports them from its journal either way).
      - Either way the result, check and diff mode, the task's C(environment) and the masking of C(no_log) values are the same.
  action_group:
    description: Use C(group/acrops.registry.acr) in C(module_defaults) to set the authentication options once.
    support: full
    membership:
      - acrops.registry.acr
'''
