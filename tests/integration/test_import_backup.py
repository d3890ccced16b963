# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's `backup` in one real ansible-playbook run against the stand-in: before a force overwrite the tag's digest is
imported, server-side and by digest from the target registry itself, under the backup tag; check mode predicts it exactly,
a second run changes nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("standin_clean")


def test_backup_before_a_force_overwrite(standin, ansible, repo):
    old = standin.push("standinacr", repo, "1", platforms="linux/amd64", seed="old build")
    new = standin.push("dockerhub", "library/" + repo, "1", platforms="linux/amd64", seed="new build")
    backup = "%s:1-prev-%s" % (repo, old.split(":")[1][:12])
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo, "force": True,
                                           "backup": "{tag}-prev-{before_digest12}"}}
    run = ansible.tasks([dict(task, check_mode=True, diff=True), task, task])
    r = [run.results["r%d" % i] for i in range(3)]
    assert not any(x.get("failed") for x in r), r
    assert r[0]["targets"][0]["action"] == "would_overwrite"
    assert r[0]["targets"][0]["backup"] == {"name": backup, "digest": old, "action": "would_import"}
    assert "Would import %s:1 (%s) of docker.io/library/%s:1 as backup %s" % (repo, old[:19], repo, backup) in r[0]["actions"], r[0]["actions"]
    assert r[1]["targets"][0]["action"] == "overwritten" and r[1]["verified"] is True
    assert r[1]["targets"][0]["backup"] == {"name": backup, "digest": old, "action": "imported"}
    assert r[2]["changed"] is False and "backup" not in r[2]["targets"][0]

    assert standin.acr_digest("standinacr", repo, "1") == new
    assert standin.acr_digest("standinacr", *backup.split(":")) == old
    assert standin.control.counters()["import_calls"] == 2  # the backup (from the registry itself) and the overwrite
    [copied] = [o for o in standin.control.operations() if o["targets"] == [backup]]
    assert copied["resource_id"] == standin.env["registries"]["standinacr"]["id"] and copied["source"] == "%s@%s" % (repo, old), copied
