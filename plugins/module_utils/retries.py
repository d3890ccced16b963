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

The numbers are one RetryPolicy per run (the options `retries` and `retry_max_wait`); DEFAULT_POLICY holds the defaults, and
the module-level functions below are DEFAULT_POLICY's, for callers that take no options.
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


# The options' bounds (validated before any call): at most MAX_ATTEMPTS x MAX_WAIT_LIMIT seconds of waiting per call.
MIN_ATTEMPTS, MAX_ATTEMPTS = 1, 10
MIN_WAIT_LIMIT, MAX_WAIT_LIMIT = 1, 300
# The options of every module that calls out (doc fragment acrops.registry.retries documents them).
RETRY_ARGUMENT_SPEC = dict(
    retries=dict(type="int", default=TOTAL_ATTEMPTS),
    retry_max_wait=dict(type="int", default=int(BACKOFF_MAX)),
)


class RetryAfterTooLong(AcrOpsError):
    """A service asked to be retried later than the policy's max_wait: the call fails now instead of holding the run."""

    def __init__(self, seconds, who="the service", limit=BACKOFF_MAX):
        come_back = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))
        super().__init__("%s asked to be retried after %d s (at %s), longer than the %d s a run waits (retry_max_wait): not waiting"
                         % (who, math.ceil(seconds), come_back, limit),
                         code="TOOMANYREQUESTS", hint="run again after %s" % come_back)
        self.seconds = seconds
        self.limit = limit

    def naming(self, who):
        """The same error naming the host that asked."""
        return RetryAfterTooLong(self.seconds, who, self.limit)


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


