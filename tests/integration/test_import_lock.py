# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's `lock` in one real ansible-playbook run against the stand-in: after a verified import and on a tag found
current, check mode exact (would_lock, nothing PATCHed), idempotent, a locked tag that holds the digest is unchanged."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("standin_clean")

LOCKED = {"writeEnabled": False, "deleteEnabled": False}


def patches(standin):
    return [e for e in standin.control.log() if e["method"] == "PATCH" and e["status"] == 200]


def test_lock_after_import_and_on_current_tags(standin, ansible, repo):
    new = standin.push("dockerhub", "library/" + repo, "1", platforms="linux/amd64")
    current = standin.push("dockerhub", "library/" + repo, "2", platforms="linux/amd64", seed="current")
    assert standin.push("standinacr", repo, "2", platforms="linux/amd64", seed="current") == current  # already mirrored, unlocked

    def imp(check=False, **params):
        task = {"acrops.registry.acr_import": dict({"registry": "standinacr", "lock": True}, **params)}
        return dict(task, check_mode=True, diff=True) if check else task

    run = ansible.tasks([
        imp(check=True, source="%s:1" % repo),                                    # r0 would import and lock
        imp(source="%s:1" % repo),                                                # r1 imports, verifies, locks
        imp(source="%s:1" % repo, force=True),                                    # r2 locked and current: unchanged
        imp(check=True, images=[{"source": "%s:2" % repo}]),                      # r3 current: would lock
        imp(images=[{"source": "%s:2" % repo}, {"source": "%s:1" % repo, "lock": False}], lock=True),  # r4 locks 2; 1 opts out
        imp(images=[{"source": "%s:2" % repo}]),                                  # r5 unchanged
    ])
    r = [run.results["r%d" % i] for i in range(6)]
    assert not any(x.get("failed") for x in r), r
    name1, name2 = "%s:1" % repo, "%s:2" % repo

    assert r[0]["changed"] is True and r[0]["targets"][0]["action"] == "would_import"
    assert r[0]["targets"][0]["lock"] == {"action": "would_lock", "before": None, "after": LOCKED}
    assert r[0]["diff"]["after"]["locks"] == {name1: LOCKED} and "Would lock %s (writeEnabled and deleteEnabled false)" % name1 in r[0]["actions"]
    assert r[1]["targets"][0]["action"] == "imported" and r[1]["verified"] is True
    assert r[1]["targets"][0]["lock"] == {"action": "locked", "before": {"writeEnabled": True, "deleteEnabled": True}, "after": LOCKED}
    assert r[2]["changed"] is False and r[2]["targets"][0]["action"] == "unchanged" and r[2]["targets"][0]["lock"]["action"] == "unchanged"

    [current3] = r[3]["results"]
    assert r[3]["changed"] is True and current3["targets"][0]["action"] == "unchanged"
    assert current3["targets"][0]["lock"]["action"] == "would_lock" and r[3]["diff"]["before"]["locks"] == {
        name2: {"writeEnabled": True, "deleteEnabled": True}}
    locked4, opted_out = r[4]["results"]
    assert r[4]["changed"] is True and locked4["targets"][0]["lock"]["action"] == "locked" and "lock" not in opted_out["targets"][0]
    assert r[5]["changed"] is False and r[5]["results"][0]["targets"][0]["lock"]["action"] == "unchanged"

    for tag, digest in (("1", new), ("2", current)):
        assert standin.acr_digest("standinacr", repo, tag) == digest
        assert {k: v for k, v in standin.acr_tag_attributes("standinacr", repo, tag).items() if k in LOCKED} == LOCKED
    assert len(patches(standin)) == 2  # r1 and r4: check mode PATCHed nothing, locked tags were not PATCHed again
