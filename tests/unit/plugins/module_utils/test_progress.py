# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""progress.Progress (issue 19): the counts, the per-image lines and the estimate of the time left, on an injected clock."""

from __future__ import annotations

import threading

from ansible_collections.acrops.registry.plugins.module_utils import progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def imported(name):
    return {"source": name, "changed": True, "targets": [{"name": name, "action": "imported"}]}


def unchanged(name):
    return {"source": name, "changed": False, "targets": [{"name": name, "action": "unchanged"}]}


def test_counts_per_image_lines_and_an_estimate_from_the_observed_pace():
    shown, clock = [], Clock()
    told = progress.Progress(4, lambda line, verbosity: shown.append((verbosity, line)), interval=0, clock=clock)
    assert told.line() == "acr_import: 0/4 done (imported 0, unchanged 0, failed 0, running 0), time left unknown until an image finishes"
    for name in ("a:1", "b:1", "c:1"):
        told.started(name)
    clock.now += 30
    told.finished("a:1", imported("a:1"), 30)
    told.finished("b:1", {"source": "b:1", "failed": True, "msg": "HTTP 503"}, 2)
    assert told.line() == "acr_import: 2/4 done (imported 1, unchanged 0, failed 1, running 1), about 30s left"
    told.finished("c:1", unchanged("c:1"), 0.4)
    assert shown == [(1, "acr_import [1/4] imported a:1 in 30s"), (1, "acr_import [2/4] failed b:1 in 2s: HTTP 503"),
                     (1, "acr_import [3/4] unchanged c:1 in 0s")]
    clock.now += 3570
    assert told.line().endswith("3/4 done (imported 1, unchanged 1, failed 1, running 0), about 20m00s left")


def test_the_ticker_tells_the_line_until_stopped_and_not_at_all_with_interval_0():
    lines = []
    two = threading.Event()

    def show(line, verbosity):
        lines.append((verbosity, line))
        if len(lines) >= 2:
            two.set()

    told = progress.Progress(1, show, interval=0.01).start()
    assert two.wait(30)
    told.stop()
    count = len(lines)
    assert all(verbosity == 0 and line.startswith("acr_import: 0/1 done") for verbosity, line in lines)
    off = progress.Progress(1, show, interval=0).start()
    off.stop()
    assert off._ticker is None and len(lines) == count  # pylint: disable=protected-access


def test_outcome_words():
    assert progress.outcome_of({"failed": True}) == "failed"
    assert progress.outcome_of({"deferred": True, "targets": [{"action": "deferred"}]}) == "deferred"
    assert progress.outcome_of({"targets": [{"action": "would_import"}]}) == "imported"
    assert progress.outcome_of({"targets": [{"action": "drifted"}]}) == "drifted"
    assert progress.outcome_of({"targets": [{"action": "unchanged"}], "untagged": []}) == "unchanged"
    assert [progress.duration(s) for s in (0.4, 59, 61, 3725)] == ["0s", "59s", "1m01s", "1h02m"]


def test_the_listing_line_counts_the_ended_listings():
    listing = progress.ListingProgress(40, lambda line, verbosity: None, interval=0)
    for dummy in range(12):
        listing.finished(object())
    assert listing.line() == "acr_import: listing tags: 12/40 repositories"
    assert listing.start()._ticker is None  # interval 0: no ticker  # pylint: disable=protected-access
    listing.stop()
