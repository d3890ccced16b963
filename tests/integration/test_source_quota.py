# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker Hub pull quota (issue 19): with credentials for docker.io, acr_import reads the account's remaining pulls from the
free HEAD it sends anyway (ratelimit-remaining, counted per account by the stand-in's Docker Hub front), submits what fits
and reports the rest deferred with the time the window resets; a run after the window reset imports the deferred ones."""

from __future__ import annotations

import calendar
import time

import pytest

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
LIMIT = 5


def imports_of(standin, names):
    bodies = [e["body"] for e in standin.control.log() if e["route"] == "arm:import" and isinstance(e.get("body"), dict)]
    return [b for b in bodies if any(n + ":" in str(b.get("source", {}).get("sourceImage")) for n in names)]


def test_imports_beyond_the_accounts_pull_quota_are_deferred_then_completed_after_the_window(standin, ansible, repo):
    dockerhub = standin.env["sources"]["dockerhub"]
    names = ["%s-%d" % (repo, index) for index in range(8)]
    for name in names:
        standin.push("dockerhub", "library/" + name, "1", **SMALL)
    login = {"docker.io": {"username": dockerhub["username"], "password": "{{ lookup('ansible.builtin.env', 'HUB_PASSWORD') }}"}}
    env = {"HUB_PASSWORD": dockerhub["password"]}

    def task(chunk, **options):
        return {"acrops.registry.acr_import": dict({"registry": "standinacr", "images": [{"source": n + ":1"} for n in chunk],
                                                    "source_credentials": login, "concurrency": 1}, **options)}

    standin.control.settings(dockerhub_pull_limit=LIMIT)
    started = time.time()
    run = ansible.tasks([
        task(names[0:2]),                                          # enough: 2 of 5 pulls
        task(names[2:6], source_rate_limit={"min_remaining": 1}),  # too few: 3 left, 1 kept back -> 2 submitted, 2 deferred
        task(names[6:8], source_rate_limit={"min_remaining": 1}),  # none: 1 left, kept back -> nothing submitted
    ], env=env)
    enough, too_few, none = (run.results["r%d" % i] for i in range(3))
    for result in (enough, too_few, none):
        assert not result.get("failed"), run
    assert enough["counts"]["imported"] == 2 and "deferred" not in enough["counts"], enough["counts"]
    assert too_few["counts"]["imported"] == 2 and too_few["counts"]["deferred"] == 2, too_few["counts"]
    assert none["counts"]["imported"] == 0 and none["counts"]["deferred"] == 2 and not none["changed"], none["counts"]
    assert not imports_of(standin, names[6:8]), "nothing submitted when the quota is spent"
    deferred = [r for r in too_few["results"] + none["results"] if r.get("deferred")]
    assert len(deferred) == 4 and all(r["targets"][0]["action"] == "deferred" and r["targets"][0]["after"] is None for r in deferred)
    # The reset time is the latest the account's window (w=21600 s) can end: six hours after the quota was read.
    for result in deferred:
        assert calendar.timegm(time.strptime(result["deferred_until"], "%Y-%m-%dT%H:%M:%SZ")) >= int(started) + 21600 - 1, result
    assert any("not imported: the Docker Hub pull quota" in w and "run again after" in w for w in none["warnings"]), none

    # The window resets (the stand-in forgets the pulls): the next run imports what was deferred, the rest is current.
    standin.control.reset(storage=False)  # what was imported stays imported
    standin.control.settings(dockerhub_pull_limit=LIMIT)
    again = ansible.tasks([task(names[2:8])], env=env).results["r0"]
    assert not again.get("failed") and again["counts"]["imported"] == 4 and again["counts"]["unchanged"] == 2, again["counts"]
    assert "deferred" not in again["counts"]
