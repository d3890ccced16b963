# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tag policies: version reading, npm-style ranges, and selection over realistic tag sets."""

from __future__ import annotations

import random

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import tag_policy
from ansible_collections.acrops.registry.plugins.module_utils.tag_policy import PolicyError, Range, parse_policy, parse_tag, select

# Shaped like Docker Hub's library/nginx: patch releases, minor and major aliases, variants, words.
NGINX = ["1", "1-alpine", "1.24", "1.24.0", "1.24.0-alpine", "1.24-alpine", "1.25", "1.25.0", "1.25.1", "1.25.2", "1.25.3",
         "1.25.3-alpine", "1.25.3-alpine-slim", "1.25.3-perl", "1.25-alpine", "1.26", "1.26.0", "1.26.1", "1.26.1-alpine",
         "1.26.2", "1.27.0-rc.1", "1.27", "1.27.0", "1.27.1", "alpine", "alpine-slim", "latest", "mainline", "perl", "stable",
         "stable-alpine"]
# Shaped like library/node: majors with distro variants and words.
NODE = ["16", "16.20.2", "18", "18.19.0", "18.19.0-alpine3.19", "18-bookworm-slim", "20", "20.10.0", "20.11.0", "20.11.0-alpine",
        "20.11.0-bookworm", "20-alpine", "21", "21.5.0", "22.0.0-nightly20240101", "current", "hydrogen", "iron", "latest", "lts",
        "lts-alpine"]
# Tags of a nightly build pipeline: dates, date-times, commit ids, words.
NIGHTLY = ["20240103", "20240105", "20231230", "2024-01-05", "2024-01-06", "nightly-2024-01-05", "sha-3f2a9c1", "main", "latest"]
# A project with v-prefixed releases and pre-releases.
APP = ["v1.9.0", "v2.0.0-alpha.1", "v2.0.0-alpha.2", "v2.0.0-beta.1", "v2.0.0-rc.1", "v2.0.0", "v2.0.1", "v2.1.0-rc.1", "v2.1.0", "v10.0.0",
       "edge"]


def pick(spec, tags):
    return select(parse_policy(spec), tags).selected


# ---- reading versions from tags -----------------------------------------------------------------------------------
@pytest.mark.parametrize("tag, expected", [
    ("1.25.3", (1, 25, 3, (), 3)),
    ("v1.25.3", (1, 25, 3, (), 3)),
    ("V2", (2, 0, 0, (), 1)),
    ("1.25", (1, 25, 0, (), 2)),
    ("16", (16, 0, 0, (), 1)),
    ("22.04", (22, 4, 0, (), 2)),
    ("1.25.3-alpine", (1, 25, 3, ("alpine",), 3)),
    ("1.25-alpine", (1, 25, 0, ("alpine",), 2)),
    ("2.0.0-rc.1", (2, 0, 0, ("rc", 1), 3)),
    ("18.19.0-alpine3.19", (18, 19, 0, ("alpine3", 19), 3)),
    ("20240105", (20240105, 0, 0, (), 1)),
    ("0.0.0", (0, 0, 0, (), 3)),
])
def test_tags_that_are_versions(tag, expected):
    assert tuple(parse_tag(tag)) == expected


@pytest.mark.parametrize("tag", ["latest", "stable", "alpine", "1.2.3.4", "sha-3f2a9c1", "nightly-2024-01-05", "v", "1.", "1..2", "-1",
                                 "1.2.3-", "1.2.3-a..b", "1_2", "", None, 5, ".1"])
def test_tags_that_are_not_versions(tag):
    assert parse_tag(tag) is None


def test_version_precedence_is_semvers():
    ordered = ["1.0.0-0", "1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
               "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0", "10.0.0"]
    shuffled = list(ordered)
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=lambda t: parse_tag(t).key) == ordered


