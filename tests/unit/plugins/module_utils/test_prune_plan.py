# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a tag policy's prune owns and deletes (module_utils/prune_plan.py)."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.prune_plan import (
    created_epoch, over_limit, owned, parse_prune, plan_repository, plan_untagged)
from ansible_collections.acrops.registry.plugins.module_utils.tag_lifecycle import TagFacts
from ansible_collections.acrops.registry.plugins.module_utils.tag_backups import pattern
from ansible_collections.acrops.registry.plugins.module_utils.tag_policy import parse_policy

OPEN = {"writeEnabled": True, "deleteEnabled": True}


def existing(*tags, locked=()):
    return {t: TagFacts("sha256:" + str(i) * 64, dict(OPEN, writeEnabled=t not in locked)) for i, t in enumerate(tags)}


@pytest.mark.parametrize("value, parsed", [(None, False), (False, False), (True, True), ("yes", True), ("False", False),
                                           ("repository", "repository")])
def test_prune_values(value, parsed):
    assert parse_prune(value, "e") == parsed


def test_a_bad_prune_value_says_what_to_write():
    with pytest.raises(AcrOpsError, match="prune must be true, false or repository"):
        parse_prune("everything", "e")


@pytest.mark.parametrize("spec, tags, expected", [
    ({"latest": 3}, ["1.0", "2.0", "debug", "latest"], ["2.0", "1.0"]),                    # latest owns versions only
    ({"regex": "1\\..*", "latest": 2}, ["1.0", "1.1", "2.0", "debug"], ["1.1", "1.0"]),
    ({"semver": ">=1.25 <1.27"}, ["1.24.0", "1.25.3", "1.26.0", "1.25.3-alpine"], ["1.26.0", "1.25.3"]),
    ({"regex": ".*", "exclude": "latest"}, ["a", "latest"], ["a"]),
])
def test_the_filters_say_what_an_entry_owns(spec, tags, expected):
    assert owned(parse_policy(spec), True, tags) == expected
    assert sorted(owned(parse_policy(spec), "repository", tags)) == sorted(tags)


def test_candidates_are_owned_tags_outside_the_selection_and_locked_ones_are_reported():
    tags = existing("0.9.0", "1.0.0", "1.1.0", "1.2.0", "debug", locked=("0.9.0",))
    plan = plan_repository("app", parse_policy({"latest": 2}), True, ["1.2.0", "1.1.0"], tags)
    assert [t for t, dummy in plan.delete] == ["1.0.0"] and plan.locked == ["0.9.0"]
    assert dict(plan.delete)["1.0.0"] == tags["1.0.0"].digest
    whole = plan_repository("app", parse_policy({"latest": 2}), "repository", ["1.2.0", "1.1.0"], tags)
    assert [t for t, dummy in whole.delete] == ["1.0.0", "debug"]
    listed = plan_repository("app", parse_policy({"latest": 2}), "repository", ["1.2.0", "1.1.0"], tags, {"1.0.0"})
    assert [t for t, dummy in listed.delete] == ["debug"]  # another entry of the run writes app:1.0.0


def test_an_empty_selection_prunes_nothing():
    assert plan_repository("app", parse_policy({"latest": 2}), "repository", [], existing("1.0.0")) == ("app", [], [])


def test_max_deletes_counts_every_repository_of_the_entry():
    plans = [plan_repository(r, parse_policy({"latest": 1}), True, ["9.0.0"], existing(*["1.%d.0" % i for i in range(6)]))
             for r in ("a", "b")]
    assert over_limit(plans, 12, "e") is None
    assert "would delete 12 (12 tags, 0 untagged manifests), more than max_deletes (11): nothing was deleted" in over_limit(plans, 11, "e")


def manifest(digest, tags=(), created="2026-01-01T00:00:00.1234567Z", children=(), **attributes):
    return {"digest": digest, "tags": list(tags), "createdTime": created, "references": [{"digest": c} for c in children],
            "changeableAttributes": dict(OPEN, **attributes)}


NOW = 1798761600.0  # 2027-01-01


def test_untagged_keeps_tagged_images_their_children_and_referrers_to_any_depth():
    manifests = [manifest("idx", ["2.0"], children=["amd", "arm"]), manifest("amd"), manifest("arm"),
                 manifest("sig"), manifest("sbom"), manifest("sbom-sig"),               # referrers of the image, and of its SBOM
                 manifest("old-idx", ["1.0"], children=["old-amd"]), manifest("old-amd"), manifest("old-sig"),
                 manifest("orphan"), manifest("fresh", created="2026-12-31T23:00:00.0000000Z"), manifest("undated", created=None),
                 manifest("locked", writeEnabled=False)]
    subjects = {"sig": "idx", "sbom": "amd", "sbom-sig": "sbom", "old-sig": "old-idx"}
    asked = []

    def subject_of(digest):
        asked.append(digest)
        return subjects.get(digest)

    plan = plan_untagged("app", manifests, ["1.0"], subject_of, NOW, 24 * 3600)
    assert plan.delete == ["old-sig", "old-idx", "old-amd", "orphan"]   # referrer, then index, then the rest
    assert plan.locked == ["locked"] and plan.young == 2
    assert "amd" not in asked and "arm" not in asked                   # kept as children: never fetched
    kept_tag = plan_untagged("app", manifests, [], subject_of, NOW, 24 * 3600)
    assert kept_tag.delete == ["orphan"]


