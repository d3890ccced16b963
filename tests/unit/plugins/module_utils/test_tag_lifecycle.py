# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_tag's planning (module_utils/tag_lifecycle.py): facts in, one plan per tag out, refusals before any change."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils.tag_lifecycle import (
    TagFacts, diff, is_locked, plan_lock, plan_tag, problems, tag_result, wanted_attributes)

OPEN = {"writeEnabled": True, "deleteEnabled": True, "readEnabled": True, "listEnabled": True}
LOCKED = {"writeEnabled": False, "deleteEnabled": False, "readEnabled": True, "listEnabled": True}
DIGEST = "sha256:" + "a" * 64


def facts(**attributes):
    return TagFacts(DIGEST, dict(OPEN, **attributes))


def test_wanted_attributes_are_the_options_set_in_acr_names():
    assert wanted_attributes({"write_enabled": False, "delete_enabled": None, "read_enabled": True}) == {
        "writeEnabled": False, "readEnabled": True}


@pytest.mark.parametrize("attributes, locked", [({}, False), ({"writeEnabled": False}, True), ({"deleteEnabled": False}, True),
                                                ({"readEnabled": False, "listEnabled": False}, False)])
def test_locked_means_a_delete_would_be_refused(attributes, locked):
    assert is_locked(dict(OPEN, **attributes)) is locked


@pytest.mark.parametrize("current, wanted, action, changes", [
    (facts(), {"writeEnabled": False, "deleteEnabled": False}, "update", {"writeEnabled": False, "deleteEnabled": False}),
    (facts(writeEnabled=False), {"writeEnabled": False, "deleteEnabled": False}, "update", {"deleteEnabled": False}),
    (facts(**LOCKED), {"writeEnabled": False, "deleteEnabled": False}, "unchanged", {}),
    (facts(**LOCKED), {"writeEnabled": True}, "update", {"writeEnabled": True}),
    (None, {"writeEnabled": False}, "missing", {}),
])
def test_present_changes_only_what_differs(current, wanted, action, changes):
    plan = plan_tag("1", current, "present", wanted)
    assert (plan.action, plan.changes) == (action, changes)
    if current is not None:
        assert plan.after == dict(current.attributes, **wanted) and plan.before == current.attributes


@pytest.mark.parametrize("current, wanted, action, changes", [
    (None, {}, "absent", {}),
    (facts(), {}, "delete", {}),
    (facts(), {"readEnabled": False}, "delete", {}),                         # nothing to unlock: no PATCH before the delete
    (facts(**LOCKED), {}, "locked", {}),                                     # never unlocked implicitly
    (facts(**LOCKED), {"writeEnabled": True}, "locked", {}),                 # still deleteEnabled false
    (facts(**LOCKED), {"writeEnabled": True, "deleteEnabled": True}, "delete", {"writeEnabled": True, "deleteEnabled": True}),
    (facts(deleteEnabled=False), {"deleteEnabled": True}, "delete", {"deleteEnabled": True}),
])
def test_absent_deletes_and_unlocks_only_when_asked(current, wanted, action, changes):
    plan = plan_tag("1", current, "absent", wanted)
    assert (plan.action, plan.changes) == (action, changes)
    assert plan.after is None or action == "locked"


def test_problems_name_missing_and_locked_tags_before_any_change():
    plans = [plan_tag("a", None, "present", {"writeEnabled": False}), plan_tag("b", facts(), "present", {"writeEnabled": False})]
    assert problems(plans, "reg/app") == ["reg/app has no tag a: acr_tag changes existing tags and never creates one "
                                          "(acrops.registry.acr_import does)"]
    locked = [plan_tag("x", facts(**LOCKED), "absent", {}), plan_tag("y", facts(writeEnabled=False), "absent", {}),
              plan_tag("z", facts(), "absent", {})]
    [message] = problems(locked, "reg/app")
    assert message.startswith("reg/app:x, y are locked") and "write_enabled: true and delete_enabled: true" in message
    assert problems([plan_tag("z", facts(), "absent", {}), plan_tag("n", None, "absent", {})], "reg/app") == []


def test_results_and_diff_say_what_would_be_or_was_done():
    plans = [plan_tag("1", facts(), "present", {"writeEnabled": False}), plan_tag("2", facts(), "absent", {}),
             plan_tag("3", None, "absent", {}), plan_tag("4", facts(**LOCKED), "present", {"writeEnabled": False})]
    assert [tag_result(p, "r.azurecr.io", "app")["action"] for p in plans] == ["updated", "deleted", "absent", "unchanged"]
    assert tag_result(plans[1], "r.azurecr.io", "app") == {"tag": "2", "reference": "r.azurecr.io/app:2", "digest": DIGEST,
                                                           "action": "deleted", "before": OPEN, "after": None}
    shown = diff(plans, "app")
    assert sorted(shown["before"]["app"]) == ["1", "2", "4"] and sorted(shown["after"]["app"]) == ["1", "4"]
    assert shown["after"]["app"]["1"] == dict(OPEN, writeEnabled=False, digest=DIGEST)


@pytest.mark.parametrize("current, check_mode, expected", [
    (None, True, ("would_lock", None, {"writeEnabled": False, "deleteEnabled": False})),        # still to be imported
    (facts(), True, ("would_lock", {"writeEnabled": True, "deleteEnabled": True}, {"writeEnabled": False, "deleteEnabled": False})),
    (facts(), False, ("locked", {"writeEnabled": True, "deleteEnabled": True}, {"writeEnabled": False, "deleteEnabled": False})),
    (facts(writeEnabled=False), False, ("locked", {"writeEnabled": False, "deleteEnabled": True}, {"deleteEnabled": False})),
    (facts(**LOCKED), False, ("unchanged", {"writeEnabled": False, "deleteEnabled": False}, {})),
    (facts(**LOCKED), True, ("unchanged", {"writeEnabled": False, "deleteEnabled": False}, {})),
])
def test_lock_after_import_reads_first_and_patches_only_what_differs(current, check_mode, expected):
    assert plan_lock(current, check_mode) == expected