# ---- ranges --------------------------------------------------------------------------------------------------------
RANGE_CASES = [
    # (range, in, out)
    (">=1.25 <1.27", ["1.25.0", "1.25.3", "1.26.9", "v1.26.2", "1.25", "1.26"], ["1.24.9", "1.27.0", "1", "2.0.0", "1.27"]),
    (">=1.25.0 <1.27.0", ["1.25.0", "1.26.99"], ["1.24.0", "1.27.0"]),
    (">= 1.25   < 1.27", ["1.25.1"], ["1.27.0"]),
    ("1.25", ["1.25.0", "1.25.9", "1.25"], ["1.24.0", "1.26.0"]),
    ("=1.25.3", ["1.25.3", "v1.25.3"], ["1.25.2", "1.25.4"]),
    ("1.25.3", ["1.25.3"], ["1.25.30"]),
    ("16", ["16", "16.20.2", "16.0.0"], ["15.9.9", "17.0.0"]),
    (">1.25", ["1.26.0", "2.0.0"], ["1.25.9", "1.25.0"]),
    (">1.25.3", ["1.25.4"], ["1.25.3"]),
    ("<=1.25", ["1.25.9", "1.0.0"], ["1.26.0"]),
    ("<=1.25.3", ["1.25.3"], ["1.25.4"]),
    ("<2", ["1.99.99"], ["2.0.0"]),
    ("~1.25.2", ["1.25.2", "1.25.9"], ["1.25.1", "1.26.0"]),
    ("~1.25", ["1.25.0", "1.25.9"], ["1.26.0", "1.24.9"]),
    ("~1", ["1.0.0", "1.99.0"], ["2.0.0", "0.9.0"]),
    ("^1.25.2", ["1.25.2", "1.99.0"], ["1.25.1", "2.0.0"]),
    ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0", "0.2.2"]),
    ("^0.0.3", ["0.0.3"], ["0.0.4"]),
    ("^16", ["16.0.0", "16.99.0"], ["17.0.0", "15.0.0"]),
    ("^0.2", ["0.2.0", "0.2.9"], ["0.3.0"]),
    ("1.x", ["1.0.0", "1.99.0"], ["2.0.0"]),
    ("1.25.x", ["1.25.4"], ["1.26.0"]),
    ("*", ["0.0.1", "99.0.0"], []),
    ("x", ["1.0.0"], []),
    ("~1.25 || ~1.27", ["1.25.3", "1.27.1"], ["1.26.0", "1.28.0"]),
    (">=16 <17 || >=20", ["16.20.2", "20.11.0", "21.0.0"], ["18.19.0"]),
    ("v1.25", ["1.25.1"], ["1.26.0"]),
]


@pytest.mark.parametrize("text, inside, outside", RANGE_CASES, ids=[c[0] for c in RANGE_CASES])
def test_ranges(text, inside, outside):
    rng = Range(text)
    for tag in inside:
        assert rng.contains(parse_tag(tag)), "%s should be in %s" % (tag, text)
    for tag in outside:
        assert not rng.contains(parse_tag(tag)), "%s should not be in %s" % (tag, text)


@pytest.mark.parametrize("text, inside, outside", [
    # npm: pre-releases only when a comparator names one of the same major.minor.patch
    (">=1.25 <1.27", [], ["1.25.3-alpine", "1.26.0-rc.1", "1.27.0-rc.1", "1.25-alpine"]),
    ("*", [], ["1.0.0-rc.1"]),
    (">=2.0.0-beta.1 <3", ["2.0.0-beta.1", "2.0.0-rc.1", "2.0.0", "2.1.0"], ["2.0.0-alpha.2", "2.1.0-rc.1"]),
    (">=2.0.0-rc.1", ["2.0.0-rc.1", "2.0.0-rc.2", "3.0.0"], ["2.0.0-beta.1", "3.0.0-rc.1"]),
    ("1.25.3-alpine", ["1.25.3-alpine"], ["1.25.3-alpine-slim", "1.25.3"]),
    ("^1.25.3-alpine", ["1.25.3-alpine", "1.25.3-perl", "1.25.3", "1.26.0"], ["1.26.0-alpine"]),
])
def test_prerelease_rule_as_npm(text, inside, outside):
    test_ranges(text, inside, outside)


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    ("   ", "empty"),
    (">=1.25 <", "'<' is not a comparator"),
    ("banana", "not a version"),
    (">=1.x.3", "after a wildcard"),
    ("1.2 - 1.4", "hyphen ranges"),
    ("~1.25 ||", "empty alternative"),
    ("=>1.25", "not a comparator"),
    ("1.2.3.4", "not a version"),
    ("9" * 2000, "characters long"),
])
def test_bad_ranges_say_what_to_write(text, fragment):
    with pytest.raises(PolicyError, match=fragment):
        Range(text)


