# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure helpers of the source reads that go beyond a digest: which child of an index a platform means, and how many
requests a run may spend listing tags."""

from __future__ import annotations

import re
import threading
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError


INDEX_TYPES = frozenset(("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"))
# The manifest chosen for a platform: digest (what to import), index_digest (the index it came from, None for a plain
# manifest), platform (the child's platform as os/arch[/variant], None for a plain manifest).
PlatformChoice = namedtuple("PlatformChoice", "digest index_digest platform")


class RequestBudget:
    """How many requests a run may spend on something (listing tags): shared by the threads of a batch."""

    def __init__(self, limit, what="tag-list requests", option="tag_list_budget"):
        self.limit = limit
        self.used = 0
        self.what = what
        self.option = option
        self._lock = threading.Lock()

    def take(self, host, repository):
        """Count one request, or refuse it when the budget is spent."""
        with self._lock:
            if self.limit is not None and self.used >= self.limit:
                raise AcrOpsError("the budget of %d %s for this run is spent; %s/%s was not listed (completely)"
                                  % (self.limit, self.what, host, repository), code="BUDGET_EXHAUSTED",
                                  hint="raise %s, or narrow the policies (fewer repositories to list)" % self.option)
            self.used += 1

    def add(self, count):
        """Count requests already made (retries the session made on its own)."""
        if count:
            with self._lock:
                self.used += count


def parse_platform(text):
    """'linux/amd64' or 'linux/arm/v7' -> (os, architecture, variant or None); ValueError when it is not one."""
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) not in (2, 3) or not all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*", p or "") for p in parts):
        raise ValueError("platform %r is not os/architecture[/variant]: write e.g. 'linux/amd64', 'linux/arm64' or 'linux/arm/v7'" % (text,))
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def _platform_text(platform):
    text = "%s/%s" % (platform.get("os"), platform.get("architecture"))
    return text + ("/" + platform["variant"] if platform.get("variant") else "")


def pick_platform(manifests, platform, where):
    """The child of an index for a platform -> (digest, 'os/arch[/variant]'). Attestation manifests (unknown/unknown) never match.
    Without a variant, a single child of that os/architecture matches whatever its variant (linux/arm64 finds linux/arm64/v8)."""
    wanted_os, wanted_arch, wanted_variant = parse_platform(platform)
    candidates = []
    for child in manifests:
        found = child.get("platform") or {}
        if (child.get("annotations") or {}).get("vnd.docker.reference.type") == "attestation-manifest" or found.get("os") == "unknown":
            continue
        if found.get("os") != wanted_os or found.get("architecture") != wanted_arch:
            continue
        if wanted_variant is not None and found.get("variant") != wanted_variant:
            continue
        candidates.append(child)
    if wanted_variant is None and len(candidates) > 1:
        plain = [c for c in candidates if not (c.get("platform") or {}).get("variant")]
        candidates = plain if len(plain) == 1 else candidates
    available = sorted(set(_platform_text(c.get("platform") or {}) for c in manifests
                           if (c.get("platform") or {}).get("os") not in (None, "unknown")))
    if not candidates:
        raise AcrOpsError("%s has no %s image (it has %s)" % (where, platform, ", ".join(available) or "no platform"), code="PLATFORM_UNKNOWN",
                          hint="set platform to one of them, or drop platform to import the whole index")
    if len(candidates) > 1:
        raise AcrOpsError("%s has several %s images (%s): name the variant" % (
            where, platform, ", ".join(_platform_text(c.get("platform") or {}) for c in candidates)), code="PLATFORM_AMBIGUOUS",
            hint="write the platform with its variant, e.g. linux/arm/v7")
    return candidates[0].get("digest"), _platform_text(candidates[0].get("platform") or {})
