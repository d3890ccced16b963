# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The retry classification (retries.is_transient_import_error): which failed imports are worth another attempt, read from
the message ACR puts on the poll (../shared/reference/FACTS.md), and the waits between whole operations (issue 21,
mutation testing)."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import retries
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

REGISTRY_ID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1"


def failed(detail):
    """An import failure as ACR words it on the poll."""
    return "Operation registries-8f0c failed. Resource %s %s" % (REGISTRY_ID, detail)


@pytest.mark.parametrize("detail", [
    'Invalid message TooManyRequests TooManyRequests {"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}',
    "Invalid message InternalServerError InternalServerError oops",
    "Invalid message BadGateway BadGateway <html>",
    "Invalid message ServiceUnavailable ServiceUnavailable down",
    "Invalid message GatewayTimeout GatewayTimeout slow",
    "Invalid message RequestTimeout RequestTimeout slow",
    "Error copying blobs",
    "Target tag points to a missing manifest",
    "Please try again later.",
    "Internal error occurred.",
    "The operation timed out.",
])
def test_failures_a_second_attempt_usually_survives_are_transient(detail):
    assert retries.is_transient_import_error(failed(detail)) is True
    assert retries.is_transient_import_error(detail) is True, "a detail without ACR's frame is classified alike"


@pytest.mark.parametrize("detail", [
    'Invalid message Unauthorized Unauthorized {"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
    'Invalid message NotFound NotFound {"errors":[{"code":"MANIFEST_UNKNOWN"}]}',
    "Tag hello-world:v3 already exists in target registry.",
    "Unable to find manifest digest  Repo: library/hello-world Tag: nope",
])
def test_failures_that_would_fail_again_are_permanent(detail):
    assert retries.is_transient_import_error(failed(detail)) is False


def test_a_source_answer_is_classified_by_its_status_never_by_the_words_of_its_body():
    # The body is the source's own text: a 401 whose body says "try again" or "timed out" is still a 401.
    assert retries.is_transient_import_error(failed('Invalid message Unauthorized Unauthorized {"message":"try again later"}')) is False
    assert retries.is_transient_import_error(failed("Invalid message Forbidden Forbidden Internal error: timed out")) is False
    assert retries.is_transient_import_error(failed("Invalid message ServiceUnavailable ServiceUnavailable no words")) is True


def test_names_in_the_frame_do_not_make_a_failure_transient():
    # Repository, tag and registry names cannot hold spaces: a registry called timed-out is not "timed out".
    frame = "Operation registries-1 failed. Resource /subscriptions/0/registries/try-again-internal-error Tag a:b already exists."
    assert retries.is_transient_import_error(frame) is False


@pytest.mark.parametrize("message", [None, ""])
def test_no_message_is_not_transient(message):
    assert retries.is_transient_import_error(message) is False


@pytest.fixture
def jitter(monkeypatch):
    """random.uniform pinned to one end of its range: 'low' or 'high' (set by the test)."""
    chosen = {"end": "high"}

    def uniform(low, high):
        return high if chosen["end"] == "high" else low

    monkeypatch.setattr(retries.random, "uniform", uniform)
    return chosen


@pytest.mark.parametrize("attempt, ceiling", [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (8, 30.0)])
def test_backoff_is_exponential_with_jitter_in_the_upper_half(jitter, attempt, ceiling):
    jitter["end"] = "high"
    assert retries.backoff(attempt) == ceiling
    jitter["end"] = "low"
    assert retries.backoff(attempt) == ceiling / 2


def test_backoff_never_exceeds_its_maximum(jitter):
    assert retries.backoff(3, factor=1.0, maximum=3.0) == 3.0
    assert retries.backoff(1, factor=10.0, maximum=3.0) == 3.0


def test_whole_operations_wait_one_then_two_seconds_bounded_by_max_wait(jitter):
    busy = AcrOpsError("busy", transient=True)
    policy = retries.RetryPolicy(5, 30)
    assert [policy.transient_wait(busy, attempt) for attempt in (1, 2)] == [1.0, 2.0]
    assert retries.RetryPolicy(5, 1.5).transient_wait(busy, 2) == 1.5
    assert policy.transient_wait(AcrOpsError(failed("Error copying blobs")), 1) == 1.0, "classified from the message"
    assert policy.transient_wait(AcrOpsError(failed("Tag a:b already exists in target registry.")), 1) is None


def test_no_attempt_at_all_is_an_error_not_a_silent_none():
    with pytest.raises(AcrOpsError) as caught:
        retries.retry_operation(lambda number: "done", attempts=0)
    assert caught.value.message == "no attempt was made (attempts=0)"
