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


def module_result(selection, repositories, per_repository, check_mode=True, fail=None):
    """acr_import's result for one selection of `repositories` paths with `per_repository` tags each (would import all; `fail`:
    the path whose first tag failed)."""
    results, rows = [], []
    for path in repositories:
        label = "%s %s" % (selection, path)
        rows.append({"selection": selection, "label": label, "source_repository": "reg.example.com/" + path, "target_repository": "m/" + path,
                     "counts": {"images": per_repository, "would_import": per_repository - (path == fail), "failed": int(path == fail)}})
        for tag in range(per_repository):
            failed = path == fail and tag == 0
            results.append({"label": label, "selected_by": label, "source": "reg.example.com/%s:%d" % (path, tag), "failed": failed,
                            "msg": "quota" if failed else None,
                            "targets": [] if failed else [{"name": "m/%s:%d" % (path, tag), "action": "would_import" if check_mode else "imported"}]})
    images = len(repositories) * per_repository
    selections = [{"label": selection, "source": "reg.example.com/team", "selected": list(repositories), "listed": len(repositories), "failed": False,
                   "counts": {"images": images, "would_import": images - bool(fail), "failed": int(bool(fail))}}]
    policies = [{"label": row["label"], "source": row["source_repository"], "selected": [str(t) for t in range(per_repository)],
                 "listed": per_repository} for row in rows]
    return {"results": results, "counts": selections[0]["counts"], "repository_selections": selections, "repository_counts": rows,
            "policies": policies}


def test_an_entry_above_twenty_images_is_summarised_one_line_per_repository_and_the_report_keeps_every_image():
    result = module_result("ns", ["team/api", "team/web", "team/db"], 7, fail="team/web")  # 21 images
    report = mirror.mirror_report(result, "r", check_mode=True)
    assert len(report["images"]) == 21 and report["repository_counts"] == result["repository_counts"]
    lines = mirror.mirror_summary(report)
    assert lines[1:] == [
        "  repositories ns: 3 of 3 in reg.example.com/team selected, 21 images: would import 20, unchanged 0, drifted 0, failed 1",
        "    reg.example.com/team/api -> m/team/api: would import 7, unchanged 0, drifted 0",
        "    reg.example.com/team/web -> m/team/web: would import 6, unchanged 0, drifted 0, failed 1 (first failure: reg.example.com/team/web:0: quota)",
        "    reg.example.com/team/db -> m/team/db: would import 7, unchanged 0, drifted 0"], lines


def test_an_entry_of_twenty_images_keeps_its_lines_per_image():
    report = mirror.mirror_report(module_result("ns", ["team/api", "team/web"], 10), "r", check_mode=True)
    lines = mirror.mirror_summary(report, max_changes=100)
    assert "  repositories ns: 2 of 2 in reg.example.com/team selected" in lines
    assert sum(1 for line in lines if line.startswith("  would import  m/team/")) == 20
    assert sum(1 for line in lines if line.startswith("  policy ns team/")) == 2


def test_untagged_all_rides_on_namespace_and_policy_entries_and_is_refused_on_listed_tags():
    out = mirror.mirror_requests([{"source": "team", "source_registry": "oldacr", "repositories": {"regex": ".*"}, "tags": "all",
                                   "untagged": "all"},
                                  {"source": "app", "source_registry": "oldacr", "tags": {"regex": ".*"}, "untagged": "all"}])
    assert [request["untagged"] for request in out] == ["all", "all"]
    with pytest.raises(AnsibleFilterError, match="untagged: all copies the untagged manifests of whole repositories"):
        mirror.mirror_requests([{"source": "oldacr.azurecr.io/app", "tags": ["v1"], "untagged": "all"}])
