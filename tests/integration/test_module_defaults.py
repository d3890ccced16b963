# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action group acrops.registry.acr (meta/runtime.yml): `module_defaults` sets auth and the registry once for every
module of the collection, in a real ansible-playbook run against the stand-in."""

from __future__ import annotations

import pytest

import playbook_runner
from collection_path import COLLECTIONS_ROOT

pytestmark = pytest.mark.usefixtures("standin_clean")

# The only Azure settings the playbook may use are the ones module_defaults gives (proxy and CA trust stay standard env).
AZURE_ENV = ("AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_CLIENT_SECRET", "AZURE_TENANT", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID",
             "AZURE_CLOUD_ENVIRONMENT", "AZURE_PROFILE", "AZURE_FEDERATED_TOKEN_FILE")


def test_group_defaults_give_both_modules_their_auth_and_registry(standin, repo, tmp_path):
    importer = standin.env["principals"]["importer"]
    digest = standin.push("dockerhub", "library/" + repo, "3")
    defaults = {"registry": "standinacr", "auth_source": "env", "client_id": importer["client_id"], "secret": importer["client_secret"],
                "tenant": importer["tenant_id"], "subscription_id": standin.env["subscriptions"]["main"],
                "cloud_environment": standin.env["arm_endpoint"]}
    tasks = [
        {"acrops.registry.acr_import": {"source": "%s:3" % repo}},
        {"acrops.registry.acr_image_info": {"repository": repo, "tags": ["3"]}},
        # a task's own option still wins over the group's default
        {"acrops.registry.acr_image_info": {"repository": repo, "tags": ["3"], "registry": "devacr"}},
    ]
    plays = playbook_runner.module_play(tmp_path, tasks)
    plays[0]["module_defaults"] = {"group/acrops.registry.acr": defaults}
    # The same tasks with a wrong secret in the defaults: each module must fail at Entra, so it did read the group's secret.
    wrong = playbook_runner.module_play(tmp_path / "wrong", tasks[:2])
    wrong[0]["module_defaults"] = {"group/acrops.registry.acr": dict(defaults, secret="not-the-secret")}
    (tmp_path / "wrong").mkdir()

    env = playbook_runner.ansible_env(standin, COLLECTIONS_ROOT)
    for name in AZURE_ENV:
        env.pop(name, None)
    run = playbook_runner.run_playbook(plays + wrong, env, tmp_path)
    assert run.results is not None, run
    imported, info, other = run.results["r0"], run.results["r1"], run.results["r2"]
    assert not imported.get("failed") and imported["changed"] is True, imported
    assert imported["registry"]["login_server"] == standin.env["registries"]["standinacr"]["login_server"]
    assert [(t["name"], t["after"]) for t in imported["targets"]] == [("%s:3" % repo, digest)]
    assert not info.get("failed"), info
    assert [(i["tag"], i["exists"], i["digest"]) for i in info["images"]] == [("3", True, digest)]
    assert not other.get("failed") and [(i["tag"], i["exists"]) for i in other["images"]] == [("3", False)], other

    failed = (tmp_path / "wrong" / "results.json").read_text()
    assert failed.count("AADSTS7000215") == 2, failed  # Entra's "invalid client secret", once per module
    assert standin.control.counters()["import_calls"] == 1
