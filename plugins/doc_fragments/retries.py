# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The retry options of every module that calls out (module_utils/retries.py: RETRY_ARGUMENT_SPEC, RetryPolicy), written once."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  retries:
    description:
      - Attempts per HTTP call, the first one included (C(1) turns retrying off), on every call of the run alike - the
        registries' data plane (sources and targets, their token services) and Resource Manager (one policy).
      - A call is retried on no answer (connection reset, timeout) and on HTTP 408, 429, 500, 502, 503 and 504, after a
        jittered exponential backoff (0.5 s, 1 s, 2 s, ...) or the service's C(Retry-After) hint.
      - A whole import that failed transiently (re-read, re-plan, import again) is repeated at most 3 times, and never
        more than O(retries).
      - Between 1 and 10.
    type: int
    default: 5
  retry_max_wait:
    description:
      - The longest single wait between two attempts of a call, in seconds, the service's C(Retry-After) included; a
        C(Retry-After) longer than this fails the call at once (C(TOOMANYREQUESTS), with the time the service asked to
        come back) instead of holding the run.
      - Bound on the total wait of one call - (O(retries) - 1) x O(retry_max_wait) seconds (defaults - 4 x 30 s = 120 s),
        plus each attempt's own timeouts. An import repeated as a whole waits up to 1 s, then up to 2 s, between its attempts.
      - Between 1 and 300. Entra ID token requests keep azure-identity's own retries.
    type: int
    default: 30
'''
