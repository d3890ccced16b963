# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acrops.registry.acr_tag in one real ansible-playbook run against the stand-in: lock, idempotence, check and diff mode,
deletes, refusals before any change, a permission error naming the roles of the registry's role-assignment mode (RBAC or ABAC),
and the module_defaults group."""

from __future__ import annotations

import pytest

import playbook_runner
from collection_path import COLLECTIONS_ROOT

pytestmark = pytest.mark.usefixtures("standin_clean")

LOCK = {"write_enabled": False, "delete_enabled": False}
UNLOCKED = {"writeEnabled": True, "deleteEnabled": True, "readEnabled": True, "listEnabled": True}


def changes(standin):
    """(method, route, status) of every PATCH and DELETE the data plane carried out (refusals and 401 challenges left out; the
    set-up's Resource Manager PATCH too)."""
    return sorted((e["method"], e["route"].split(":", 1)[1], e["status"]) for e in standin.control.log()
                  if e["method"] in ("PATCH", "DELETE") and e["status"] in (200, 202) and not e["route"].endswith(":registry_update"))


def test_lock_delete_check_diff_idempotence_and_refusals(standin, repo, tmp_path):
    digests = {tag: standin.push("standinacr", repo, tag, platforms="linux/amd64") for tag in ("1", "2", "3")}
    reader = standin.env["principals"]["reader"]
    # prodacr in ABAC mode: the importer may read the repository (Repository Reader) but not change its tags.
    standin.push("prodacr", repo, "1", platforms="linux/amd64")
    standin.control.update_registry("prodacr", {"roleAssignmentMode": "AbacRepositoryPermissions"})
    standin.control.grant("prodacr", "importer", [repo], role="Container Registry Repository Reader")
    as_reader = {"auth_source": "env", "client_id": reader["client_id"], "secret": reader["client_secret"], "tenant": reader["tenant_id"]}

    def tag(check=False, **params):
        task = {"acrops.registry.acr_tag": dict({"repository": repo}, **params)}
        return dict(task, check_mode=True, diff=True) if check else task

    tasks = [
        tag(check=True, tags=["1"], **LOCK),                             # r0 predicts the lock
        tag(tags=["1"], **LOCK),                                         # r1 locks
        tag(tags=["1"], **LOCK),                                         # r2 unchanged
        tag(check=True, tags=["2", "nope"], state="absent"),             # r3 predicts the delete
        tag(tags=["2", "nope", "2"], state="absent"),                    # r4 deletes (a duplicate once)
        tag(tags=["2", "nope"], state="absent"),                         # r5 unchanged
        tag(tags=["3", "1"], state="absent"),                            # r6 refused: 1 is locked; 3 stays too
        tag(tags=["missing"], write_enabled=False),                      # r7 refused: no such tag
        tag(tags=["3"], write_enabled=False, **as_reader),               # r8 refused by ACR: names the roles
        tag(tags=["1"], state="absent", write_enabled=True, delete_enabled=True),  # r9 unlocks and deletes on purpose
        tag(tags=["1"], registry="prodacr", **LOCK),                     # r10 refused by an ABAC registry: its roles
    ]
    plays = playbook_runner.module_play(tmp_path, tasks)
    plays[0]["module_defaults"] = {"group/acrops.registry.acr": {"registry": "standinacr"}}
    run = playbook_runner.run_playbook(plays, playbook_runner.ansible_env(standin, COLLECTIONS_ROOT), tmp_path)
    assert run.results is not None, run
    r = [run.results["r%d" % i] for i in range(len(tasks))]
    for ok in (0, 1, 2, 3, 4, 5, 9):
        assert not r[ok].get("failed"), (ok, r[ok])

    assert r[0]["changed"] is True and r[0]["tags"][0]["action"] == "updated"
    assert r[0]["tags"][0]["after"] == dict(UNLOCKED, writeEnabled=False, deleteEnabled=False)
    assert r[0]["diff"]["before"] == {repo: {"1": dict(UNLOCKED, digest=digests["1"])}}
    assert r[0]["diff"]["after"] == {repo: {"1": dict(UNLOCKED, writeEnabled=False, deleteEnabled=False, digest=digests["1"])}}
    assert r[1]["changed"] is True and r[1]["tags"] == r[0]["tags"]
    assert r[2]["changed"] is False and r[2]["tags"][0]["action"] == "unchanged"

    assert r[3]["changed"] is True and [(t["tag"], t["action"]) for t in r[3]["tags"]] == [("2", "deleted"), ("nope", "absent")]
    assert r[3]["diff"]["after"] == {repo: {}} and list(r[3]["diff"]["before"][repo]) == ["2"]
    assert r[4]["changed"] is True and r[4]["tags"] == r[3]["tags"]
    assert r[5]["changed"] is False and [t["action"] for t in r[5]["tags"]] == ["absent", "absent"]

    assert r[6]["failed"] and "1 is locked" in r[6]["msg"] and "nothing was changed" in r[6]["msg"], r[6]
    assert r[7]["failed"] and "has no tag missing" in r[7]["msg"] and "acr_import" in r[7]["msg"], r[7]
    assert r[8]["failed"] and "AcrPush on standinacr" in r[8]["msg"] and "Repository Writer" not in r[8]["msg"], r[8]
    assert r[10]["failed"] and r[10]["error_code"] == "UNAUTHORIZED", r[10]
    assert "Container Registry Repository Writer" in r[10]["msg"] and "AbacRepositoryPermissions" in r[10]["msg"], r[10]["msg"]
    assert "needs AcrPush" not in r[10]["msg"], r[10]["msg"]
    assert r[9]["changed"] is True and r[9]["tags"][0]["action"] == "deleted"

    assert {t: standin.storage_digest("standinacr", repo, t) for t in digests} == {"1": None, "2": None, "3": digests["3"]}
    tag_route = "/acr/v1/{repo}/_tags/{tag}"
    # Check mode changed nothing: the only changes are those of r1 (lock), r4 (delete 2) and r9 (unlock, delete 1).
    assert changes(standin) == sorted([("PATCH", tag_route, 200), ("DELETE", tag_route, 202), ("PATCH", tag_route, 200),
                                       ("DELETE", tag_route, 202)])