class RetryPolicy:
    """One run's retry numbers: `attempts` per HTTP call (the first try included; 1 = no retry) and `max_wait`, the longest
    single wait in seconds (backoff and Retry-After alike: a longer Retry-After fails the call at once). Whole operations
    (an import with its reads) get at most OPERATION_ATTEMPTS of their own, never more than `attempts`.

    Bound on the total wait of one call: (attempts - 1) x max_wait seconds (defaults: 4 x 30 s = 120 s), plus each attempt's
    own timeouts; an import repeated as a whole waits up to 1 s, then up to 2 s (never more than max_wait), between its
    attempts."""

    def __init__(self, attempts=TOTAL_ATTEMPTS, max_wait=BACKOFF_MAX):
        self.attempts = int(attempts)
        self.max_wait = float(max_wait)
        self.operation_attempts = min(OPERATION_ATTEMPTS, self.attempts)

    @classmethod
    def from_params(cls, params):
        """The policy of a task's options `retries` and `retry_max_wait` (defaults when absent), checked against their
        bounds: AcrOpsError before any call."""
        attempts = params.get("retries")
        max_wait = params.get("retry_max_wait")
        attempts = TOTAL_ATTEMPTS if attempts is None else attempts
        max_wait = BACKOFF_MAX if max_wait is None else max_wait
        if not MIN_ATTEMPTS <= attempts <= MAX_ATTEMPTS:
            raise AcrOpsError("retries must be between %d and %d (attempts per call, the first included), got %s"
                              % (MIN_ATTEMPTS, MAX_ATTEMPTS, attempts))
        if not MIN_WAIT_LIMIT <= max_wait <= MAX_WAIT_LIMIT:
            raise AcrOpsError("retry_max_wait must be between %d and %d seconds, got %s" % (MIN_WAIT_LIMIT, MAX_WAIT_LIMIT, max_wait))
        return cls(attempts, max_wait)

    def total_wait_bound(self):
        """The most one call waits between its attempts, in seconds."""
        return (self.attempts - 1) * self.max_wait

    def bound_retry_after(self, headers, status, who):
        """Check a response's retry hints (a mutable headers mapping) against max_wait before a library acts on them.

        Malformed hints are removed (treated as absent). A longer hint on a status that asks to come back later (429, 503...)
        raises RetryAfterTooLong naming `who`; on any other answer (a long-running operation's 202) it is lowered to max_wait."""
        for name in RETRY_AFTER_HEADERS:
            value = headers.get(name)
            if value is None:
                continue
            seconds = retry_after_seconds(value, milliseconds=name != "Retry-After")
            if seconds is None:
                del headers[name]
            elif seconds > self.max_wait:
                if status in RETRY_STATUSES:
                    raise RetryAfterTooLong(seconds, who, self.max_wait)
                headers[name] = str(int(self.max_wait) * (1000 if name != "Retry-After" else 1))

    def urllib3_retry(self):
        """The policy as a urllib3 Retry, for requests sessions (registry and token calls)."""
        from urllib3.util.retry import Retry  # pylint: disable=import-outside-toplevel
        max_wait = self.max_wait

        class BoundedRetry(Retry):
            """urllib3's Retry with Retry-After bounded by max_wait (longer: RetryAfterTooLong) and malformed hints as none."""

            def get_retry_after(self, response):
                return retry_after_seconds(response.headers.get("Retry-After"))

            def sleep_for_retry(self, response):
                seconds = self.get_retry_after(response)
                if seconds is None:
                    return False
                if seconds > max_wait:
                    raise RetryAfterTooLong(seconds, limit=max_wait)
                time.sleep(seconds)
                return True

        retries = self.attempts - 1
        kwargs = dict(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=BACKOFF_FACTOR,
            status_forcelist=RETRY_STATUSES,
            # Token POSTs and HEAD/GET reads are all safe to repeat.
            allowed_methods=frozenset(("GET", "HEAD", "POST", "PATCH")),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        try:
            return BoundedRetry(backoff_jitter=min(BACKOFF_FACTOR, max_wait), backoff_max=max_wait, **kwargs)
        except TypeError:  # urllib3 1.x: no jitter, BACKOFF_MAX is a class attribute
            BoundedRetry.DEFAULT_BACKOFF_MAX = BoundedRetry.BACKOFF_MAX = max_wait
            return BoundedRetry(**kwargs)

    def azure_retry_kwargs(self):
        """The policy as keyword arguments of azure-core clients (RetryPolicy honours Retry-After itself)."""
        retries = self.attempts - 1
        return {
            "retry_total": retries,
            "retry_connect": retries,
            "retry_read": retries,
            "retry_status": retries,
            "retry_backoff_factor": BACKOFF_FACTOR,
            "retry_backoff_max": self.max_wait,
        }

    def transient_wait(self, exc, attempt):
        """retry_operation's usual rule: seconds to wait before the next attempt when the failure is transient, else None."""
        if exc.transient or is_transient_import_error(exc.message):
            return backoff(attempt, factor=OPERATION_BACKOFF_FACTOR, maximum=self.max_wait)
        return None

    def retry_operation(self, attempt, retry_wait=None):
        """retry_operation() with this policy's operation_attempts (and its transient_wait when no rule is given)."""
        return retry_operation(attempt, retry_wait or self.transient_wait, self.operation_attempts)


DEFAULT_POLICY = RetryPolicy()


def bound_retry_after(headers, status, who):
    """DEFAULT_POLICY.bound_retry_after."""
    DEFAULT_POLICY.bound_retry_after(headers, status, who)


def backoff(attempt, factor=BACKOFF_FACTOR, maximum=BACKOFF_MAX):
    """Seconds to wait before retry number `attempt` (1-based): exponential with full jitter."""
    ceiling = min(maximum, factor * (2 ** (attempt - 1)))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # nosec B311 - jitter, not crypto


def urllib3_retry():
    """DEFAULT_POLICY.urllib3_retry."""
    return DEFAULT_POLICY.urllib3_retry()


def azure_retry_kwargs():
    """DEFAULT_POLICY.azure_retry_kwargs."""
    return DEFAULT_POLICY.azure_retry_kwargs()


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
    """DEFAULT_POLICY.transient_wait."""
    return DEFAULT_POLICY.transient_wait(exc, attempt)


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
