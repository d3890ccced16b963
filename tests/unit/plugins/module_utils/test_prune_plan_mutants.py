# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What prune deletes, word for word (module_utils/prune_plan.py; the survivors of its mutation run, tests/MUTATION.md): the
prune values and their refusal, backup tags kept newest first by createdTime (not by name), check mode's predicted backups,
max_deletes' message, ACR times in UTC, and the untagged manifests kept to any depth and deleted in a safe order."""

from __future__ import annotations

import time

import pytest

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.prune_plan import (
    PrunePlan, UntaggedPlan, created_epoch, over_limit, parse_prune, plan_repository, plan_untagged)
from ansible_collections.acrops.registry.plugins.module_utils.tag_backups import pattern
from ansible_collections.acrops.registry.plugins.module_utils.tag_lifecycle import TagFacts
from ansible_collections.acrops.registry.plugins.module_utils.tag_policy import parse_policy

OPEN = {"writeEnabled": True, "deleteEnabled": True}
BACKUPS = pattern("{tag}-prev-{before_digest12}")
POLICY = parse_policy({"latest": 1})


def digest(n):
    return "sha256:%064x" % n


def backup(letter):
    return "1.0-prev-" + letter * 12


@pytest.mark.parametrize("value, parsed", [("true", True), ("TRUE", True), ("Yes", True), ("no", False), ("NO", False),
                                           ("false", False)])
def test_prune_words_in_any_case(value, parsed):
    assert parse_prune(value, "e") is parsed


@pytest.mark.parametrize("value, shown", [("everything", "'everything'"), ("Repository", "'Repository'"), (1, "1"), (0, "0")])
def test_a_bad_prune_value_is_refused_word_for_word(value, shown):
    with pytest.raises(AcrOpsError) as raised:
        parse_prune(value, "images[0] (nginx:1)")
    assert raised.value.message == ("images[0] (nginx:1): prune must be true, false or repository (the whole target repository "
                                    "belongs to the entry), not %s" % shown)


def dated_backups():
    """Backup tags whose names sort opposite to their age: dddd is the oldest dated one, aaaa the newest; eeee has no readable
    createdTime (the oldest of all) and ffff was made half a second after the epoch (older than any other dated one)."""
    created = {"a": "2026-01-04T00:00:00Z", "b": "2026-01-03T00:00:00Z", "c": "2026-01-02T00:00:00Z", "d": "2026-01-01T00:00:00Z",
               "e": None, "f": "1970-01-01T00:00:00.5Z"}
    tags = {backup(letter): TagFacts(digest(n), dict(OPEN), created[letter]) for n, letter in enumerate("abcdef", start=1)}
    tags["1.0"] = TagFacts(digest(10), dict(OPEN), "2026-01-05T00:00:00Z")
    return tags


def test_backups_are_kept_newest_first_by_created_time_not_by_name_and_undated_ones_are_the_oldest():
    tags = dated_backups()
    plan = plan_repository("app", POLICY, True, ["1.0"], tags, backups=BACKUPS, backup_keep=2)
    assert plan == PrunePlan("app", [(backup("c"), digest(3)), (backup("d"), digest(4)), (backup("e"), digest(5)),
                                     (backup("f"), digest(6))], [])
    # Keeping 5 of 6: only the undated one goes (an unreadable age counts as 0, below the epoch's half second).
    assert plan_repository("app", POLICY, True, ["1.0"], tags, backups=BACKUPS, backup_keep=5).delete == [(backup("e"), digest(5))]
    # Three backups are kept unless told otherwise.
    assert [t for t, dummy in plan_repository("app", POLICY, True, ["1.0"], tags, backups=BACKUPS).delete] == [
        backup("d"), backup("e"), backup("f")]


def test_an_old_backup_another_entry_writes_or_the_policy_selects_stays():
    tags = dated_backups()
    targeted = plan_repository("app", POLICY, True, ["1.0"], tags, targeted={backup("d")}, backups=BACKUPS, backup_keep=2)
    assert [t for t, dummy in targeted.delete] == [backup("c"), backup("e"), backup("f")]
    selected = plan_repository("app", POLICY, True, ["1.0", backup("e")], tags, backups=BACKUPS, backup_keep=2)
    assert [t for t, dummy in selected.delete] == [backup("c"), backup("d"), backup("f")]


def test_locked_backups_are_reported_and_not_deleted():
    tags = dated_backups()
    tags[backup("f")] = tags[backup("f")]._replace(attributes=dict(OPEN, deleteEnabled=False))
    tags[backup("c")] = tags[backup("c")]._replace(attributes=dict(OPEN, writeEnabled=False))
    plan = plan_repository("registry/app", POLICY, True, ["1.0"], tags, backups=BACKUPS, backup_keep=2)
    assert plan == PrunePlan("registry/app", [(backup("d"), digest(4)), (backup("e"), digest(5))], [backup("c"), backup("f")])


