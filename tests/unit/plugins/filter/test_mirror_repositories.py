# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's entries that name a namespace or registry (issue 18): passed to acr_import with the prefix and the host's
credentials; what the module checks again is only shaped here."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.acrops.registry.plugins.filter import mirror

CREDENTIALS = {"registry.example.com": {"username": "bot", "password": "s3cret"}, "ghcr.io": {"password": "other"}}


def test_a_namespace_entry_becomes_one_module_entry_with_prefix_credentials_and_tags():
    out = mirror.mirror_requests([{"source": "registry.example.com/team", "repositories": {"regex": "api"}, "tags": "all", "max_tags": 9,
                                   "_label": "ns"},
                                  {"source": "team", "source_registry": "devacr", "repositories": {"exclude": "tmp"},
                                   "tags": {"latest": 2}, "_label": "acr"}], "mirror/", CREDENTIALS, True)
    assert out[0] == {"source": "registry.example.com/team", "repositories": {"regex": "api"}, "tags": "all", "max_tags": 9, "force": True,
                      "label": "ns", "target_prefix": "mirror/", "source_username": "bot", "source_password": "s3cret"}
    assert out[1] == {"source": "team", "source_registry": "devacr", "repositories": {"exclude": "tmp"}, "tag_policy": {"latest": 2},
                      "force": True, "label": "acr", "target_prefix": "mirror/"}


@pytest.mark.parametrize("entry, words", [
    ({"targets": ["x"]}, "drop targets"),
    ({"tags": {"newest": 1}}, "unknown tag policy keys"),
    ({"mirror": True}, "unknown keys mirror"),
])
def test_refusals(entry, words):
    entry = dict({"source": "registry.example.com/team", "repositories": {"regex": ".*"}, "tags": "all"}, **entry)
    with pytest.raises(AnsibleFilterError, match=words):
        mirror.mirror_requests([entry], "", CREDENTIALS, True)


def test_the_report_lists_the_repository_selections():
    selections = [{"label": "ns", "source": "registry.example.com/team", "selected": ["team/api"], "listed": 2, "failed": False}]
    report = mirror.mirror_report({"results": [], "counts": {}, "repository_selections": selections, "tag_list_requests": 1}, "r")
    assert report["repository_selections"] == selections and report["tag_list_requests"] == 1


def test_the_summary_says_what_each_selection_selected_or_why_it_failed():
    selections = [{"label": "ns", "source": "registry.example.com/team", "selected": ["team/api"], "listed": 2, "failed": False},
                  {"label": "hub", "source": "ghcr.io/org", "selected": [], "listed": None, "failed": True, "msg": "ghcr.io serves no catalog"}]
    lines = mirror.mirror_summary({"counts": {}, "images": [], "repository_selections": selections})
    assert "  repositories ns: 1 of 2 in registry.example.com/team selected" in lines
    assert "  repositories hub: failed: ghcr.io serves no catalog" in lines


def test_untagged_all_rides_on_namespace_and_policy_entries_and_is_refused_on_listed_tags():
    out = mirror.mirror_requests([{"source": "team", "source_registry": "oldacr", "repositories": {"regex": ".*"}, "tags": "all",
                                   "untagged": "all"},
                                  {"source": "app", "source_registry": "oldacr", "tags": {"regex": ".*"}, "untagged": "all"}])
    assert [request["untagged"] for request in out] == ["all", "all"]
    with pytest.raises(AnsibleFilterError, match="untagged: all copies the untagged manifests of whole repositories"):
        mirror.mirror_requests([{"source": "oldacr.azurecr.io/app", "tags": ["v1"], "untagged": "all"}])
