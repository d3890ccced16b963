# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Live progress follows the console's quiet setting (issue 19): with the stdout callback's display_ok_hosts off
(ANSIBLE_DISPLAY_OK_HOSTS=false), acr_import's in-process run shows no progress lines."""

from __future__ import annotations

import pytest

from ansible import constants as C
from ansible.plugins.loader import callback_loader

from ansible_collections.acrops.registry.plugins.plugin_utils import in_process


@pytest.mark.parametrize("setting, hidden", [("false", True), ("true", False)])
def test_ok_hosts_hidden_follows_display_ok_hosts(monkeypatch, setting, hidden):
    monkeypatch.setenv("ANSIBLE_DISPLAY_OK_HOSTS", setting)
    callback_loader.get(C.DEFAULT_STDOUT_CALLBACK)  # ansible-playbook loads it before forking its workers
    assert in_process.ok_hosts_hidden() is hidden


def test_a_callback_without_the_option_shows_progress(monkeypatch):
    monkeypatch.setattr(C, "DEFAULT_STDOUT_CALLBACK", "acrops.registry.no_such_callback")
    assert in_process.ok_hosts_hidden() is False
