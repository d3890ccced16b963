# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""retries.retry_operation: the one whole-operation retry both import paths use."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import retries
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError


@pytest.fixture
def slept(monkeypatch):
    waits = []
    monkeypatch.setattr(retries.time, "sleep", waits.append)
    return waits


def failing(*errors, result="done"):
    """An attempt that raises the given errors one after another, then returns result; records the attempt numbers."""
    calls = []

    def attempt(number):
        calls.append(number)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return attempt, calls


def test_a_transient_failure_is_tried_again_after_a_backoff(slept):
    attempt, calls = failing(AcrOpsError("busy", transient=True), AcrOpsError("Error copying blobs"))
    assert retries.retry_operation(attempt) == "done"
    assert calls == [1, 2, 3] and len(slept) == 2 and all(0 < s <= 2 * retries.OPERATION_BACKOFF_FACTOR for s in slept)


def test_a_lasting_failure_raises_the_last_error_after_the_attempts(slept):
    errors = [AcrOpsError("busy %d" % n, transient=True) for n in range(1, 4)]
    attempt, calls = failing(*errors)
    with pytest.raises(AcrOpsError) as caught:
        retries.retry_operation(attempt)
    assert caught.value is errors[-1] and calls == [1, 2, 3] and len(slept) == 2


def test_a_permanent_failure_is_raised_at_once(slept):
    attempt, calls = failing(AcrOpsError("the tag is locked"))
    with pytest.raises(AcrOpsError, match="locked"):
        retries.retry_operation(attempt)
    assert calls == [1] and slept == []


def test_the_caller_decides_what_is_retried_and_how_long_it_waits(slept):
    asked = []

    def retry_wait(exc, number):
        asked.append((exc.message, number))
        return 0 if "collision" in exc.message else None

    attempt, calls = failing(AcrOpsError("collision"), AcrOpsError("collision"))
    assert retries.retry_operation(attempt, retry_wait) == "done"
    assert asked == [("collision", 1), ("collision", 2)] and slept == [], "a wait of 0 tries again at once"
    attempt, calls = failing(AcrOpsError("collision"), AcrOpsError("other"))
    with pytest.raises(AcrOpsError, match="other"):
        retries.retry_operation(attempt, retry_wait)
    attempt, calls = failing(AcrOpsError("collision"))
    with pytest.raises(AcrOpsError, match="collision"):
        retries.retry_operation(attempt, retry_wait, attempts=1)  # the last attempt's error is raised, whatever retry_wait says
    assert calls == [1]
