# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import time

import pytest

from collection_path import COLLECTIONS_ROOT

import playbook_runner


def data_plane_changes(standin):
    """How many DELETE and PATCH requests the stand-in's registries have seen (every deletion or attribute change, refused or not)."""
    return sum(count for key, count in standin.control.counters()["requests"].items() if key.split(" ")[1] in ("DELETE", "PATCH"))


def changes_nothing(standin, args, run):
    """A --check run must send no deletion and no attribute change at all (issue 17): counted by the stand-in, not inferred."""
    if "--check" not in args:
        return run()
    before = data_plane_changes(standin)
    result = run()
    assert data_plane_changes(standin) == before, "a --check run sent DELETE or PATCH requests to a registry"
    return result


@pytest.fixture
def ansible(standin, tmp_path):
    """Run modules or playbooks with real ansible-playbook against the stand-in; a --check run is asserted to delete and change
    nothing on the registries' data plane."""
    class Ansible:
        env = playbook_runner.ansible_env(standin, COLLECTIONS_ROOT)

        def tasks(self, tasks, args=(), env=None):
            plays = playbook_runner.module_play(tmp_path, tasks)
            run = changes_nothing(standin, args, lambda: playbook_runner.run_playbook(plays, dict(self.env, **(env or {})), tmp_path, args))
            assert run.results is not None, run
            return run

        def module(self, name, args=(), check=False, diff=False, env=None, **params):
            task = {"acrops.registry.%s" % name: params}
            flags = list(args) + (["--check"] if check else []) + (["--diff"] if diff else [])
            run = self.tasks([task], flags, env)
            return run.results["r0"], run

        def playbook(self, path, inventory, args=(), env=None):
            return changes_nothing(standin, args, lambda: playbook_runner.run_playbook(path, dict(self.env, **(env or {})), tmp_path, args,
                                                                                       inventory=inventory))

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
    "test_standin_deletes.py", "test_import_backup.py",
))
SECOND_LANE_ONLY = frozenset((
    "test_locked_down.py", "test_prune.py", "test_option_paths.py", "test_referrers_import.py", "test_request_economy.py",
    "test_migrate.py",
))


def pytest_collection_modifyitems(config, items):
    del config
    for item in items:
        if item.path.name in FIRST_LANE_ONLY:
            item.add_marker(pytest.mark.first_lane_only)
        elif item.path.name in SECOND_LANE_ONLY:
            item.add_marker(pytest.mark.second_lane_only)
