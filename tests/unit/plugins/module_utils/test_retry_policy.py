# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""retries.RetryPolicy (issue 19): the options retries / retry_max_wait, validated, and the same numbers for urllib3 (data
plane), azure-core (Resource Manager) and whole operations."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import retries
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError


def test_defaults_are_the_documented_ones():
    policy = retries.RetryPolicy.from_params({})
    assert (policy.attempts, policy.max_wait, policy.operation_attempts) == (5, 30.0, 3)
    assert policy.total_wait_bound() == 120
    assert retries.RETRY_ARGUMENT_SPEC["retries"]["default"] == 5 and retries.RETRY_ARGUMENT_SPEC["retry_max_wait"]["default"] == 30


@pytest.mark.parametrize("params, named", [
    ({"retries": 0}, "retries must be between 1 and 10"),
    ({"retries": 11}, "retries must be between 1 and 10"),
    ({"retry_max_wait": 0}, "retry_max_wait must be between 1 and 300"),
    ({"retry_max_wait": 301}, "retry_max_wait must be between 1 and 300"),
])
def test_out_of_bounds_values_are_refused(params, named):
    with pytest.raises(AcrOpsError, match=named):
        retries.RetryPolicy.from_params(params)


def test_one_policy_for_the_data_plane_resource_manager_and_operations():
    policy = retries.RetryPolicy.from_params({"retries": 2, "retry_max_wait": 7})
    retry = policy.urllib3_retry()
    assert (retry.total, retry.connect, retry.read, retry.status) == (1, 1, 1, 1)
    assert getattr(retry, "backoff_max", getattr(retry, "BACKOFF_MAX", None)) == 7
    kwargs = policy.azure_retry_kwargs()
    assert kwargs["retry_total"] == kwargs["retry_status"] == 1 and kwargs["retry_backoff_max"] == 7
    assert policy.operation_attempts == 2
    assert retries.RetryPolicy(1, 5).operation_attempts == 1 and retries.RetryPolicy(10, 5).operation_attempts == 3


def test_retry_after_is_bounded_by_the_policys_max_wait(monkeypatch):
    policy = retries.RetryPolicy(3, 5)
    with pytest.raises(retries.RetryAfterTooLong, match="longer than the 5 s a run waits"):
        policy.bound_retry_after({"Retry-After": "6"}, 429, "Resource Manager")
    kept = {"Retry-After": "5"}
    policy.bound_retry_after(kept, 429, "Resource Manager")
    assert kept == {"Retry-After": "5"}
    poll = {"Retry-After": "20"}
    policy.bound_retry_after(poll, 202, "Resource Manager")
    assert poll["Retry-After"] == "5"


def test_whole_operations_take_the_policys_attempts(monkeypatch):
    monkeypatch.setattr(retries.time, "sleep", lambda seconds: None)
    calls = []

    def attempt(number):
        calls.append(number)
        raise AcrOpsError("busy", transient=True)

    with pytest.raises(AcrOpsError):
        retries.RetryPolicy(2, 1).retry_operation(attempt)
    assert calls == [1, 2]
    assert 0 < retries.RetryPolicy(5, 1).transient_wait(AcrOpsError("busy", transient=True), 3) <= 1