def test_untagged_chains_are_deleted_from_the_outside_in():
    """A signature of an SBOM goes before the SBOM, an index before the index it lists, whatever their digests: the old order
    (referrers, indexes, the rest, each by digest) deleted the inner one first and left a dangling reference."""
    manifests = [manifest("a-sbom"), manifest("b-sig-of-sbom"), manifest("c-sig-of-sig"), manifest("gone-image"),
                 manifest("a-inner", children=["m-child"]), manifest("z-outer", children=["a-inner"]), manifest("m-child")]
    subjects = {"a-sbom": "gone-image", "b-sig-of-sbom": "a-sbom", "c-sig-of-sig": "b-sig-of-sbom"}
    plan = plan_untagged("app", manifests, [], subjects.get, NOW, 24 * 3600)
    assert plan.delete == ["z-outer", "a-inner", "c-sig-of-sig", "b-sig-of-sbom", "a-sbom", "gone-image", "m-child"]
    for position, digest in enumerate(plan.delete):
        refers_to = [subjects.get(digest)] + [c["digest"] for m in manifests if m["digest"] == digest for c in m["references"]]
        assert not set(refers_to) & set(plan.delete[:position]), "%s is deleted after what it refers to" % digest


def test_a_listing_that_claims_a_cycle_is_planned_once_each():
    """A registry's listing is not trusted: an index listing a manifest whose subject is that index (impossible with content
    digests) must neither recurse forever nor plan a manifest twice."""
    manifests = [manifest("x-idx", children=["y-sig"]), manifest("y-sig"), manifest("q")]
    plan = plan_untagged("app", manifests, [], {"y-sig": "x-idx"}.get, NOW, 24 * 3600)
    assert sorted(plan.delete) == ["q", "x-idx", "y-sig"] and len(plan.delete) == 3


@pytest.mark.parametrize("text, epoch", [("2021-12-31T00:09:05.5439999Z", 1640909345.5439999), ("2021-12-31T00:09:05Z", 1640909345.0),
                                         ("yesterday", None), (None, None), ("2021-12-31T00:09:05Z\n", None)])
def test_acr_times(text, epoch):
    assert created_epoch(text) == (pytest.approx(epoch) if epoch else None)


def test_backup_tags_are_kept_newest_first_and_never_ordinary_candidates():
    backups = pattern("{tag}-prev-{before_digest12}")
    tags = {t: TagFacts("sha256:" + "1" * 64, dict(OPEN), "2026-01-0%dT00:00:00.0000000Z" % day) for day, t in enumerate(
        ["1.0-prev-aaaaaaaaaaaa", "1.0-prev-bbbbbbbbbbbb", "1.0-prev-cccccccccccc", "1.0-prev-dddddddddddd", "1.0", "0.9"], start=1)}
    plan = plan_repository("app", parse_policy({"latest": 1}), True, ["1.0"], tags, backups=backups, backup_keep=2)
    # the two oldest backups go, with the release that fell out; "1.0-prev-..." would be a version (1.0.0-prev...) to latest
    assert [t for t, dummy in plan.delete] == ["0.9", "1.0-prev-aaaaaaaaaaaa", "1.0-prev-bbbbbbbbbbbb"]
    without = plan_repository("app", parse_policy({"latest": 1}), True, ["1.0"], tags)
    assert len(without.delete) == 5, "without backup, the policy's filters own them as pre-releases"
    assert not backups.fullmatch("1.0-prev-xyz") and not backups.fullmatch("1.0")
    # Check mode: the backup the run would make is the newest, so the prediction is the real run's (an existing one stays existing).
    predicted = plan_repository("app", parse_policy({"latest": 1}), True, ["1.0"], tags, backups=backups, backup_keep=2,
                                new_backups={"1.0-prev-eeeeeeeeeeee": "sha256:" + "2" * 64, "1.0-prev-aaaaaaaaaaaa": "sha256:" + "3" * 64})
    assert [t for t, dummy in predicted.delete] == ["0.9", "1.0-prev-aaaaaaaaaaaa", "1.0-prev-bbbbbbbbbbbb", "1.0-prev-cccccccccccc"]
