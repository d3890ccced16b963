# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tag policy refusals, notes and explanations word for word, and the limits at their edges (issue 21, mutation testing):
test_tag_policy.py checks a fragment of each; a user reads the whole sentence to know what to write."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils.tag_policy import (
    MAX_LATEST, MAX_PATTERN_LENGTH, PolicyError, Range, explain_empty, parse_policy, parse_tag, select,
)

ESCAPING = "check the escaping, e.g. '1\\.25\\..*'"


@pytest.mark.parametrize("spec, expected", [
    ("1.25", "a tag policy must be a mapping with regex, exclude, semver and/or latest"),
    ({}, "the tag policy is empty: give at least one of regex, exclude, semver or latest"),
    ({"tag_regex": "x", "b": 1, "latest": 1}, "unknown tag policy keys b, tag_regex: use regex, exclude, semver, latest"),
    ({"regex": "("}, "regex '(' is not a valid regular expression (missing ), unterminated subpattern at position 0): " + ESCAPING),
    ({"exclude": "[a-"}, "exclude '[a-' is not a valid regular expression (unterminated character set at position 0): " + ESCAPING),
    ({"regex": []}, "regex must be a regular expression or a non-empty list of them, e.g. '1\\.25\\.[0-9]+'"),
    ({"exclude": 5}, "exclude must be a regular expression or a non-empty list of them, e.g. '1\\.25\\.[0-9]+'"),
    ({"regex": ["a", 1]}, "regex must be a regular expression or a list of them (strings), got 1"),
    ({"regex": "a" * (MAX_PATTERN_LENGTH + 1)}, "regex is 1025 characters long: write a regular expression of at most 1024"),
    ({"latest": 0}, "latest must be at least 1 (and at most 10000), e.g. latest: 5"),
    ({"latest": MAX_LATEST + 1}, "latest must be at least 1 (and at most 10000), e.g. latest: 5"),
    ({"latest": True}, "latest must be a whole number of tags, e.g. latest: 5"),
    ({"latest": "5x"}, "latest must be a whole number of tags, e.g. latest: 5"),
    ({"semver": 1.25}, "semver must be a range written as a string, e.g. '>=1.25 <1.27' (quote it in YAML)"),
    ({"semver": " "}, "semver range is empty: write one, e.g. '>=1.25 <1.27', '~1.25', '^16' or '*'"),
    ({"semver": "1" * (MAX_PATTERN_LENGTH + 1)}, "semver range is 1025 characters long: no range needs more than 1024"),
    ({"semver": "1 ||"}, "semver range '1 ||' has an empty alternative around '||': write e.g. '~1.25 || ~1.27'"),
    ({"semver": "1.2 - 1.4"}, "semver range '1.2 - 1.4': hyphen ranges ('1.2 - 1.4') are not supported; write '>=1.2 <=1.4'"),
    ({"semver": ">=1.25 <"}, "semver range '>=1.25 <': '<' is not a comparator with a version (write e.g. '>=1.25 <1.27')"),
    ({"semver": "~1.x.3"}, "semver range '~1.x.3': '1.x.3' has a number after a wildcard; write e.g. '1.x' or '1.25.x'"),
    ({"semver": ">=abc"}, "semver range '>=abc': 'abc' is not a version (write e.g. '1.25', '1.25.3', 'v2' or '1.x')"),
])
def test_a_policy_that_cannot_work_says_what_to_write(spec, expected):
    with pytest.raises(PolicyError) as caught:
        parse_policy(spec)
    assert str(caught.value) == expected


def test_the_limits_themselves_are_accepted():
    assert parse_policy({"latest": MAX_LATEST}).latest == MAX_LATEST and parse_policy({"latest": 1}).latest == 1
    assert parse_policy({"latest": " 7 "}).latest == 7, "a number written as text, as YAML may give it"
    assert parse_policy({"regex": "a" * MAX_PATTERN_LENGTH}).regex[0].pattern == "a" * MAX_PATTERN_LENGTH
    assert parse_policy({"semver": "1" * MAX_PATTERN_LENGTH}).semver.text == "1" * MAX_PATTERN_LENGTH
    assert parse_policy({"unused": None, "latest": 1}).latest == 1, "keys set to null are as if absent"


TAGS = ["1", "1-alpine", "1.24", "1.24.0", "1.24.0-alpine", "1.25.3", "1.25.3-alpine", "latest", "stable", "a", "b", "c", "d", "e",
        "f"]


def test_a_range_that_names_no_prerelease_explains_the_variants_it_left_out():
    policy = parse_policy({"regex": ".*-alpine", "semver": ">=1.25 <1.27"})
    result = select(policy, TAGS)
    assert (result.selected, result.listed, result.stages) == ([], 15, (("regex", 3), ("semver", 0)))
    note = ("the range '>=1.25 <1.27' names no pre-release, so 1 tag(s) with a '-suffix' in it were left out (e.g. 1.25.3-alpine): "
            "semver reads '-alpine' or '-rc.1' as a pre-release; to mirror variants use regex and latest without semver")
    assert result.notes == (note,)
    assert explain_empty(policy, result) == "none of the 15 tags passed (regex left 3, semver left 0); " + note
    assert explain_empty(policy, select(policy, [])) == "the source repository has no tags"


def test_latest_says_which_tags_it_could_not_rank():
    result = select(parse_policy({"latest": 2}), TAGS)
    assert result.selected == ["1.25.3", "1.25.3-alpine"] and result.stages == (("latest", 2),)
    assert result.notes == ("latest ranks versions only: 8 tag(s) that are not versions were left out (a, b, c, d, e, ...)",)
    policy = parse_policy({"latest": 2, "regex": "[a-e]"})
    result = select(policy, TAGS)
    assert result.notes == ("latest ranks versions only: 5 tag(s) that are not versions were left out (a, b, c, d, e)",)
    assert explain_empty(policy, result) == ("none of the 15 tags passed (regex left 5, latest left 0); latest ranks versions only: "
                                             "5 tag(s) that are not versions were left out (a, b, c, d, e)")
    nothing = select(parse_policy({"regex": "z.*"}), TAGS)
    assert explain_empty(parse_policy({"regex": "z.*"}), nothing) == "none of the 15 tags passed (regex left 0)"


def test_versions_and_ranges_show_as_written():
    assert str(parse_tag("1.2.3-rc.1")) == "1.2.3-rc.1" and str(parse_tag("v1.2")) == "1.2.0"
    assert repr(Range(">=1 <2")) == "Range('>=1 <2')"
