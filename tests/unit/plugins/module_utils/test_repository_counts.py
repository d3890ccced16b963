# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Counts per selected repository and per entry (issue 18's preview at scale), and the module's lines for them."""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import importer, repository_counts


def result(label, *actions, failed=False):
    return {"label": label, "source": "reg.example.com/team/x:1", "failed": failed, "changed": False,
            "targets": [{"name": "t:%d" % i, "action": a} for i, a in enumerate(actions)], "untagged": []}


ROWS = [repository_counts.row("ns", "ns team/api", "reg.example.com/team/api", "reg.example.com/team/api"),
        repository_counts.row("ns", "ns team/web", "reg.example.com/team/web", "mirror/reg.example.com/team/web"),
        repository_counts.row("other", "other team/db", "reg.example.com/team/db", "reg.example.com/team/db")]


def test_each_repository_counts_its_own_results_and_each_entry_sums_its_repositories():
    results = [result("ns team/api", "would_import"), result("ns team/api", "unchanged"), result("ns team/api", "drifted"),
               result("ns team/web", "would_import"), result("ns team/web", failed=True),
               result("images[3] (docker.io/library/nginx:1)", "would_import")]  # a listed entry: nobody's repository
    counted, totals = repository_counts.tally(ROWS, results, importer.count)
    api, web, db = counted
    assert (api["source_repository"], api["target_repository"], api["selection"]) == ("reg.example.com/team/api", "reg.example.com/team/api", "ns")
    assert (api["counts"]["images"], api["counts"]["would_import"], api["counts"]["unchanged"], api["counts"]["drifted"]) == (3, 1, 1, 1)
    assert (web["counts"]["images"], web["counts"]["would_import"], web["counts"]["failed"]) == (2, 1, 1)
    assert db["counts"]["images"] == 0 and totals["other"]["images"] == 0
    assert (totals["ns"]["images"], totals["ns"]["would_import"], totals["ns"]["unchanged"], totals["ns"]["failed"]) == (5, 2, 1, 1)


def test_lines_show_the_preview_or_the_run_words_and_other_actions_when_not_zero():
    check = {"would_import": 9, "unchanged": 1, "drifted": 0, "failed": 2, "imported": 0}
    assert repository_counts.counts_text(check, True) == "would import 9, unchanged 1, drifted 0, failed 2"
    run = {"imported": 9, "unchanged": 1, "drifted": 3, "failed": 0, "overwritten": 1}
    assert repository_counts.counts_text(run, False) == "imported 9, unchanged 1, failed 0, overwritten 1, drifted 3"
    counted, totals = repository_counts.tally(ROWS[:2], [result("ns team/api", "would_import")], importer.count)
    lines = repository_counts.action_lines([{"label": "ns", "counts": totals["ns"]}, {"label": "gone", "failed": True}], counted, True)
    assert lines == ["Repository selection of ns: 1 images in 2 repositories: would import 1, unchanged 0, drifted 0",
                     "  reg.example.com/team/api -> reg.example.com/team/api: would import 1, unchanged 0, drifted 0",
                     "  reg.example.com/team/web -> mirror/reg.example.com/team/web: would import 0, unchanged 0, drifted 0"]


def test_only_entries_above_twenty_images_are_grouped():
    report = {"repository_selections": [{"label": "big", "counts": {"images": 21}}, {"label": "small", "counts": {"images": 20}},
                                        {"label": "broken", "failed": True}],
              "repository_counts": [{"selection": "big", "label": "big a"}, {"selection": "small", "label": "small b"}]}
    assert repository_counts.grouped(report) == ({"big"}, {"big a"})
