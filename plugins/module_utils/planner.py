# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decide what an import must do, from facts alone (no I/O).

The planner turns "source digest + each target's current state + options" into one action per target.
Everything the module reports (changed, actions, diff, check-mode predictions) derives from this plan,
so check mode is simply "stop after planning" and the whole decision table is unit-testable.
"""

from __future__ import annotations

from collections import namedtuple

# Actions, as reported per target. Check mode reports WOULD_* for what a real run reports IMPORTED/OVERWRITTEN.
IMPORTED = "imported"
OVERWRITTEN = "overwritten"
UNCHANGED = "unchanged"
DRIFTED = "drifted"
WOULD_IMPORT = "would_import"
WOULD_OVERWRITE = "would_overwrite"
LOCKED = "locked"
FAILED = "failed"
# Planning without reading the target (target_reads, docs/network.md): the service said the tag exists (a NoForce import
# refused it), so nothing was written and its digest is not known; and check mode's answer when nothing can be predicted.
EXISTS_UNVERIFIED = "exists_unverified"
UNKNOWN = "unknown"

CHANGING_ACTIONS = frozenset((IMPORTED, OVERWRITTEN, WOULD_IMPORT, WOULD_OVERWRITE))

# What a target (a tag, or a manifest-only copy in an untagged repository) holds now.
# digest None means absent. locked means the tag's writeEnabled is false.
TargetState = namedtuple("TargetState", "name digest locked")
TargetState.__new__.__defaults__ = (None, False)

# One decision. before/after are digests (None = absent); reason explains drift, refusal or uncertainty.
TargetPlan = namedtuple("TargetPlan", "name before after action reason")


class Plan(namedtuple("Plan", "tags untagged mode errors warnings")):
    """The decision for one source image.

    tags/untagged: tuples of TargetPlan. mode: "NoForce", "Force" or None (nothing to import).
    errors: reasons that forbid the import as a whole (a locked tag that must change).
    """

    __slots__ = ()

    @property
    def import_tags(self):
        return tuple(t.name for t in self.tags if t.action in CHANGING_ACTIONS)

    @property
    def import_untagged(self):
        return tuple(t.name for t in self.untagged if t.action in CHANGING_ACTIONS)

    @property
    def needs_import(self):
        return bool(self.import_tags or self.import_untagged) and not self.errors

    @property
    def changed(self):
        return self.needs_import


def _short(digest):
    return digest[:19] if digest else "absent"


def plan_tag(state, source_digest, force, check_mode):
    """Decide for one tag. See plan() for the table."""
    importing, overwriting = (WOULD_IMPORT, WOULD_OVERWRITE) if check_mode else (IMPORTED, OVERWRITTEN)
    if state.digest is None:
        return TargetPlan(state.name, None, source_digest, importing, None)
    if source_digest is not None and state.digest == source_digest:
        return TargetPlan(state.name, state.digest, state.digest, UNCHANGED, None)
    if source_digest is None:
        # The source could not be read from here (e.g. a network only ACR reaches) and the user chose to go on
        # (unreadable_source): tag-existence rules, like az acr import, and say so. force is then the caller's
        # explicit "re-import without a digest" (unreadable_source: reimport), never the image's force alone.
        if not force:
            return TargetPlan(state.name, state.digest, state.digest, EXISTS_UNVERIFIED,
                              "source digest unknown; existing tag kept, not compared (unreadable_source: reimport re-imports it)")
        if state.locked:
            return TargetPlan(state.name, state.digest, state.digest, LOCKED,
                              "tag is locked (writeEnabled: false) and force would overwrite it")
        return TargetPlan(state.name, state.digest, None, overwriting, "source digest unknown; re-imported because unreadable_source is reimport")
    # The tag exists with another digest: the source moved (or the tag was set by someone else).
    if not force:
        return TargetPlan(state.name, state.digest, state.digest, DRIFTED,
                          "holds %s, source is %s; set force to overwrite" % (_short(state.digest), _short(source_digest)))
    if state.locked:
        return TargetPlan(state.name, state.digest, state.digest, LOCKED,
                          "tag is locked (writeEnabled: false) and holds %s, source is %s" % (_short(state.digest), _short(source_digest)))
    return TargetPlan(state.name, state.digest, source_digest, overwriting, None)


def plan_untagged(state, source_digest, check_mode):
    """A manifest-only copy: present when the repository holds the source digest already."""
    importing = WOULD_IMPORT if check_mode else IMPORTED
    if source_digest is not None and state.digest == source_digest:
        return TargetPlan(state.name, state.digest, state.digest, UNCHANGED, None)
    return TargetPlan(state.name, None, source_digest, importing,
                      None if source_digest else "source digest unknown; copied again")


def plan(source_digest, tag_states, untagged_states=(), force=False, check_mode=False):
    """Plan one import.

    Per tag: absent -> import; same digest -> unchanged; other digest -> overwrite with force, else drifted
    (left alone, warned); a locked tag that would have to change -> refuse the whole import before any call.
    The import uses NoForce when it only creates tags and Force only when it overwrites, and names only the
    targets that need it, so a Force import never touches a tag that is already right.
    """
    tags = tuple(plan_tag(s, source_digest, force, check_mode) for s in tag_states)
    untagged = tuple(plan_untagged(s, source_digest, check_mode) for s in untagged_states)
    errors = tuple("%s: %s" % (t.name, t.reason) for t in tags if t.action == LOCKED)
    warnings = tuple("%s: %s" % (t.name, t.reason) for t in tags + untagged if t.reason and t.action != LOCKED)
    overwriting = any(t.action in (OVERWRITTEN, WOULD_OVERWRITE) for t in tags)
    changing = any(t.action in CHANGING_ACTIONS for t in tags + untagged)
    mode = None
    if changing and not errors:
        mode = "Force" if overwriting else "NoForce"
    return Plan(tags, untagged, mode, errors, warnings)


def plan_unread(tag_names, untagged_names, source_digest, force, check_mode, reason):
    """Plan one import without the target's state (its data plane cannot be read from here: `reason` says why).

    Check mode cannot predict anything: every target is UNKNOWN with the reason. A real run imports every tag: NoForce, so the
    service itself keeps a tag that exists (mark_existing() then reports it EXISTS_UNVERIFIED), or Force with force, whose
    result says the digests were not compared. Manifest-only copies are asked for too; whether one was there is not known
    (UNKNOWN). Nothing here is ever UNCHANGED: that needs a comparison."""
    if check_mode:
        unknown = tuple(TargetPlan(name, None, None, UNKNOWN, reason) for name in tag_names)
        return Plan(unknown, tuple(TargetPlan(name, None, None, UNKNOWN, reason) for name in untagged_names), None, (), ())
    compared = "digest not compared (%s); Force import" % reason if force else None
    tags = tuple(TargetPlan(name, None, source_digest, IMPORTED, compared) for name in tag_names)
    untagged = tuple(TargetPlan(name, None, source_digest, UNKNOWN, "copy requested; whether it was there before is not known (%s)" % reason)
                     for name in untagged_names)
    mode = None
    if tags or untagged:
        mode = "Force" if force else "NoForce"
    return Plan(tags, untagged, mode, (), ())


def mark_existing(plan, name, reason="the service says this tag already exists; it was kept, its digest not compared"):
    """The plan after a NoForce import refused tag `name` because it exists: that target is EXISTS_UNVERIFIED, the others
    still to import. None when the plan has no such changing tag (the refusal names another)."""
    found = [t for t in plan.tags if t.name == name and t.action in CHANGING_ACTIONS]
    if not found:
        return None
    tags = tuple(t._replace(action=EXISTS_UNVERIFIED, after=None, reason=reason) if t.name == name else t for t in plan.tags)
    remaining = any(t.action in CHANGING_ACTIONS for t in tags) or bool(plan.untagged)
    return plan._replace(tags=tags, mode=plan.mode if remaining else None)
