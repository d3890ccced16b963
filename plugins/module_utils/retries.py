# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One retry policy, used everywhere.

HTTP calls retry through the libraries' own, well-kept machinery: urllib3's Retry for our registry
client, azure-core's RetryPolicy for ARM and Entra. Both get their settings from here, so a 429 from
Docker Hub and a 429 from ARM are treated alike: bounded attempts, jittered exponential backoff, and
Retry-After honoured up to BACKOFF_MAX: neither library bounds it (urllib3 would sleep hours), so a longer hint fails the
call at once (RetryAfterTooLong: TOOMANYREQUESTS, with the time the service asked to come back), and a malformed hint
(urllib3 raises on "1.5", azure-core on "soon") counts as none: the backoff applies. Whole operations (an import
whose LRO failed transiently: re-read, re-plan, import again) go through retry_operation(), which both import paths (an
image and its referrers) use.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
import time

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

RETRY_STATUSES = (408, 429, 500, 502, 503, 504)
TOTAL_ATTEMPTS = 5          # the first try plus four retries
BACKOFF_FACTOR = 0.5        # 0.5 s, 1 s, 2 s, 4 s (plus jitter)
BACKOFF_MAX = 30.0          # longest single wait, Retry-After included: a longer hint fails the call (RetryAfterTooLong)
RETRY_AFTER_HEADERS = ("Retry-After", "retry-after-ms", "x-ms-retry-after-ms")  # as azure-core reads them, in that order
# Shortest wait between two Resource Manager calls of one operation (import polls, retries), whatever the service's hint:
# a sub-second x-ms-retry-after-ms had 16 concurrent imports polling 320 times a second, CPU-bound on the controller and
# far past ARM's read throttling (a bucket of 250 reads per subscription and principal, refilled at 25 a second), for at
# most a quarter second earlier news.
ARM_MIN_WAIT = 0.25
OPERATION_ATTEMPTS = 3      # whole operations (an import with its reads): the first try plus two
OPERATION_BACKOFF_FACTOR = 1.0  # 1 s, 2 s (plus jitter) between whole operations: each already retried its calls

# Import failures that ACR reports on the poll but that a second attempt usually survives. A failed import arrives as
# InvalidParameters "Operation registries-<id> failed. Resource <registry id> <detail>" (../shared/reference/FACTS.md); the
# detail names the user's repositories and tags, so it is classified by its structure, never searched for a word a name may
# hold (a repository called timeout-app): a source's HTTP answer "Invalid message <Status> <Status> <body>" by its status
# alone (the body is the source's words), anything else by the service's own phrases, which hold spaces (names cannot).
_OPERATION_DETAIL = re.compile(r"Operation \S+ failed\. Resource \S+ (.*)", re.DOTALL)
_SOURCE_ANSWER = re.compile(r"Invalid message (\w+)")
TRANSIENT_SOURCE_STATUSES = frozenset(("TooManyRequests", "InternalServerError", "BadGateway", "ServiceUnavailable", "GatewayTimeout",
                                       "RequestTimeout"))
TRANSIENT_IMPORT_ERRORS = re.compile(r"Error copying blobs|points to a missing manifest|try again|Internal error|timed out", re.IGNORECASE)
# Resource Manager error codes (the ARM error body's code) worth another attempt.
TRANSIENT_SERVICE_CODES = frozenset(("InternalServerError", "ServiceUnavailable", "TooManyRequests", "GatewayTimeout", "RequestTimeout",
                                     "InternalError", "ServerTimeout", "OperationTimedOut"))


class RetryAfterTooLong(AcrOpsError):
    """A service asked to be retried later than BACKOFF_MAX: the call fails now instead of holding the run."""

    def __init__(self, seconds, who="the service"):
        come_back = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))
        super().__init__("%s asked to be retried after %d s (at %s), longer than the %d s a run waits: not waiting"
                         % (who, math.ceil(seconds), come_back, BACKOFF_MAX),
                         code="TOOMANYREQUESTS", hint="run again after %s" % come_back)
        self.seconds = seconds

    def naming(self, who):
        """The same error naming the host that asked."""
        return RetryAfterTooLong(self.seconds, who)


def retry_after_seconds(value, milliseconds=False):
    """Seconds a Retry-After value asks for: delta-seconds (a fraction too) or an HTTP date; None when absent or malformed,
    so that a malformed hint is treated as no hint."""
    if value is None or not str(value).strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        if milliseconds:
            return None
        try:
            date = email.utils.parsedate_to_datetime(str(value))
        except (TypeError, ValueError, IndexError):
            return None
        if date is None or date.tzinfo is None:
            return None
        return max(0.0, date.timestamp() - time.time())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds / 1000.0 if milliseconds else seconds