def test_check_mode_backups_are_newer_than_any_existing_one_and_deleted_with_their_own_digest():
    # Two backups this run would make (for two tags of the entry); with one kept, the other is predicted deleted, with the
    # digest it would hold.
    tags = dated_backups()
    new = {"2.0-prev-" + "9" * 12: digest(20), backup("0"): digest(21)}
    plan = plan_repository("app", POLICY, True, ["1.0"], tags, backups=BACKUPS, backup_keep=1, new_backups=new)
    assert plan == PrunePlan("app", [(backup("0"), digest(21))] + [(backup(letter), digest(n)) for n, letter in enumerate("abcdef", start=1)],
                             [])


def test_the_plan_names_its_repository_and_sorts_what_it_deletes():
    tags = {t: TagFacts(digest(n), dict(OPEN)) for n, t in enumerate(["3.0.0", "1.0.0", "2.0.0", "10.0.0"], start=1)}
    plan = plan_repository("team/app", POLICY, True, ["10.0.0"], tags)
    assert plan == PrunePlan("team/app", [("1.0.0", digest(2)), ("2.0.0", digest(3)), ("3.0.0", digest(1))], [])


def test_max_deletes_message_word_for_word_with_the_first_ten_names():
    plans = [PrunePlan("a", [("t%d" % i, digest(i)) for i in range(6)], [])]
    untagged = [UntaggedPlan("b", ["sha256:u%d" % i for i in range(6)], [], 0)]
    assert over_limit(plans, 12, "e", untagged) is None
    assert over_limit(plans, 11, "images[0] (nginx:1)", untagged) == (
        "the tag policy of images[0] (nginx:1) would delete 12 (6 tags, 6 untagged manifests), more than max_deletes (11): nothing "
        "was deleted; raise max_deletes if that is meant, or check the policy (first: a:t0, a:t1, a:t2, a:t3, a:t4, a:t5, "
        "b@sha256:u0, b@sha256:u1, b@sha256:u2, b@sha256:u3)")
    # Untagged manifests alone count too.
    assert over_limit([], 5, "e", untagged).startswith("the tag policy of e would delete 6 (0 tags, 6 untagged manifests), more than max_deletes (5)")


def test_acr_times_keep_their_fraction_and_are_utc_whatever_the_local_zone(monkeypatch):
    assert created_epoch("2021-12-31T00:09:05.5439999Z") == 1640909345 + 0.5439999
    assert created_epoch("1970-01-01T00:00:00.5Z") == 0.5
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert created_epoch("2021-12-31T00:09:05Z") == 1640909345.0
    finally:
        monkeypatch.undo()
        time.tzset()


NOW = 1798761600.0  # 2027-01-01T00:00:00Z
DAY = 24 * 3600


def manifest(name, tags=(), created="2026-01-01T00:00:00Z", children=(), **attributes):
    entry = {"digest": name, "tags": list(tags), "createdTime": created, "references": [{"digest": c} for c in children]}
    if attributes:
        entry["changeableAttributes"] = dict(OPEN, **attributes)
    return entry


def test_untagged_skips_entries_of_the_listing_that_are_no_manifest_with_a_digest():
    listing = [None, "junk", {"tags": ["x"]}, {"digest": 5, "tags": []}, manifest("orphan")]
    assert plan_untagged("app", listing, [], lambda d: None, NOW, DAY) == UntaggedPlan("app", ["orphan"], [], 0)


def test_untagged_keeps_the_children_of_a_nested_index():
    listing = [manifest("idx", ["1.0"], children=["nested"]), manifest("nested", children=["leaf"]), manifest("leaf"), manifest("orphan")]
    assert plan_untagged("app", listing, [], lambda d: None, NOW, DAY) == UntaggedPlan("app", ["orphan"], [], 0)


def test_untagged_keeps_a_referrer_of_a_referrer_that_sorts_before_it():
    listing = [manifest("idx", ["1.0"]), manifest("a-sig"), manifest("b-sbom"), manifest("orphan")]
    subjects = {"a-sig": "b-sbom", "b-sbom": "idx"}
    assert plan_untagged("app", listing, [], subjects.get, NOW, DAY) == UntaggedPlan("app", ["orphan"], [], 0)


def test_untagged_grace_period_ends_exactly_grace_seconds_ago():
    listing = [manifest("at-the-limit", created="2026-12-31T00:00:00Z"), manifest("a-second-later", created="2026-12-31T00:00:01Z")]
    assert plan_untagged("app", listing, [], lambda d: None, NOW, DAY) == UntaggedPlan("app", ["at-the-limit"], [], 1)


def test_untagged_deletes_referrers_then_indexes_then_the_rest_whatever_their_names():
    listing = [manifest("z-sig"), manifest("m-idx", children=["a-leaf"]), manifest("a-leaf"), manifest("b-plain"),
               manifest("c-locked", deleteEnabled=False), manifest("d-open", writeEnabled=True)]
    plan = plan_untagged("team/app", listing, [], {"z-sig": "m-idx"}.get, NOW, DAY)
    assert plan == UntaggedPlan("team/app", ["z-sig", "m-idx", "a-leaf", "b-plain", "d-open"], ["c-locked"], 0)
