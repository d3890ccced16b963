# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The planner's whole decision table: every combination of tag state, source knowledge and options."""

from __future__ import annotations

import itertools

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import planner
from ansible_collections.acrops.registry.plugins.module_utils.planner import TargetState, plan

SRC = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64

# (tag digest, locked, source digest, force) -> (action in a real run, action in check mode, after)
TABLE = {
    (None, False, SRC, False): (planner.IMPORTED, planner.WOULD_IMPORT, SRC),
    (None, False, SRC, True): (planner.IMPORTED, planner.WOULD_IMPORT, SRC),
    (None, False, None, False): (planner.IMPORTED, planner.WOULD_IMPORT, None),
    (None, False, None, True): (planner.IMPORTED, planner.WOULD_IMPORT, None),
    (SRC, False, SRC, False): (planner.UNCHANGED, planner.UNCHANGED, SRC),
    (SRC, False, SRC, True): (planner.UNCHANGED, planner.UNCHANGED, SRC),
    (SRC, True, SRC, True): (planner.UNCHANGED, planner.UNCHANGED, SRC),
    (SRC, True, SRC, False): (planner.UNCHANGED, planner.UNCHANGED, SRC),
    (OTHER, False, SRC, False): (planner.DRIFTED, planner.DRIFTED, OTHER),
    (OTHER, False, SRC, True): (planner.OVERWRITTEN, planner.WOULD_OVERWRITE, SRC),
    (OTHER, True, SRC, False): (planner.DRIFTED, planner.DRIFTED, OTHER),
    (OTHER, True, SRC, True): (planner.LOCKED, planner.LOCKED, OTHER),
    (OTHER, False, None, False): (planner.EXISTS_UNVERIFIED, planner.EXISTS_UNVERIFIED, OTHER),
    (OTHER, False, None, True): (planner.OVERWRITTEN, planner.WOULD_OVERWRITE, None),
    (OTHER, True, None, True): (planner.LOCKED, planner.LOCKED, OTHER),
    (OTHER, True, None, False): (planner.EXISTS_UNVERIFIED, planner.EXISTS_UNVERIFIED, OTHER),
}


@pytest.mark.parametrize("case", sorted(TABLE, key=repr), ids=repr)
@pytest.mark.parametrize("check_mode", [False, True])
def test_decision_table(case, check_mode):
    digest, locked, source, force = case
    real, check, after = TABLE[case]
    result = planner.plan_tag(TargetState("app:1", digest, locked), source, force, check_mode)
    assert result.action == (check if check_mode else real)
    assert result.before == digest
    assert result.after == after


@pytest.mark.parametrize("check_mode", [False, True])
def test_every_reachable_combination_is_planned_as_the_table_says(check_mode):
    # The planner itself, on every combination (not the table's own keys): an absent tag cannot be locked, and a tag that
    # holds the source's digest while the source digest is unknown must be planned like any other digest then.
    for digest, locked, source, force in itertools.product((None, SRC, OTHER), (False, True), (SRC, None), (False, True)):
        if digest is None and locked:
            continue
        like = OTHER if digest == SRC and source is None else digest
        real, check, after = TABLE[(like, locked, source, force)]
        result = planner.plan_tag(TargetState("app:1", digest, locked), source, force, check_mode)
        expected = (check if check_mode else real, digest, digest if after == like else after)
        assert (result.action, result.before, result.after) == expected, (digest, locked, source, force)


def test_all_current_means_no_import_even_with_force():
    result = plan(SRC, [TargetState("a:1", SRC), TargetState("b:1", SRC)], force=True)
    assert not result.needs_import and not result.changed
    assert result.mode is None and result.import_tags == ()


def test_only_missing_targets_are_imported_with_noforce():
    result = plan(SRC, [TargetState("a:1", SRC), TargetState("b:1", None)], force=True)
    assert result.import_tags == ("b:1",)
    assert result.mode == "NoForce"  # nothing to overwrite: never send Force needlessly


def test_force_used_only_when_overwriting_and_names_only_moved_targets():
    result = plan(SRC, [TargetState("a:1", OTHER), TargetState("b:1", SRC), TargetState("c:1", None)], force=True)
    assert result.mode == "Force"
    assert result.import_tags == ("a:1", "c:1")


def test_drift_without_force_is_warned_and_not_imported():
    result = plan(SRC, [TargetState("a:1", OTHER)], force=False)
    assert not result.needs_import
    assert result.tags[0].action == planner.DRIFTED
    assert any("set force" in w for w in result.warnings)


