# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which target tags a tag policy's `prune` deletes (pure: tags and facts in, a plan out).

A policy owns the target tags its filters match (regex, exclude, semver; with `latest`, versions only, since latest never
selects anything else), or with `prune: repository` every tag of its target repositories. Candidates are the owned tags the
current selection no longer holds. A hand-pushed tag the filters do not match (`debug`) is never a candidate. A locked
candidate (writeEnabled or deleteEnabled false) is reported, never unlocked. Nothing is planned when the selection is empty:
a source that lost its tags (or a listing gone wrong) must not empty the mirror.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils import tag_policy
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.tag_lifecycle import is_locked

REPOSITORY = "repository"
DEFAULT_MAX_DELETES = 10

# One repository's prune: delete [(tag, digest)], locked [tag] (candidates ACR would refuse to delete).
PrunePlan = namedtuple("PrunePlan", "repository delete locked")


def parse_prune(value, label):
    """An entry's `prune`: False, True (the tags its filters match) or 'repository' (every tag of its target repositories)."""
    if value is None or value is False:
        return False
    if value is True or (isinstance(value, str) and value.lower() in ("true", "yes")):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no"):
        return False
    if value == REPOSITORY:
        return REPOSITORY
    raise AcrOpsError("%s: prune must be true, false or repository (the whole target repository belongs to the entry), not %r"
                      % (label, value))


def owned(policy, prune, tags):
    """The tags of a target repository the entry owns (its prune candidates before the selection is taken out)."""
    if prune == REPOSITORY:
        return list(tags)
    matched = tag_policy.select(policy._replace(latest=None), tags).selected
    return [t for t in matched if policy.latest is None or tag_policy.parse_tag(t) is not None]


def plan_repository(repository, policy, prune, selected, existing):
    """existing: {tag: TagFacts} of the target repository -> PrunePlan. selected: the tags the policy selected this run."""
    if not selected:
        return PrunePlan(repository, [], [])
    keep = set(selected)
    candidates = [t for t in owned(policy, prune, sorted(existing)) if t not in keep]
    delete = [(t, existing[t].digest) for t in candidates if not is_locked(existing[t].attributes)]
    locked = [t for t in candidates if is_locked(existing[t].attributes)]
    return PrunePlan(repository, sorted(delete), sorted(locked))


def over_limit(plans, max_deletes, label):
    """The message that stops an entry's pruning before any delete, or None."""
    count = sum(len(p.delete) for p in plans)
    if count <= max_deletes:
        return None
    names = ["%s:%s" % (p.repository, t) for p in plans for t, dummy in p.delete]
    return ("the tag policy of %s would delete %d tags, more than max_deletes (%d): nothing was deleted; raise max_deletes if that is "
            "meant, or check the policy (first: %s)" % (label, count, max_deletes, ", ".join(names[:10])))
