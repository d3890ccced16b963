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
    (OTHER, False, None, False): (planner.UNCHANGED, planner.UNCHANGED, OTHER),
    (OTHER, False, None, True): (planner.OVERWRITTEN, planner.WOULD_OVERWRITE, None),
    (OTHER, True, None, True): (planner.LOCKED, planner.LOCKED, OTHER),
    (OTHER, True, None, False): (planner.UNCHANGED, planner.UNCHANGED, OTHER),
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