def test_locked_target_that_must_change_refuses_the_whole_import():
    result = plan(SRC, [TargetState("a:1", OTHER, True), TargetState("b:1", None)], force=True)
    assert result.errors and "locked" in result.errors[0]
    assert not result.needs_import and result.mode is None


def test_check_mode_predicts_the_same_targets_as_a_real_run():
    states = [TargetState("a:1", OTHER), TargetState("b:1", None), TargetState("c:1", SRC)]
    real, check = plan(SRC, states, force=True), plan(SRC, states, force=True, check_mode=True)
    assert real.import_tags == check.import_tags and real.mode == check.mode
    assert [t.action for t in check.tags] == [planner.WOULD_OVERWRITE, planner.WOULD_IMPORT, planner.UNCHANGED]


def test_untagged_copies():
    result = plan(SRC, [], [TargetState("archive/app", SRC), TargetState("cache/app", None)])
    assert result.import_untagged == ("cache/app",)
    assert result.mode == "NoForce"
    unknown = plan(None, [], [TargetState("archive/app", None)])
    assert unknown.import_untagged == ("archive/app",) and unknown.warnings


# ---- what each decision says (mutation testing found these unasserted) ---------------------------------------------------
SHORT_SRC, SHORT_OTHER = SRC[:19], OTHER[:19]
REASONS = {  # (tag digest, locked, source digest, force) -> the reason the plan gives; every other case gives none
    (OTHER, False, SRC, False): "holds %s, source is %s; set force to overwrite" % (SHORT_OTHER, SHORT_SRC),
    (OTHER, True, SRC, False): "holds %s, source is %s; set force to overwrite" % (SHORT_OTHER, SHORT_SRC),
    (OTHER, True, SRC, True): "tag is locked (writeEnabled: false) and holds %s, source is %s" % (SHORT_OTHER, SHORT_SRC),
    (OTHER, False, None, False): "source digest unknown; existing tag kept, not compared (unreadable_source: reimport re-imports it)",
    (OTHER, True, None, True): "tag is locked (writeEnabled: false) and force would overwrite it",
    (OTHER, False, None, True): "source digest unknown; re-imported because unreadable_source is reimport",
    (OTHER, True, None, False): "source digest unknown; existing tag kept, not compared (unreadable_source: reimport re-imports it)",
}


@pytest.mark.parametrize("case", sorted(TABLE, key=repr), ids=repr)
def test_each_decision_names_its_tag_and_gives_its_reason(case):
    digest, locked, source, force = case
    result = planner.plan_tag(TargetState("app:1", digest, locked), source, force, False)
    assert (result.name, result.reason) == ("app:1", REASONS.get(case))


def test_warnings_and_errors_name_the_tag_and_its_reason():
    result = plan(SRC, [TargetState("a:1", OTHER), TargetState("b:1", OTHER, True), TargetState("c:1", SRC)], force=False)
    assert result.warnings == ("a:1: " + REASONS[(OTHER, False, SRC, False)], "b:1: holds %s, source is %s; set force to overwrite"
                               % (SHORT_OTHER, SHORT_SRC))
    assert result.errors == ()
    locked = plan(SRC, [TargetState("a:1", OTHER, True)], force=True)
    assert locked.errors == ("a:1: " + REASONS[(OTHER, True, SRC, True)],) and locked.warnings == () and locked.mode is None


@pytest.mark.parametrize("check_mode", [False, True])
def test_untagged_copies_are_planned_by_presence_of_the_digest(check_mode):
    importing = planner.WOULD_IMPORT if check_mode else planner.IMPORTED
    result = plan(SRC, [], [TargetState("present", SRC), TargetState("absent", None), TargetState("other", OTHER)], check_mode=check_mode)
    assert [(t.name, t.before, t.after, t.action, t.reason) for t in result.untagged] == [
        ("present", SRC, SRC, planner.UNCHANGED, None), ("absent", None, SRC, importing, None), ("other", None, SRC, importing, None)]
    assert result.mode == "NoForce" and result.warnings == ()
    unknown = plan(None, [], [TargetState("copy", None)], check_mode=check_mode)
    assert [(t.after, t.action, t.reason) for t in unknown.untagged] == [(None, importing, "source digest unknown; copied again")]
    assert unknown.warnings == ("copy: source digest unknown; copied again",)
    current = plan(SRC, [], [TargetState("present", SRC)], check_mode=check_mode)
    assert current.mode is None and not current.needs_import


def test_plan_defaults_to_no_force_and_a_real_run():
    assert [t.action for t in plan(SRC, [TargetState("a:1", OTHER), TargetState("b:1", None)]).tags] == [planner.DRIFTED, planner.IMPORTED]