# ---- policies ------------------------------------------------------------------------------------------------------
def test_regex_is_a_full_match_allow_list():
    assert pick({"regex": r"1\.25\.[0-9]+"}, NGINX) == ["1.25.3", "1.25.2", "1.25.1", "1.25.0"]
    assert pick({"regex": "1.25"}, NGINX) == ["1.25"], "full match: '1.25' must not select 1.25.3 (nor 1.25-alpine)"
    assert pick({"regex": [r"1\.24\.0", "stable"]}, NGINX) == ["1.24.0", "stable"]


def test_exclude_is_a_full_match_deny_list():
    kept = pick({"exclude": [".*alpine.*", ".*perl.*", "[a-z]+"]}, NGINX)
    assert "1.25.3" in kept and "1" in kept
    assert not [t for t in kept if "alpine" in t or "perl" in t or t.isalpha()]
    assert pick({"regex": "1\\.25.*", "exclude": ".*-.*"}, NGINX) == ["1.25.3", "1.25.2", "1.25.1", "1.25.0", "1.25"]


def test_semver_selects_releases_in_range_and_ignores_words_and_variants():
    assert pick({"semver": ">=1.25 <1.27"}, NGINX) == ["1.26.2", "1.26.1", "1.26.0", "1.26", "1.25.3", "1.25.2", "1.25.1", "1.25.0", "1.25"]
    assert pick({"semver": "^2", "regex": "v.*"}, APP) == ["v2.1.0", "v2.0.1", "v2.0.0"]
    assert pick({"semver": ">=16 <17"}, NODE) == ["16.20.2", "16"]


def test_latest_keeps_the_newest_versions():
    assert pick({"latest": 3}, APP) == ["v10.0.0", "v2.1.0", "v2.1.0-rc.1"], "latest alone ranks pre-releases too"
    assert pick({"semver": "*", "latest": 3}, APP) == ["v10.0.0", "v2.1.0", "v2.0.1"], "a range keeps releases only"
    assert pick({"semver": ">=1.25", "latest": 2}, NGINX) == ["1.27.1", "1.27.0"]
    assert pick({"regex": r"[0-9.]+-alpine", "latest": 2}, NGINX) == ["1.26.1-alpine", "1.25.3-alpine"]
    assert pick({"regex": r"[0-9]+\.[0-9]+\.[0-9]+", "latest": 100}, NGINX) == [
        "1.27.1", "1.27.0", "1.26.2", "1.26.1", "1.26.0", "1.25.3", "1.25.2", "1.25.1", "1.25.0", "1.24.0"]


def test_latest_breaks_ties_between_aliases_deterministically():
    assert pick({"regex": r"1\.26(\.0)?", "latest": 1}, NGINX) == ["1.26.0"]
    assert pick({"regex": r"1\.26(\.0)?", "latest": 2}, list(reversed(NGINX))) == ["1.26.0", "1.26"]


def test_latest_drops_tags_that_are_not_versions_and_says_so():
    result = select(parse_policy({"latest": 2}), NIGHTLY)
    assert result.selected == ["20240105", "20240103"]
    assert any("not versions" in note and "latest" in note and "main" in note for note in result.notes)
    words = select(parse_policy({"regex": "[a-z]+", "latest": 5}), NGINX)
    assert words.selected == [] and words.notes


def test_dates_and_words_without_latest():
    assert pick({"regex": "[0-9]{8}"}, NIGHTLY) == ["20240105", "20240103", "20231230"]
    assert pick({"regex": "nightly-.*|main"}, NIGHTLY) == ["main", "nightly-2024-01-05"]
    assert pick({"semver": ">=20240101"}, NIGHTLY) == ["20240105", "20240103"], "'2024-01-05' is a pre-release in semver's grammar"