def bound_retry_after(headers, status, who):
    """Check a response's retry hints (a mutable headers mapping) against BACKOFF_MAX before a library acts on them.

    Malformed hints are removed (treated as absent). A longer hint on a status that asks to come back later (429, 503...)
    raises RetryAfterTooLong naming `who`; on any other answer (a long-running operation's 202) it is lowered to BACKOFF_MAX."""
    for name in RETRY_AFTER_HEADERS:
        value = headers.get(name)
        if value is None:
            continue
        seconds = retry_after_seconds(value, milliseconds=name != "Retry-After")
        if seconds is None:
            del headers[name]
        elif seconds > BACKOFF_MAX:
            if status in RETRY_STATUSES:
                raise RetryAfterTooLong(seconds, who)
            headers[name] = str(int(BACKOFF_MAX) * (1000 if name != "Retry-After" else 1))


def backoff(attempt, factor=BACKOFF_FACTOR, maximum=BACKOFF_MAX):
    """Seconds to wait before retry number `attempt` (1-based): exponential with full jitter."""
    ceiling = min(maximum, factor * (2 ** (attempt - 1)))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # nosec B311 - jitter, not crypto


def urllib3_retry():
    """The policy as a urllib3 Retry, for requests sessions (registry and token calls)."""
    from urllib3.util.retry import Retry  # pylint: disable=import-outside-toplevel

    class BoundedRetry(Retry):
        """urllib3's Retry with Retry-After bounded by BACKOFF_MAX (longer: RetryAfterTooLong) and malformed hints as none."""

        def get_retry_after(self, response):
            return retry_after_seconds(response.headers.get("Retry-After"))

        def sleep_for_retry(self, response):
            seconds = self.get_retry_after(response)
            if seconds is None:
                return False
            if seconds > BACKOFF_MAX:
                raise RetryAfterTooLong(seconds)
            time.sleep(seconds)
            return True

    kwargs = dict(
        total=TOTAL_ATTEMPTS - 1,
        connect=TOTAL_ATTEMPTS - 1,
        read=TOTAL_ATTEMPTS - 1,
        status=TOTAL_ATTEMPTS - 1,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=RETRY_STATUSES,
        # Token POSTs and HEAD/GET reads are all safe to repeat.
        allowed_methods=frozenset(("GET", "HEAD", "POST", "PATCH")),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    try:
        return BoundedRetry(backoff_jitter=BACKOFF_FACTOR, backoff_max=BACKOFF_MAX, **kwargs)
    except TypeError:  # urllib3 1.x: no jitter, BACKOFF_MAX is a class attribute
        return BoundedRetry(**kwargs)


def azure_retry_kwargs():
    """The policy as keyword arguments of azure-core clients (RetryPolicy honours Retry-After itself)."""
    return {
        "retry_total": TOTAL_ATTEMPTS - 1,
        "retry_connect": TOTAL_ATTEMPTS - 1,
        "retry_read": TOTAL_ATTEMPTS - 1,
        "retry_status": TOTAL_ATTEMPTS - 1,
        "retry_backoff_factor": BACKOFF_FACTOR,
        "retry_backoff_max": BACKOFF_MAX,
    }


def is_transient_import_error(message):
    """Whether an import failure's message is one a second attempt usually survives (see TRANSIENT_IMPORT_ERRORS)."""
    if not message:
        return False
    framed = _OPERATION_DETAIL.search(message)
    detail = framed.group(1) if framed else message
    answer = _SOURCE_ANSWER.match(detail)
    if answer:
        return answer.group(1) in TRANSIENT_SOURCE_STATUSES
    return bool(TRANSIENT_IMPORT_ERRORS.search(detail))


def transient_wait(exc, attempt):
    """retry_operation's usual rule: seconds to wait before the next attempt when the failure is transient, else None."""
    if exc.transient or is_transient_import_error(exc.message):
        return backoff(attempt, factor=OPERATION_BACKOFF_FACTOR)
    return None


def retry_operation(attempt, retry_wait=transient_wait, attempts=OPERATION_ATTEMPTS):
    """Run attempt(number) (1-based) until it returns, at most `attempts` times.

    When it raises AcrOpsError, retry_wait(exc, number) says what to do: None re-raises it; a number of seconds waits that
    long (0: at once) and tries again. The last attempt's error is raised as it is."""
    for number in range(1, attempts + 1):
        try:
            return attempt(number)
        except AcrOpsError as exc:
            wait = retry_wait(exc, number) if number < attempts else None
            if wait is None:
                raise
            if wait > 0:
                time.sleep(wait)
    raise AcrOpsError("no attempt was made (attempts=%d)" % attempts)
