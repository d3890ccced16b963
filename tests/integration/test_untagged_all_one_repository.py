# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""untagged: all on ONE repository (issue 18; the migration test covers it through a namespace's repositories): a source ACR
repository with two tags, a tag's earlier image (untagged since the tag moved) and a manifest pushed without a tag, copied
into another repository of the target ACR by acr_import in one ansible-playbook run: check mode predicts every copy and writes
nothing, the real run copies tags and untagged manifests by digest, a second run is unchanged with no import."""

from __future__ import annotations

import pytest
from standin import images
from standin_reads import import_calls

pytestmark = pytest.mark.usefixtures("standin_clean")


def test_untagged_all_copies_one_repositorys_untagged_manifests_by_digest(standin, ansible, repo):
    source, target = "team/%s" % repo, "moved/%s" % repo
    v1_before = standin.push("devacr", source, "v1", platforms="linux/amd64", size=32)
    v1 = standin.move_tag("devacr", source, "v1", platforms="linux/amd64", size=32)
    v2 = standin.push("devacr", source, "v2", platforms="linux/amd64", size=32)
    lone = images.push_built(images.build_image(platforms="linux/arm64", seed=repo + "|lone", size=32),
                             standin.env["registries"]["devacr"]["storage_url"], source, None)
    assert len({v1_before, v1, v2, lone}) == 4
    entry = {"source": source, "source_registry": "devacr", "targets": [target], "tags": "all", "untagged": "all"}
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "images": [entry]}}

    run = ansible.tasks([dict(task, check_mode=True), task, task])
    preview, first, again = run.results["r0"], run.results["r1"], run.results["r2"]
    assert not any(r.get("failed") for r in (preview, first, again)), run

    def copies(result):
        """{(kind, target or digest): action}: tags by name, untagged copies by the digest they copy."""
        out = {}
        for image in result["results"]:
            out.update((("tag", t["name"]), t["action"]) for t in image["targets"])
            out.update((("untagged", image["source_digest"]), u["action"]) for u in image["untagged"] if u["name"] == target)
        return out

    expected = {("tag", target + ":v1"): "imported", ("tag", target + ":v2"): "imported",
                ("untagged", v1_before): "imported", ("untagged", lone): "imported"}
    assert copies(preview) == dict((key, "would_import") for key in expected), preview["results"]
    assert [(s["source"].split("/", 1)[1], s["targets"], s["untagged"]) for s in preview["untagged_selections"]] == [(source, [target], 2)]
    assert copies(first) == expected, first["results"]
    assert first["changed"] is True and again["changed"] is False
    assert set(copies(again).values()) == {"unchanged"} and set(copies(again)) == set(expected), again["results"]
    assert import_calls(standin) == 4, "one import per tag and per untagged manifest; none in check mode or the second run"
    assert [standin.acr_digest("standinacr", target, tag) for tag in ("v1", "v2")] == [v1, v2]
    assert [standin.acr_digest("standinacr", target, digest) for digest in (v1_before, lone)] == [v1_before, lone]