def test_filters_combine_in_order():
    spec = {"regex": r"[0-9]+\.[0-9]+\.[0-9]+(-alpine)?", "exclude": r"1\.26\..*", "semver": ">=1.25 <1.28", "latest": 3}
    result = select(parse_policy(spec), NGINX)
    assert result.selected == ["1.27.1", "1.27.0", "1.25.3"]
    assert result.stages == (("regex", 13), ("exclude", 9), ("semver", 6), ("latest", 3))
    assert result.listed == len(NGINX)


def test_nothing_selected_is_explained():
    policy = parse_policy({"regex": ".*-alpine", "semver": ">=1.25 <1.27"})
    result = select(policy, NGINX)
    assert result.selected == []
    text = tag_policy.explain_empty(policy, result)
    assert "regex left" in text and "semver left 0" in text and "pre-release" in text and "1.25.3-alpine" in text
    assert "no tags" in tag_policy.explain_empty(policy, select(policy, []))


def test_duplicates_and_non_strings_in_the_listing_are_harmless():
    assert pick({"regex": "1.*"}, ["1.0.0", "1.0.0", None, 3, "1.0.1"]) == ["1.0.1", "1.0.0"]


def test_selection_is_independent_of_listing_order():
    shuffled = list(NGINX)
    random.Random(3).shuffle(shuffled)
    for spec in ({"semver": "~1.25"}, {"latest": 4}, {"regex": ".*alpine.*"}, {"exclude": "1.*"}):
        assert pick(spec, shuffled) == pick(spec, NGINX)


def test_describe_echoes_the_policy():
    policy = parse_policy({"regex": "1\\..*", "exclude": [".*-rc.*"], "semver": "~1.25", "latest": 2})
    assert policy.describe() == {"regex": ["1\\..*"], "exclude": [".*-rc.*"], "semver": "~1.25", "latest": 2}
    assert parse_policy({"latest": "5"}).latest == 5


@pytest.mark.parametrize("spec, fragment", [
    ("1.25", "mapping"),
    ({}, "empty"),
    ({"regex": None, "latest": None}, "empty"),
    ({"tag_regex": "x"}, "unknown tag policy keys tag_regex"),
    ({"regex": "("}, "not a valid regular expression"),
    ({"exclude": "[a-"}, "not a valid regular expression"),
    ({"regex": []}, "non-empty list"),
    ({"regex": [1]}, "strings"),
    ({"regex": ""}, "strings"),
    ({"latest": 0}, "at least 1"),
    ({"latest": -3}, "at least 1"),
    ({"latest": True}, "whole number"),
    ({"latest": "five"}, "whole number"),
    ({"latest": 1.5}, "whole number"),
    ({"semver": 1.25}, "quote it"),
    ({"semver": ">=1.25 <"}, "not a comparator"),
    ({"regex": "a" * 2000}, "characters long"),
])
def test_bad_policies_say_what_to_write(spec, fragment):
    with pytest.raises(PolicyError, match=fragment):
        parse_policy(spec)


def _inside(range_text, *tags):
    found = Range(range_text)
    return [tag for tag in tags if found.contains(parse_tag(tag))]


def test_wildcards_in_either_case_and_comparisons_with_any_version():
    assert _inside("1.X", "1.0.0", "1.9.3", "2.0.0", "0.9.0") == ["1.0.0", "1.9.3"]
    assert _inside("1.25.X", "1.25.0", "1.25.7", "1.26.0") == ["1.25.0", "1.25.7"]
    for text in ("<*", ">*", "<x", ">X"):  # npm: nothing is below or above every version
        assert _inside(text, "0.0.0", "1.0.0", "99.0.0") == [], text
    assert _inside(">=*", "0.0.0", "99.0.0") == ["0.0.0", "99.0.0"]
    with pytest.raises(PolicyError, match="number after a wildcard"):
        Range("1.X.3")


def test_tilde_arrow_is_tilde():
    assert _inside("~>1.25.3", "1.25.2", "1.25.3", "1.25.9", "1.26.0") == ["1.25.3", "1.25.9"]


