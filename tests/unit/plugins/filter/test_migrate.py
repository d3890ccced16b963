# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""digest_differences, the comparison behind playbooks/migrate.yml's verification."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.acrops.registry.plugins.filter.migrate import digest_differences

A, B, C, D = ("sha256:" + c * 64 for c in "abcd")


def test_the_same_digests_differ_in_nothing_and_extras_in_the_target_are_no_difference():
    source = [{"name": "app", "tags": {"v1": A}, "untagged": [B]}]
    assert digest_differences(source, source + [{"name": "extra", "tags": {}, "untagged": []}]) == []
    assert digest_differences(source, [{"name": "app", "tags": {"v1": A, "v2": C}, "untagged": [B, D]}]) == []
    assert digest_differences([{"name": "app", "tags": {}, "untagged": [B]}], [{"name": "app", "tags": {"x": B}, "untagged": []}]) == [], \
        "an untagged digest the target holds under a tag is there"


def test_each_difference_is_named_per_repository():
    source = [{"name": "app", "tags": {"v1": A, "v2": B, "v3": C}, "untagged": [D]}, {"name": "gone", "tags": {"v1": A}, "untagged": []}]
    target = [{"name": "app", "tags": {"v1": A, "v2": C}, "untagged": []}]
    assert digest_differences(source, target) == [
        "app: tags missing: v3; tags on another digest: v2 (%s, source %s); untagged manifests missing: %s" % (C[:19], B[:19], D),
        "gone: missing in the target (1 tags, 0 untagged)"]


def test_input_that_is_not_a_digest_list_is_refused():
    with pytest.raises(AnsibleFilterError, match="the target must be a list"):
        digest_differences([], {"name": "app"})
