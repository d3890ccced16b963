# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What to do with one existing ACR tag: its changeable attributes (locks) and its deletion. Pure: facts in, plan out.

ACR's changeable attributes: writeEnabled false refuses overwrites AND deletes (acr-cli#70), deleteEnabled false refuses
deletes; readEnabled false refuses pulls, listEnabled false hides the tag from listings. "Locked" here means a delete would
be refused: writeEnabled or deleteEnabled false.
"""

from __future__ import annotations

from collections import namedtuple

# option name -> ACR's attribute name, in the order results show them
ATTRIBUTES = (("write_enabled", "writeEnabled"), ("delete_enabled", "deleteEnabled"), ("read_enabled", "readEnabled"),
              ("list_enabled", "listEnabled"))
LOCK = {"writeEnabled": False, "deleteEnabled": False}

# A tag as the registry shows it: digest, changeable attributes ({"writeEnabled": bool, ...}), createdTime (when listed).
TagFacts = namedtuple("TagFacts", "digest attributes created", defaults=(None,))
# action: absent (nothing there, nothing to do), unchanged, update, delete, locked (a delete ACR would refuse),
# missing (state present for a tag that does not exist). changes: the attributes to PATCH first (may be empty).
TagPlan = namedtuple("TagPlan", "tag action digest before after changes")


def wanted_attributes(params):
    """The attributes the options ask for (unset options are left as they are), keyed by ACR's names."""
    return {name: params[option] for option, name in ATTRIBUTES if params.get(option) is not None}


def is_locked(attributes):
    """Whether ACR refuses to delete a tag or manifest with these attributes."""
    return attributes.get("writeEnabled") is False or attributes.get("deleteEnabled") is False


def plan_tag(tag, facts, state, wanted):
    """One tag: facts None = the tag does not exist. state 'present' sets `wanted`; 'absent' deletes the tag, after
    applying `wanted` when the tag is locked and `wanted` unlocks it (an explicit unlock, never implied)."""
    if facts is None:
        return TagPlan(tag, "missing" if state == "present" else "absent", None, None, None, {})
    before = dict(facts.attributes)
    changes = {name: value for name, value in wanted.items() if before.get(name) is not value}
    after = dict(before, **changes)
    if state == "present":
        return TagPlan(tag, "update" if changes else "unchanged", facts.digest, before, after, changes)
    if is_locked(after):
        return TagPlan(tag, "locked", facts.digest, before, before, {})
    return TagPlan(tag, "delete", facts.digest, before, None, changes if is_locked(before) else {})


def problems(plans, repository):
    """The messages that fail the task before any change: a tag to lock that does not exist, a tag to delete that is locked."""
    found = []
    missing = [p.tag for p in plans if p.action == "missing"]
    if missing:
        found.append("%s has no tag %s: acr_tag changes existing tags and never creates one (acrops.registry.acr_import does)"
                     % (repository, ", ".join(missing)))
    locked = [p.tag for p in plans if p.action == "locked"]
    if locked:
        found.append("%s:%s %s locked (writeEnabled or deleteEnabled false) and ACR refuses to delete %s; to delete anyway, "
                     "unlock in the same task with write_enabled: true and delete_enabled: true"
                     % (repository, ", ".join(locked), "is" if len(locked) == 1 else "are", "it" if len(locked) == 1 else "them"))
    return found


DONE = {"absent": "absent", "unchanged": "unchanged", "update": "updated", "delete": "deleted"}


def tag_result(plan, login_server, repository):
    """The result entry of one tag (the same in check mode: it says what would be, as changed does)."""
    return {"tag": plan.tag, "reference": "%s/%s:%s" % (login_server, repository, plan.tag), "digest": plan.digest,
            "action": DONE[plan.action], "before": plan.before, "after": plan.after}


def diff(plans, repository):
    """Ansible's before/after: each tag with its digest and attributes; a deleted tag is gone from `after`."""
    before, after = {}, {}
    for plan in plans:
        if plan.before is not None:
            before[plan.tag] = dict(plan.before, digest=plan.digest)
        if plan.after is not None:
            after[plan.tag] = dict(plan.after, digest=plan.digest)
    return {"before": {repository: before}, "after": {repository: after},
            "before_header": "%s (tags before)" % repository, "after_header": "%s (tags after)" % repository}


# ---- lock after import (acr_import lock: true) -----------------------------------------------------------------------
LOCKED_NOW, WOULD_LOCK, LOCK_UNCHANGED = "locked", "would_lock", "unchanged"


def plan_lock(facts, check_mode):
    """A target tag to lock once it holds the image: facts None = not there yet (check mode, still to be imported) ->
    (action, before, changes). before/after show writeEnabled and deleteEnabled only; reading what is there first makes it
    idempotent."""
    before = None if facts is None else {name: facts.attributes.get(name, True) for name in LOCK}
    changes = {name: value for name, value in LOCK.items() if before is None or before[name] is not value}
    if not changes:
        return LOCK_UNCHANGED, before, {}
    return WOULD_LOCK if check_mode else LOCKED_NOW, before, changes