def test_a_partial_version_with_a_prerelease_is_the_patch_zero_prerelease():
    # '1.25-rc.1' is 1.25.0-rc.1 exactly, and names that pre-release (npm's rule lets 1.25.0 pre-releases in).
    assert _inside("1.25-rc.1", "1.25.0-rc.1", "1.25.0-rc.2", "1.25.0", "1.25.1-rc.1") == ["1.25.0-rc.1"]
    assert _inside(">=1.25-rc.1 <1.26", "1.24.9", "1.25.0-rc.0", "1.25.0-rc.2", "1.25.0", "1.25.4") == ["1.25.0-rc.2", "1.25.0", "1.25.4"]
    assert _inside(">=2-beta", "1.9.0", "2.0.0-alpha", "2.0.0-beta", "2.0.0") == ["2.0.0-beta", "2.0.0"]


def test_the_prerelease_note_only_when_variants_are_all_that_was_in_range():
    assert select(parse_policy({"semver": ">=9"}), NGINX).notes == (), "nothing in range, no variant left out: nothing to say"
    assert select(parse_policy({"semver": "~1.25"}), NGINX).notes == (), "releases were kept: the variants are not the point"
    variants = ["1.25.0-alpine", "1.25.1-alpine", "1.25.2-alpine", "1.25.3-alpine", "latest"]
    assert select(parse_policy({"semver": "~1.25"}), variants).notes == (
        "the range '~1.25' names no pre-release, so 4 tag(s) with a '-suffix' in it were left out (e.g. 1.25.0-alpine, 1.25.1-alpine, "
        "1.25.2-alpine): semver reads '-alpine' or '-rc.1' as a pre-release; to mirror variants use regex and latest without semver",)


def test_latest_lists_five_unranked_tags_then_an_ellipsis():
    six = ["a", "b", "c", "d", "e", "f", "1.0.0"]
    assert select(parse_policy({"latest": 1}), six).notes == (
        "latest ranks versions only: 6 tag(s) that are not versions were left out (a, b, c, d, e, ...)",)


def test_ranges_that_name_no_prerelease_keep_pre_releases_out_at_every_bound():
    assert _inside("*", "0.0.0-alpha", "0.0.0", "3.1.0-rc.1", "3.1.0") == ["0.0.0", "3.1.0"]
    for text in ("1.25", "^1.25", ">=1.25", "~1.25"):
        assert _inside(text, "1.25.0-rc.1", "1.25.0", "1.25.2") == ["1.25.0", "1.25.2"], text
    assert _inside(">1.25", "1.26.0-rc.1", "1.26.0") == ["1.26.0"]
    assert _inside("~1.25.3-rc.1", "1.25.3-rc.2", "1.25.3", "1.25.9", "1.26.0") == ["1.25.3-rc.2", "1.25.3", "1.25.9"]


def test_caret_and_equals_on_partial_versions():
    assert _inside("^1.25", "1.24.9", "1.25.0", "1.30.0", "2.0.0") == ["1.25.0", "1.30.0"]
    assert _inside("^0", "0.0.1", "0.5.0", "1.0.0") == ["0.0.1", "0.5.0"]
    assert _inside("=1.25", "1.24.0", "1.25.0", "1.25.8", "1.26.0") == ["1.25.0", "1.25.8"]


@pytest.mark.parametrize("text, outside", [
    ("~1.25.3 >=1.26.0-rc.1", "1.26.0-rc.1"), ("^1.2.3 >=2.0.0-rc.1", "2.0.0-rc.1"), ("^0.2.3 >=0.3.0-rc.1", "0.3.0-rc.1"),
    ("^0.0.3 >=0.0.4-rc.1", "0.0.4-rc.1"), ("1 >=2.0.0-rc.1", "2.0.0-rc.1"), ("1.25 >=1.26.0-rc.1", "1.26.0-rc.1"),
    ("^1.25 >=2.0.0-rc.1", "2.0.0-rc.1"), ("^0.25 >=0.26.0-rc.1", "0.26.0-rc.1"), ("<1.25 >=1.25.0-rc.1", "1.25.0-rc.1"),
])
def test_an_upper_bound_excludes_the_next_lines_pre_releases_even_when_named(text, outside):
    # npm: '~1.25.3' ends at <1.26.0-0, below every 1.26.0 pre-release; a comparator naming one does not reopen it.
    assert _inside(text, outside) == []


def test_a_range_must_be_text():
    for value in (None, 5, ["1"]):
        with pytest.raises(PolicyError, match="semver range is empty"):
            Range(value)
