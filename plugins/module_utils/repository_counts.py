# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Counts per repository of entries that name a namespace or registry (images[].repositories), so that a registry-wide
preview or run reads by repository (would import / unchanged / drifted, imported / unchanged / failed) with each entry's
totals; and the role's summary lines for such an entry when it expands to more than GROUP_ABOVE images (pure).

A selected repository's results are the ones labelled with its entry's label (repository_selection.expand names each one
"<entry label> <path>"; policy_expansion keeps that label on every selected tag and on a failed tag listing)."""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import planner

GROUP_ABOVE = 20  # an entry that expands to more images than this is summarised one line per repository
# Always shown, zero or not, in this order: what a preview or a run is read for.
SHOWN_CHECK = (planner.WOULD_IMPORT, planner.UNCHANGED, planner.DRIFTED)
SHOWN_RUN = (planner.IMPORTED, planner.UNCHANGED, planner.FAILED)
# Shown when not zero, after those.
OTHERS = (planner.WOULD_OVERWRITE, planner.OVERWRITTEN, planner.DRIFTED, "deferred", planner.EXISTS_UNVERIFIED, planner.UNKNOWN,
          planner.FAILED)


def row(selection, label, source_repository, target_repository):
    """One selected repository, before its results are known: selection is its entry's label (repository_selections[].label),
    label the repository's own entry label (its results' label)."""
    return {"selection": selection, "label": label, "source_repository": source_repository, "target_repository": target_repository}


def tally(rows, results, count):
    """(repository_counts, {selection label: totals}): each row with `counts` over its results, count being the batch's count
    function (importer.count), so that a repository's counts and an entry's totals read like the module's `counts`."""
    by_label = {}
    for item in rows:
        by_label.setdefault(item["label"], [])
    for result in results:
        if result.get("label") in by_label:
            by_label[result["label"]].append(result)
    counted, members = [], {}
    for item in rows:
        mine = by_label.pop(item["label"], [])  # a label two rows share (two entries with one label): counted once, in the first
        counted.append(dict(item, counts=count(mine)))
        members.setdefault(item["selection"], []).extend(mine)
    return counted, dict((selection, count(mine)) for selection, mine in members.items())


def counts_text(counts, check_mode):
    """'would import 9, unchanged 1, drifted 0' (check mode) or 'imported 9, unchanged 1, failed 0', then other actions that
    are not zero."""
    shown = SHOWN_CHECK if check_mode else SHOWN_RUN
    keys = list(shown) + [k for k in OTHERS if k not in shown and counts.get(k)]
    return ", ".join("%s %d" % (k.replace("_", " "), counts.get(k, 0)) for k in keys)


def action_lines(selections, repository_counts, check_mode):
    """The module's lines: per entry its totals, then one line per selected repository."""
    lines = []
    for selection in selections:
        mine = [r for r in repository_counts if r["selection"] == selection["label"]]
        if selection.get("failed") or not mine:
            continue
        totals = selection.get("counts") or {}
        lines.append("Repository selection of %s: %d images in %d repositories: %s" % (
            selection["label"], totals.get("images", 0), len(mine), counts_text(totals, check_mode)))
        lines.extend("  %s -> %s: %s" % (r["source_repository"], r["target_repository"], counts_text(r["counts"], check_mode)) for r in mine)
    return lines


def grouped(report, above=GROUP_ABOVE):
    """The labels of the selections that expand to more than `above` images, and the repository labels of their rows."""
    selections = set(s["label"] for s in report.get("repository_selections") or []
                     if not s.get("failed") and (s.get("counts") or {}).get("images", 0) > above)
    labels = set(r["label"] for r in report.get("repository_counts") or [] if r["selection"] in selections)
    return selections, labels


def summary_lines(selection, report):
    """The summary's lines of a grouped selection: one per repository, its counts, and its first failure with the reason
    (the JSON report has every image)."""
    check_mode = bool(report.get("check_mode"))
    first_failure = {}
    for image in report.get("images") or []:
        if image.get("failed") and image.get("label") not in first_failure:
            first_failure[image.get("label")] = "%s: %s" % (image.get("source"), image.get("error"))
    lines = []
    for item in report.get("repository_counts") or []:
        if item["selection"] != selection:
            continue
        failure = first_failure.get(item["label"])
        lines.append("    %s -> %s: %s%s" % (item["source_repository"], item["target_repository"], counts_text(item["counts"], check_mode),
                                             " (first failure: %s)" % failure if failure else ""))
    return lines
