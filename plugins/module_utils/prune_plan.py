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

import datetime
import re
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils import tag_policy
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.tag_lifecycle import TagFacts, is_locked

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


def plan_repository(repository, policy, prune, selected, existing, targeted=(), backups=None, backup_keep=3, new_backups=None):
    """existing: {tag: TagFacts} of the target repository -> PrunePlan. selected: the tags the policy selected this run;
    targeted: tags of the repository other entries of the run write (a listed tag is never pruned by a policy); backups: the
    regex of the entry's backup tags (tag_backups.pattern) or None: those are never ordinary candidates, the newest
    `backup_keep` of them (by createdTime) stay and the older ones are candidates. new_backups: {tag: digest} of backup tags
    this check-mode run would create: newer than any that exists, so check mode predicts what the real run deletes."""
    if not selected:
        return PrunePlan(repository, [], [])
    new_backups = {t: d for t, d in (new_backups or {}).items() if t not in existing}
    existing = dict(existing, **{t: TagFacts(d, {}) for t, d in new_backups.items()})
    keep = set(selected) | set(targeted)
    backup_tags = sorted(t for t in existing if backups is not None and backups.fullmatch(t))
    keep.update(backup_tags)
    candidates = [t for t in owned(policy, prune, sorted(existing)) if t not in keep]
    newest_first = sorted(backup_tags, key=lambda t: (t in new_backups, created_epoch(existing[t].created) or 0, t), reverse=True)
    candidates += [t for t in newest_first[backup_keep:] if t not in set(selected) | set(targeted)]
    delete = [(t, existing[t].digest) for t in candidates if not is_locked(existing[t].attributes)]
    locked = [t for t in candidates if is_locked(existing[t].attributes)]
    return PrunePlan(repository, sorted(delete), sorted(locked))


def over_limit(plans, max_deletes, label, untagged=()):
    """The message that stops an entry's pruning before any delete (tags and untagged manifests count alike), or None."""
    tags, manifests = sum(len(p.delete) for p in plans), sum(len(p.delete) for p in untagged)
    if tags + manifests <= max_deletes:
        return None
    names = ["%s:%s" % (p.repository, t) for p in plans for t, dummy in p.delete] + ["%s@%s" % (p.repository, d) for p in untagged for d in p.delete]
    return ("the tag policy of %s would delete %d (%d tags, %d untagged manifests), more than max_deletes (%d): nothing was deleted; "
            "raise max_deletes if that is meant, or check the policy (first: %s)"
            % (label, tags + manifests, tags, manifests, max_deletes, ", ".join(names[:10])))


# ---- prune_untagged ------------------------------------------------------------------------------------------------
# One repository's untagged prune: delete [digest] (indexes first), locked [digest], young (inside the grace period) count.
UntaggedPlan = namedtuple("UntaggedPlan", "repository delete locked young")
_ACR_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z\Z")  # \Z, not $ (which also matches before a trailing newline)


def created_epoch(text):
    """ACR's createdTime (2021-12-31T00:09:05.5439999Z, 7 fractional digits) -> seconds since the epoch, or None."""
    match = _ACR_TIME.match(text or "")
    if not match:
        return None
    moment = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp() + float("0." + (match.group(2) or "0"))


def plan_untagged(repository, manifests, removed_tags, subject_of, now, grace_seconds):
    """manifests: the repository's /acr/v1 manifest listing ({digest, tags, createdTime, references, changeableAttributes});
    removed_tags: tags this run deletes (their manifests count as untagged); subject_of(digest): the digest a manifest refers
    to (its `subject`), or None, asked only for manifests not kept otherwise.

    Kept: manifests with a tag that stays, children of a kept index, referrers (signatures, SBOMs, attestations) whose
    subject is kept, to any depth. The rest is a candidate once older than the grace period (a concurrent run's fresh import
    is never caught, nor a manifest whose age cannot be read); a locked one is reported, never unlocked."""
    by_digest = {m["digest"]: m for m in manifests if isinstance(m, dict) and isinstance(m.get("digest"), str)}
    removed = set(removed_tags)
    kept = {d for d, m in by_digest.items() if set(m.get("tags") or []) - removed}
    changed = True
    while changed:
        changed = False
        for digest in list(kept):
            for child in by_digest.get(digest, {}).get("references") or []:
                if isinstance(child, dict) and child.get("digest") in by_digest and child["digest"] not in kept:
                    kept.add(child["digest"])
                    changed = True
        for digest in sorted(set(by_digest) - kept):
            if subject_of(digest) in kept:
                kept.add(digest)
                changed = True
    delete, locked, young = [], [], 0
    for digest in sorted(set(by_digest) - kept):
        manifest = by_digest[digest]
        created = created_epoch(manifest.get("createdTime"))
        if created is None or created > now - grace_seconds:
            young += 1
        elif is_locked(manifest.get("changeableAttributes") or {}):
            locked.append(digest)
        else:
            delete.append(digest)
    return UntaggedPlan(repository, _referring_first(delete, by_digest, subject_of), locked, young)


def _referring_first(delete, by_digest, subject_of):
    """The deletions ordered so that whatever refers to a manifest (a referrer by its subject, an index by its references)
    is deleted before it, to any depth (a signature of an SBOM before the SBOM, an index before an index it lists): never a
    dangling reference in between. Otherwise by digest."""
    pending = set(delete)
    subjects = dict((d, subject_of(d)) for d in delete)
    referring = dict((d, []) for d in delete)  # digest -> the pending manifests that refer to it
    for digest in delete:
        listed = [c.get("digest") for c in by_digest[digest].get("references") or [] if isinstance(c, dict)]
        for target in set([subjects[digest]] + listed) & pending - {digest}:
            referring[target].append(digest)
    ordered, done = [], set()

    def emit(digest, path):
        if digest in done or digest in path:  # done, or a cycle: content addressing makes none, but a listing is not trusted
            return
        for referrer in sorted(referring[digest]):
            emit(referrer, path | {digest})
        done.add(digest)
        ordered.append(digest)

    for digest in sorted(delete):
        emit(digest, frozenset())
    return ordered
