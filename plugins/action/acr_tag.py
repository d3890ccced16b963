# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acrops.registry.acr_tag's action: in Ansible's worker on the controller, else the module (plugin_utils/in_process.py)."""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import acr_tag_task
from ansible_collections.acrops.registry.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):

    MODULE = "acrops.registry.acr_tag"
    TASK = acr_tag_task
