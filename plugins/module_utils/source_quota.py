# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker Hub pull quota, read before imports are submitted: what does not fit is deferred, not failed with 429s.

Docker Hub answers manifest requests with `ratelimit-limit` / `ratelimit-remaining` (`<n>;w=<seconds>`), per account for a
request with credentials. A HEAD carries them and is free of quota (../shared/reference/FACTS.md): the source HEAD each
image costs anyway (registry_client.manifest_info) reveals them, and registry_client keeps the latest per host and identity.
ACR's import then pulls with the same credentials, spending the image's pulls. So, per account: the remaining quota as first
seen when an image is about to be submitted, minus `min_remaining`, is what this run may submit; each submission takes the
pulls it costs (pulls_of_index: an index costs one per architecture), a referrer's import too (referrer_import.py), and an
import beyond it is deferred with the latest time the window can reset (now + w; Docker Hub's window is rolling). Check mode
asks the same questions, so that it predicts the same deferrals without spending anything.

Anonymous imports are not checked: ACR pulls them from its own addresses, whose quota the controller cannot see (a HEAD
from the controller reads the controller's own address's quota, not ACR's).
"""

from __future__ import annotations

import re
import threading
import time

from ansible_collections.acrops.registry.plugins.module_utils import oci
from ansible_collections.acrops.registry.plugins.module_utils.reference import DOCKER_HUB_API_HOST
from ansible_collections.acrops.registry.plugins.module_utils.registry_auth import identity_of

_QUOTA = re.compile(r"^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+))?")


def parse_quota(value):
    """(count, window seconds or None) from a `ratelimit-*` value such as `100;w=21600`; None when absent or malformed."""
    matched = _QUOTA.match(value or "")
    if not matched:
        return None
    return int(matched.group(1)), int(matched.group(2)) if matched.group(2) else None


def pulls_of_index(document):
    """How many pulls Docker Hub counts for an import of a whole index (ACR's import GETs the index and every child).

    Docker Hub's documented rule (docs.docker.com/docker-hub/usage/pulls/, "Pull definition"): version checks (HEAD) are
    not counted; "a pull for a normal image makes one pull for a single manifest"; "a pull for a multi-arch image will
    count as one pull for each different architecture". So: one per distinct platform among the index's children,
    attestation manifests (unknown/unknown, no architecture) left out, and at least one. A single manifest is one pull.
    The index is read with a GET (only for an image to import): a GET of an index alone pulls no architecture, so by that
    rule it is no pull (Docker Hub's pre-2024 text counted "up to two GET requests" as one pull: then it would cost one)."""
    platforms = set()
    for child in (document or {}).get("manifests") or []:
        if isinstance(child, dict) and not oci.is_attestation(child):
            platforms.add(oci.platform_text(child.get("platform") or {}))
    return max(1, len(platforms))


def quota_of(headers):
    """(remaining, window) from a response's headers, or None when it carries no quota."""
    remaining = parse_quota(headers.get("ratelimit-remaining"))
    if remaining is None:
        return None
    window = remaining[1] or (parse_quota(headers.get("ratelimit-limit")) or (None, None))[1]
    return remaining[0], window


class SourceQuota:
    """The imports one run may still submit per Docker Hub account; thread-safe (the batch's images ask concurrently)."""

    def __init__(self, seen, min_remaining=0, clock=time.time):
        self.seen = seen                # (host, identity) -> (remaining, window): registry_client.rate_limits
        self.min_remaining = min_remaining
        self.clock = clock
        self._budget = {}               # identity -> [left, window]
        self._lock = threading.Lock()
        self.deferred = 0

    @staticmethod
    def applies(request):
        return request.source_host == DOCKER_HUB_API_HOST and request.credentials is not None and request.source_acr is None

    def watches(self, request):
        """Whether defer() can hold this request back: a Docker Hub account whose quota a response revealed. (An unlimited
        account sends no quota: then nothing is counted, and no pull estimate is worth a request.)"""
        return self.applies(request) and (DOCKER_HUB_API_HOST, identity_of(request.credentials)) in self.seen

    def defer(self, request, pulls=1):
        """None when the import may be submitted (its `pulls` taken from the account's budget), else the ISO time by which
        its window resets. An import is submitted whole or not at all: one that costs more than is left is deferred."""
        if not self.applies(request):
            return None
        identity = identity_of(request.credentials)
        with self._lock:
            budget = self._budget.get(identity)
            if budget is None:
                known = self.seen.get((DOCKER_HUB_API_HOST, identity))
                if known is None:
                    return None  # the account's quota was not revealed (an unlimited account sends none): nothing to hold back
                budget = self._budget[identity] = [known[0] - self.min_remaining, known[1]]
            if budget[0] >= pulls:
                budget[0] -= pulls
                return None
            self.deferred += 1
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock() + (budget[1] or 0)))
