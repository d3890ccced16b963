# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The in-process run sets the task's environment variables and puts the worker's own back, set or unset, even on error."""

from __future__ import annotations

import os

import pytest

from ansible_collections.acrops.registry.plugins.plugin_utils.in_process import task_environment


def test_variables_are_set_during_the_run_and_restored_after(monkeypatch):
    monkeypatch.setenv("ACROPS_TEST_KEPT", "worker")
    monkeypatch.delenv("ACROPS_TEST_NEW", raising=False)
    with task_environment({"ACROPS_TEST_KEPT": "task", "ACROPS_TEST_NEW": 5}):
        assert os.environ["ACROPS_TEST_KEPT"] == "task" and os.environ["ACROPS_TEST_NEW"] == "5"
    assert os.environ["ACROPS_TEST_KEPT"] == "worker" and "ACROPS_TEST_NEW" not in os.environ


def test_variables_are_restored_when_the_run_raises(monkeypatch):
    monkeypatch.setenv("ACROPS_TEST_KEPT", "worker")
    with pytest.raises(RuntimeError):
        with task_environment({"ACROPS_TEST_KEPT": "task"}):
            raise RuntimeError("boom")
    assert os.environ["ACROPS_TEST_KEPT"] == "worker"


def test_no_environment_changes_nothing(monkeypatch):
    monkeypatch.setenv("ACROPS_TEST_KEPT", "worker")
    before = dict(os.environ)
    with task_environment(None):
        assert dict(os.environ) == before
    assert dict(os.environ) == before
