# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from collection_path import COLLECTIONS_ROOT

import playbook_runner
from callback_plugins.check_mode_changes import data_plane_changes

CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"


def changes_nothing(standin, args, run, check_mode_log):
    """No check-mode run or task may send a deletion or an attribute change (issue 17), counted by the stand-in, not inferred: a
    --check run as a whole, and each task that runs in check mode (its own `check_mode: true` too) through the
    check_mode_changes callback, whose findings are read from check_mode_log."""
    before = data_plane_changes(standin.control.counters())
    result = run()
    if "--check" in args:
        assert data_plane_changes(standin.control.counters()) == before, "a --check run sent DELETE or PATCH requests to a registry"
    if check_mode_log.exists():
        found = [json.loads(line) for line in check_mode_log.read_text().splitlines()]
        check_mode_log.unlink()
        assert not found, "check-mode tasks sent DELETE or PATCH requests (or their counts could not be read): %s" % found
    return result


@pytest.fixture
def ansible(standin, tmp_path):
    """Run modules or playbooks with real ansible-playbook against the stand-in; every check-mode run and task is asserted to
    delete and change nothing on the registries' data plane."""
    check_mode_log = tmp_path / "check-mode-changes.jsonl"

    class Ansible:
        env = playbook_runner.ansible_env(standin, COLLECTIONS_ROOT, {
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS), "ACROPS_TEST_CHECK_MODE_LOG": str(check_mode_log),
            "ACROPS_TEST_STANDIN_CONTROL": standin.env["control_url"], "ACROPS_TEST_STANDIN_CA": standin.env["ca_file"]})

        def tasks(self, tasks, args=(), env=None):
            plays = playbook_runner.module_play(tmp_path, tasks)
            run = changes_nothing(standin, args, lambda: playbook_runner.run_playbook(plays, dict(self.env, **(env or {})), tmp_path, args),
                                  check_mode_log)
            assert run.results is not None, run
            return run

        def module(self, name, args=(), check=False, diff=False, env=None, **params):
            task = {"acrops.registry.%s" % name: params}
            flags = list(args) + (["--check"] if check else []) + (["--diff"] if diff else [])
            run = self.tasks([task], flags, env)
            return run.results["r0"], run

        def playbook(self, path, inventory, args=(), env=None):
            return changes_nothing(standin, args, lambda: playbook_runner.run_playbook(path, dict(self.env, **(env or {})), tmp_path, args,
                                                                                       inventory=inventory), check_mode_log)

    return Ansible()


@pytest.fixture
def repo(unique_repo):
    """A fresh single-component repository name (Docker Hub official images are library/<repo>)."""
    return unique_repo.replace("/", "-").replace("_", "-")[-60:].strip("-")


@pytest.fixture
def wait_for():
    """wait_for(predicate, timeout=30): poll until predicate() is truthy and return its value; fail the test after timeout."""
    def wait(predicate, timeout=30.0, interval=0.05):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError("condition not met within %.0f s" % timeout)

    return wait


# Files whose subject does not change with the ansible-core line: the stand-in's fidelity to the service, and our request,
# retry, fault, policy and prune handling measured against it (the same Python code either way; tests/unit runs on every
# lane). scripts/test runs each of them on one lane only, split so that its two lanes (run side by side) take about as long:
# FIRST_LANE_ONLY on the first (-m "not second_lane_only"), SECOND_LANE_ONLY on the second (-m "not first_lane_only"); with a
# single lane, everything runs there. Everything that depends on Ansible itself (in-process runs, packaging, playbooks, roles,
# output masking, module_defaults, timeouts, progress) runs on every lane.
FIRST_LANE_ONLY = frozenset((
    "test_standin_protocol.py", "test_standin_sdk.py", "test_standin_replay.py", "test_standin_locked.py", "test_tls_context.py",
    "test_reliability.py", "test_referrers_discovery.py", "test_auth_transport.py", "test_image_results.py", "test_nothing_lost.py",
    "test_tag_policy_standin.py", "test_source_quota.py", "test_retry_options.py", "test_standin_catalog.py",
    "test_standin_deletes.py", "test_import_backup.py", "test_untagged_all_one_repository.py",
    "test_platforms_hostile.py",
    # the role's lifecycle variables reaching the module (the role itself runs on every lane in test_playbooks)
    "test_role_lifecycle.py",
))
SECOND_LANE_ONLY = frozenset((
    "test_locked_down.py", "test_prune.py", "test_prune_backups.py", "test_option_paths.py", "test_referrers_import.py", "test_request_economy.py",
    "test_source_quota_pulls.py", "test_platforms.py", "test_migrate.py", "test_arm_web_pages.py",
))


def pytest_collection_modifyitems(config, items):
    del config
    for item in items:
        if item.path.name in FIRST_LANE_ONLY:
            item.add_marker(pytest.mark.first_lane_only)
        elif item.path.name in SECOND_LANE_ONLY:
            item.add_marker(pytest.mark.second_lane_only)
