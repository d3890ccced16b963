# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's `backup_keep` end to end, through ansible-playbook against the stand-in: force overwrites with `backup` and
`prune` leave more backup tags than backup_keep; exactly the newest backup_keep (by creation, not by name) survive, check mode
predicts exactly that deletion (counting the backups the run would make) and deletes nothing, a second run changes nothing."""

from __future__ import annotations

import pytest
from standin_reads import deletes

pytestmark = pytest.mark.usefixtures("standin_clean")

AMD64 = "linux/amd64"


def test_backup_keep_keeps_the_newest_backups(standin, ansible, repo):
    upstream = "library/" + repo
    build = {}
    for name, tag in (("a0", "1.0.0"), ("b0", "1.1.0")):
        build[name] = standin.push("standinacr", repo, tag, platforms=AMD64, seed=name)
        assert standin.push("dockerhub", upstream, tag, platforms=AMD64, seed=name) == build[name]

    def backup(tag, digest):
        return "%s:%s-prev-%s" % (repo, tag, digest.split(":")[1][:12])

    policy = {"registry": "standinacr", "source": "docker.io/" + upstream, "tag_policy": {"latest": 2}, "force": True, "prune": True,
              "backup": "{tag}-prev-{before_digest12}", "backup_keep": 2}
    # First overwrite: 1.1.0 only. Its backup sorts after 1.0.0's by name, but it is the oldest.
    build["b1"] = standin.push("dockerhub", upstream, "1.1.0", platforms=AMD64, seed="b1")
    first, dummy = ansible.module("acr_import", **policy)
    assert not first.get("failed") and first["deleted"] == [], first
    oldest = backup("1.1.0", build["b0"])
    assert [t["backup"]["name"] for r in first["results"] for t in r["targets"] if "backup" in t] == [oldest]

    # Both move: two more backups, three in all; backup_keep 2 leaves the two this run makes.
    build["a1"] = standin.push("dockerhub", upstream, "1.0.0", platforms=AMD64, seed="a1")
    build["b2"] = standin.push("dockerhub", upstream, "1.1.0", platforms=AMD64, seed="b2")
    newest = sorted([backup("1.0.0", build["a0"]), backup("1.1.0", build["b1"])])
    task = {"acrops.registry.acr_import": policy}
    run = ansible.tasks([dict(task, check_mode=True, diff=True), task, task])
    r = [run.results["r%d" % i] for i in range(3)]
    assert not any(x.get("failed") for x in r), r
    assert sorted(t["backup"]["name"] for x in r[0]["results"] for t in x["targets"]) == newest
    assert r[0]["would_delete"] == [oldest], r[0]
    assert r[0]["diff"]["after"]["targets"][oldest] is None
    assert sorted(t["backup"]["name"] for x in r[1]["results"] for t in x["targets"]) == newest
    assert r[1]["deleted"] == [oldest] and r[1]["policies"][0]["prune"]["deleted"] == [oldest], r[1]
    assert r[2]["changed"] is False and r[2]["deleted"] == [], r[2]

    stored = {name: standin.storage_digest("standinacr", *name.split(":")) for name in [oldest] + newest}
    assert stored == {oldest: None, newest[0]: build["a0"], newest[1]: build["b1"]}
    assert standin.storage_digest("standinacr", repo, "1.0.0") == build["a1"]
    assert standin.storage_digest("standinacr", repo, "1.1.0") == build["b2"]
    assert deletes(standin) == ["/acr/v1/%s/_tags/%s" % (repo, oldest.split(":")[1])]  # r1's one: none in check mode
