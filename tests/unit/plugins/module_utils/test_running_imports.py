# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The imports a run has not seen finish: the journal a stopped run leaves, and what the next run claims from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import arm, running_imports
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor

TARGET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/mirror"
OTHER = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/other"


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def journal_files(directory):
    return sorted(name for name in os.listdir(directory) if name.startswith("run-"))


def leave_journal(directory, pid, imports):
    """What a run killed mid-import leaves: its file, with its process gone."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "run-%d-deadbeef.json" % pid)
    with open(path, "w") as handle:
        json.dump({"pid": pid, "host": os.uname()[1], "imports": imports}, handle)
    return path


def entry(registry, source, url, started="2026-12-04T10:00:00Z"):
    return {"registry": registry, "source": source, "operation_url": url, "started": started}


def test_the_journal_names_running_imports_and_is_gone_when_they_finish(tmp_path):
    run = running_imports.RunningImports(str(tmp_path))
    first = run.started(TARGET, "docker.io/library/nginx@sha256:aa", "https://arm/op/1")
    run.started(TARGET, "docker.io/library/redis@sha256:bb", "https://arm/op/2")
    (name,) = journal_files(str(tmp_path))
    written = json.loads((tmp_path / name).read_text())
    assert written["pid"] == os.getpid()
    assert sorted(e["operation_url"] for e in written["imports"]) == ["https://arm/op/1", "https://arm/op/2"]
    run.finished(first)
    assert [e["operation_url"] for e in json.loads((tmp_path / name).read_text())["imports"]] == ["https://arm/op/2"]
    assert [e["source"] for e in run.running()] == ["docker.io/library/redis@sha256:bb"]
    run.finished(next(iter(run._entries)))  # pylint: disable=protected-access
    assert journal_files(str(tmp_path)) == []
    assert run.succeeded == 2


def test_the_next_run_claims_what_a_stopped_run_left_for_its_registry_only(tmp_path):
    directory = str(tmp_path / "journal")
    pid = dead_pid()
    path = leave_journal(directory, pid, [entry(TARGET, "a@sha256:1", "https://arm/op/a", "2026-12-04T10:00:02Z"),
                                          entry(OTHER, "b@sha256:2", "https://arm/op/b"),
                                          entry(TARGET.upper(), "c@sha256:3", "https://arm/op/c", "2026-12-04T10:00:01Z")])
    run = running_imports.RunningImports(directory)
    claimed = run.claim_leftovers(TARGET)
    assert [e["operation_url"] for e in claimed] == ["https://arm/op/c", "https://arm/op/a"]
    # Claimed is not forgotten: a run stopped before it finished leaves them for the next one (and check mode never forgets).
    assert len(json.loads(open(path).read())["imports"]) == 3
    assert len(running_imports.RunningImports(directory).claim_leftovers(TARGET)) == 2
    run.forget_claimed()
    # Another registry's leftovers stay for the run into that registry; then the file goes.
    assert [e["operation_url"] for e in json.loads(open(path).read())["imports"]] == ["https://arm/op/b"]
    assert running_imports.RunningImports(directory).claim_leftovers(TARGET) == []
    other = running_imports.RunningImports(directory)
    assert [e["source"] for e in other.claim_leftovers(OTHER)] == ["b@sha256:2"]
    other.forget_claimed()
    assert journal_files(directory) == []


def test_a_run_still_going_is_not_a_leftover(tmp_path):
    directory = str(tmp_path)
    leave_journal(directory, os.getpid(), [entry(TARGET, "a@sha256:1", "https://arm/op/a")])  # this process: alive
    leave_journal(directory, dead_pid(), [entry(TARGET, "b@sha256:2", "https://arm/op/b")])
    run = running_imports.RunningImports(directory)
    assert [e["operation_url"] for e in run.claim_leftovers(TARGET)] == ["https://arm/op/b"]
    run.forget_claimed()
    assert len(journal_files(directory)) == 1


def test_unreadable_files_are_skipped_and_no_journal_means_nothing_is_written(tmp_path):
    directory = str(tmp_path)
    with open(os.path.join(directory, "run-1-half.json"), "w") as handle:
        handle.write('{"pid": ')  # half-written
    assert running_imports.RunningImports(directory).claim_leftovers(TARGET) == []
    off = running_imports.RunningImports(None)
    off.started(TARGET, "a", "https://arm/op/a")
    assert off.claim_leftovers(TARGET) == [] and journal_files(directory) == ["run-1-half.json"]


def test_abandon_all_names_what_still_runs_and_counts_what_completed(tmp_path):
    run = running_imports.RunningImports(str(tmp_path))
    done = run.started(TARGET, "a@sha256:1", "https://arm/op/a")
    run.finished(done, succeeded=True)
    run.started(TARGET, "b@sha256:2", "https://arm/op/b")
    running, succeeded = running_imports.abandon_all()
    assert [e["operation_url"] for e in running if e["registry"] == TARGET] == ["https://arm/op/b"]
    assert succeeded >= 1 and run.abandoned.is_set()
    # The journal keeps the abandoned one for the next run.
    (name,) = journal_files(str(tmp_path))
    assert [e["operation_url"] for e in json.loads((tmp_path / name).read_text())["imports"]] == ["https://arm/op/b"]


class HeldPoller:
    """An LROPoller whose operation runs until released."""

    def __init__(self):
        self.release = threading.Event()

    def done(self):
        return self.release.is_set()

    def wait(self, timeout=None):
        self.release.wait(timeout)

    def result(self):
        return None


def test_an_abandoned_run_stops_waiting_for_its_imports_and_starts_none():
    run = running_imports.RunningImports(None)
    poller = HeldPoller()
    waiter_error = []

    def wait():
        try:
            arm.ArmClient._wait(poller, 3600, run)  # pylint: disable=protected-access
        except AcrOpsError as exc:
            waiter_error.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    run.abandon()
    waiter.join(30)
    assert not waiter.is_alive(), "still waiting for an import after the run was abandoned"
    assert waiter_error and waiter_error[0].code == "Abandoned"
    client = arm.ArmClient(None, "s", None, Redactor([]))
    client.running = run
    registry = arm.Registry("mirror", "rg", "s", "mirror.azurecr.io", TARGET, "westus")
    with pytest.raises(AcrOpsError) as failure:
        client.import_image(registry, {"source": {"sourceImage": "a:1"}})
    assert failure.value.code == "Abandoned" and "not started" in str(failure.value)


class SlicedPoller(HeldPoller):
    """Finishes during its third wait: the run's wait must go on, slice after slice, while nobody abandons it."""

    def __init__(self):
        super().__init__()
        self.waits = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        if len(self.waits) == 3:
            self.release.set()


def test_a_poller_that_finishes_ends_the_wait_without_an_abandonment():
    poller = SlicedPoller()
    assert arm.ArmClient._wait(poller, 3600, running_imports.RunningImports(None)) is None  # pylint: disable=protected-access
    assert poller.waits == [0.5, 0.5, 0.5] and poller.done()
    alone = SlicedPoller()  # no run to watch: one wait for the whole time
    arm.ArmClient._wait(alone, 3600, None)  # pylint: disable=protected-access
    assert len(alone.waits) == 3 and all(w > 3000 for w in alone.waits), alone.waits


def test_the_source_label_names_a_source_acr_by_name():
    assert arm.source_label({"source": {"resourceId": OTHER, "sourceImage": "app@sha256:1"}}) == "other/app@sha256:1"
    assert arm.source_label({"source": {"registryUri": "docker.io", "sourceImage": "library/nginx:1"}}) == "docker.io/library/nginx:1"
