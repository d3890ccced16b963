# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Retry-After bounded by retries.BACKOFF_MAX (issue 20 item 5): longer hints fail at once with TOOMANYREQUESTS and the time
asked for, malformed ones count as none, for urllib3 (data plane) and for the hints azure-core reads (Resource Manager)."""

from __future__ import annotations

import email.utils
import time

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import retries
from ansible_collections.acrops.registry.plugins.module_utils.retries import BACKOFF_MAX, RetryAfterTooLong

urllib3 = pytest.importorskip("urllib3")
requests = pytest.importorskip("requests")


def response(status, **headers):
    return urllib3.HTTPResponse(body=b"", status=status, headers=headers, preload_content=False)


@pytest.mark.parametrize("value, seconds", [("7200", 7200.0), ("1.5", 1.5), ("0", 0.0), (" 3 ", 3.0), ("soon", None), ("", None),
                                            (None, None), ("-1", None), ("nan", None), ("inf", None)])
def test_retry_after_values(value, seconds):
    assert retries.retry_after_seconds(value) == seconds


def test_retry_after_as_an_http_date(monkeypatch):
    now = 1796385600.0  # a whole second (HTTP dates have no fractions): a stopped clock, so the machine's speed cannot show
    monkeypatch.setattr(retries.time, "time", lambda: now)
    assert retries.retry_after_seconds(email.utils.formatdate(now + 60, usegmt=True)) == 60.0
    assert retries.retry_after_seconds("Mon, 32 Foo 2026 99:00:00") is None


def test_urllib3_retry_fails_at_once_on_a_hint_longer_than_backoff_max(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    retry = retries.urllib3_retry().increment("GET", "/v2/", response=response(429, **{"Retry-After": "7200"}))
    with pytest.raises(RetryAfterTooLong, match="7200 s") as raised:
        retry.sleep(response(429, **{"Retry-After": "7200"}))
    assert raised.value.code == "TOOMANYREQUESTS" and "run again after 20" in str(raised.value) and slept == []


@pytest.mark.parametrize("hint, expected", [("1.5", [1.5]), ("soon", None), ("30", [30.0])])
def test_urllib3_retry_honours_short_hints_and_treats_malformed_ones_as_none(monkeypatch, hint, expected):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    retry = retries.urllib3_retry()
    for dummy in (1, 2):  # urllib3 backs off from the second consecutive error on
        retry = retry.increment("GET", "/v2/", response=response(429, **{"Retry-After": hint}))
    retry.sleep(response(429, **{"Retry-After": hint}))  # urllib3 2 raised InvalidHeader for "1.5" and "soon"
    if expected is None:  # the jittered backoff instead: factor * 2 plus up to factor of jitter
        assert len(slept) == 1 and 0 < slept[0] <= retries.BACKOFF_FACTOR * 3
    else:
        assert slept == expected


def test_resource_manager_hints_are_bounded_before_azure_core_reads_them():
    headers = requests.structures.CaseInsensitiveDict({"Retry-After": "soon", "x-ms-retry-after-ms": "x"})
    retries.bound_retry_after(headers, 429, "Resource Manager")
    assert "retry-after" not in headers and "x-ms-retry-after-ms" not in headers   # malformed: as if absent
    poll = requests.structures.CaseInsensitiveDict({"Retry-After": "3600"})
    retries.bound_retry_after(poll, 202, "Resource Manager")                         # a long-running operation's poll
    assert poll["Retry-After"] == str(int(BACKOFF_MAX))
    with pytest.raises(RetryAfterTooLong, match="Resource Manager asked to be retried after 7200 s"):
        retries.bound_retry_after({"Retry-After": "7200"}, 429, "Resource Manager")
    kept = {"Retry-After": "10", "x-ms-retry-after-ms": "50"}
    retries.bound_retry_after(kept, 202, "Resource Manager")
    assert kept == {"Retry-After": "10", "x-ms-retry-after-ms": "50"}


def test_too_long_names_who_asked_when_to_come_back_and_the_limit(monkeypatch):
    monkeypatch.setattr(retries.time, "time", lambda: 1796385600.0)  # 2026-12-04T12:00:00Z
    error = RetryAfterTooLong(90.2, "registry-1.docker.io", 20)
    assert error.message == ("registry-1.docker.io asked to be retried after 91 s (at 2026-12-04T12:01:30Z), longer than the 20 s"
                             " a run waits (retry_max_wait): not waiting")
    assert error.code == "TOOMANYREQUESTS" and error.hint == "run again after 2026-12-04T12:01:30Z"
    assert (error.seconds, error.limit) == (90.2, 20)
    assert RetryAfterTooLong(3600).message.startswith("the service asked to be retried after 3600 s (at 2026-12-04T13:00:00Z), "
                                                      "longer than the %d s" % BACKOFF_MAX)
    named = error.naming("mcr.microsoft.com")
    assert isinstance(named, RetryAfterTooLong) and (named.seconds, named.limit) == (90.2, 20)
    assert named.message.startswith("mcr.microsoft.com asked to be retried after 91 s (at 2026-12-04T12:01:30Z), longer than the 20 s")


def test_retry_after_in_milliseconds_and_dates_without_a_zone_or_in_the_past():
    assert retries.retry_after_seconds("1500", milliseconds=True) == 1.5
    assert retries.retry_after_seconds("soon", milliseconds=True) is None, "no HTTP date in a milliseconds header"
    assert retries.retry_after_seconds("Fri, 04 Dec 2026 12:00:00 -0000") is None, "a date in no known zone is no hint"
    assert retries.retry_after_seconds(email.utils.formatdate(time.time() - 600, usegmt=True)) == 0.0, "past: at once"


def test_urllib3_retry_fails_with_the_policys_own_limit(monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    retry = retries.RetryPolicy(3, 5).urllib3_retry().increment("GET", "/v2/", response=response(429, **{"Retry-After": "6"}))
    with pytest.raises(RetryAfterTooLong, match="longer than the 5 s a run waits"):
        retry.sleep(response(429, **{"Retry-After": "6"}))


def test_resource_manager_millisecond_hints_are_lowered_in_milliseconds():
    poll = {"Retry-After": "600", "retry-after-ms": "600000", "x-ms-retry-after-ms": "90000"}
    retries.RetryPolicy(3, 7).bound_retry_after(poll, 202, "Resource Manager")
    assert poll == {"Retry-After": "7", "retry-after-ms": "7000", "x-ms-retry-after-ms": "7000"}
