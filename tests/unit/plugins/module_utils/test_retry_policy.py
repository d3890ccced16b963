# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""retries.RetryPolicy (issue 19): the options retries / retry_max_wait, validated, and the same numbers for urllib3 (data
plane), azure-core (Resource Manager) and whole operations."""

from __future__ import annotations

import http.server
import random
import threading
import time

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


def test_the_bounds_themselves_are_accepted_and_a_refusal_says_what_was_given():
    for params in ({"retries": 1, "retry_max_wait": 1}, {"retries": 10, "retry_max_wait": 300}):
        policy = retries.RetryPolicy.from_params(params)
        assert (policy.attempts, policy.max_wait) == (params["retries"], params["retry_max_wait"])
    with pytest.raises(AcrOpsError) as caught:
        retries.RetryPolicy.from_params({"retries": 11})
    assert caught.value.message == "retries must be between 1 and 10 (attempts per call, the first included), got 11"
    with pytest.raises(AcrOpsError) as caught:
        retries.RetryPolicy.from_params({"retry_max_wait": 0})
    assert caught.value.message == "retry_max_wait must be between 1 and 300 seconds, got 0"


def test_azure_core_gets_the_policys_numbers():
    azure_retry = pytest.importorskip("azure.core.pipeline.policies").RetryPolicy
    # 2 retries: none of azure-core's own defaults (10 in total, 3 of each kind, factor 0.8, 120 s), so each is set.
    settings = azure_retry(**retries.RetryPolicy(3, 9).azure_retry_kwargs()).configure_retries({})
    assert {key: settings[key] for key in ("total", "connect", "read", "status", "backoff", "max_backoff")} == dict(
        total=2, connect=2, read=2, status=2, backoff=retries.BACKOFF_FACTOR, max_backoff=9)


class _Answers(http.server.BaseHTTPRequestHandler):
    """Answers every request with the server's status; counts requests by method."""

    def _answer(self):
        self.server.seen.append(self.command)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    httpd.seen, httpd.status = [], 503
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def session_of(monkeypatch):
    """A requests session retrying with a policy's urllib3 Retry (as RegistryClient mounts it); sleeps recorded, not slept."""
    requests = pytest.importorskip("requests")
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    monkeypatch.setattr(random, "random", lambda: 1.0)  # urllib3's jitter at its top

    def make(policy):
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(max_retries=policy.urllib3_retry()))
        return session

    make.slept = slept
    return make


def test_a_status_worth_retrying_is_retried_and_the_last_answer_returned(server, session_of):
    session = session_of(retries.RetryPolicy(3, 30))
    url = "http://127.0.0.1:%d/v2/" % server.server_address[1]
    for status in (408, 429, 500, 502, 503, 504):
        server.seen[:], server.status = [], status
        assert session.get(url).status_code == status, "the caller reads the service's own answer, no RetryError"
        assert server.seen == ["GET"] * 3, status
    for status in (400, 401, 404, 501):
        server.seen[:], server.status = [], status
        assert session.get(url).status_code == status and server.seen == ["GET"], status


def test_only_requests_safe_to_repeat_are_retried(server, session_of):
    session = session_of(retries.RetryPolicy(2, 30))
    url = "http://127.0.0.1:%d/v2/" % server.server_address[1]
    for method in ("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"):
        server.seen[:] = []
        assert session.request(method, url).status_code == 503
        assert server.seen == [method] * (2 if method in ("GET", "HEAD", "POST", "PATCH") else 1), method


def test_urllib3_backs_off_exponentially_with_jitter_up_to_max_wait(server, session_of):
    session = session_of(retries.RetryPolicy(5, 3))
    session.get("http://127.0.0.1:%d/v2/" % server.server_address[1])
    # No wait before the first retry (urllib3), then factor x 2^(n-1) plus up to one factor of jitter, never past max_wait.
    assert session_of.slept == [1.0 + 0.5, 2.0 + 0.5, 3.0] and len(server.seen) == 5
