# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/migrate.yml end to end (issue 18): an ACR with 120 repositories (its catalog in pages of 7, every manifest
listing in pages of 1) moved into an ACR of another subscription, both by resource ID, in one run: every tag, the untagged
manifests (a tag's earlier image, an untagged index whose children come with it, an untagged manifest with a signature) and
the referrers. --check --diff first (exact, 0 import calls), the migration and its digest-list verification, then a second
run: 0 import calls, everything unchanged but one target tag moved meanwhile, which the verification names."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from playbook_runner import REPO, storage_digest
from standin import artifacts, images

pytestmark = pytest.mark.usefixtures("standin_clean")
REPOSITORIES = 120


def recap(run):
    match = re.search(r"ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", run.stdout)
    assert match, run
    return int(match.group(1)), int(match.group(2))


def seed(standin, ns):
    """The source: 120 repositories tagged v1 (pushed straight into devacr's storage), and in the first five what a real
    registry accumulates. Returns (tags {repository: {tag: digest}}, untagged digests to copy, referrer digests)."""
    names = ["%s/r%03d" % (ns, n) for n in range(REPOSITORIES)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        digests = list(pool.map(lambda name: standin.push("devacr", name, "v1", platforms="linux/amd64", size=32), names))
    tags = dict((name, {"v1": digest}) for name, digest in zip(names, digests))
    url = standin.env["registries"]["devacr"]["storage_url"]
    untagged, referrers = {}, {}
    # r000: v1 moved on; the image it held stays, untagged.
    untagged[names[0]] = [tags[names[0]]["v1"]]
    tags[names[0]]["v1"] = standin.move_tag("devacr", names[0], "v1", platforms="linux/amd64", size=32)
    # r001: an untagged two-platform index: copied once, by digest; its children come with it.
    untagged[names[1]] = [images.push_built(images.build_image(seed=ns + "|index", size=32), url, names[1], None)]
    # r002: a tagged index (its untagged children come with it) and a signature of v1 (a referrer: copied after v1).
    tags[names[2]]["v2"] = standin.push("devacr", names[2], "v2", size=32)
    referrers[names[2]] = [artifacts.sign_notation(standin, "devacr", names[2], tags[names[2]]["v1"])]
    # r003: an untagged manifest with a signature: the manifest is copied untagged, its signature after it.
    lone = images.push_built(images.build_image(platforms="linux/arm64", seed=ns + "|lone", size=32), url, names[3], None)
    untagged[names[3]] = [lone]
    referrers[names[3]] = [artifacts.sign_notation(standin, "devacr", names[3], lone)]
    # r004: a plain untagged manifest.
    untagged[names[4]] = [images.push_built(images.build_image(platforms="linux/amd64", seed=ns + "|plain", size=32), url, names[4], None)]
    return tags, untagged, referrers


def inventory_for(standin, tmp_path):
    """The shipped inventory with the stand-in's subscription IDs in place of its placeholders, nothing else changed."""
    inventory = tmp_path / "migrate"
    shutil.copytree(REPO / "playbooks" / "inventories" / "migrate", inventory)
    hosts = inventory / "hosts.yml"
    text = hosts.read_text()
    for placeholder, key in (("00000000-0000-0000-0000-000000000001", "main"), ("00000000-0000-0000-0000-000000000002", "other")):
        assert placeholder in text
        text = text.replace(placeholder, standin.env["subscriptions"][key])
    hosts.write_text(text)
    return inventory


def planned(report):
    """{(target, kind): action} of every copy: tags (repository:tag), untagged manifests and referrers (repository@digest)."""
    out = {}
    for result in report["results"]:
        for target in result["targets"]:
            out[(target["name"], "tag")] = target["action"]
        for target in result["untagged"]:
            out[("%s@%s" % (target["name"], result["source_digest"]), "untagged")] = target["action"]
        for referrer in result.get("referrers") or []:
            out[("%s@%s" % (referrer["repository"], referrer["digest"]), "referrer")] = referrer["action"]
    return out


def test_migrate_playbook_moves_120_repositories_with_untagged_manifests(standin, ansible, tmp_path, repo):
    ns = "mig-" + repo
    tags, untagged, referrers = seed(standin, ns)
    standin.control.settings(catalog_page_size=7, manifests_page_size=1)
    inventory = inventory_for(standin, tmp_path)
    report = tmp_path / "migration.json"
    args = ["-e", "migrate_repositories=%s/.*" % ns, "-e", "migrate_report=%s" % report]
    calls = standin.control.counters()["import_calls"]
    target_url = standin.env["registries"]["otheracr"]["storage_url"]

    preview = ansible.playbook(REPO / "playbooks" / "migrate.yml", inventory, args=args + ["--check", "--diff"])
    assert preview.rc == 0, preview
    assert standin.control.counters()["import_calls"] == calls, "check mode imports nothing"
    plan = json.loads(report.read_text())
    wanted_tags = dict((("%s:%s" % (name, tag), "tag"), "would_import") for name, by_tag in tags.items() for tag in by_tag)
    wanted_untagged = dict((("%s@%s" % (name, d), "untagged"), "would_import") for name, digests in untagged.items() for d in digests)
    wanted_referrers = dict((("%s@%s" % (name, d), "referrer"), "would_import") for name, digests in referrers.items() for d in digests)
    assert planned(plan) == {**wanted_tags, **wanted_untagged, **wanted_referrers}, plan["actions"][:20]
    assert [r["source"] for r in plan["results"] if r["untagged"]] == sorted(
        "%s/%s@%s" % (standin.env["registries"]["devacr"]["login_server"], name, d) for name, digests in untagged.items() for d in digests)
    assert plan["repository_selections"][0]["listed"] == REPOSITORIES
    assert {s["source"].split("/", 1)[1]: s["untagged"] for s in plan["untagged_selections"] if s["untagged"]} == dict(
        (name, len(digests)) for name, digests in untagged.items())
    assert "would_import" in preview.stdout and storage_digest(target_url, "%s/r000" % ns, "v1") is None

    migrated = ansible.playbook(REPO / "playbooks" / "migrate.yml", inventory, args=args)
    assert migrated.rc == 0, migrated
    imports = len(wanted_tags) + len(wanted_untagged) + len(wanted_referrers)
    assert standin.control.counters()["import_calls"] == calls + imports, "one import per image, untagged manifest and referrer"
    done = json.loads(report.read_text())
    assert planned(done) == dict((key, "imported") for key in planned(plan)), "check mode predicted exactly what was done"
    assert "%d repositories hold the same digests in both registries" % REPOSITORIES in migrated.stdout, migrated
    for name, by_tag in tags.items():
        for tag, digest in by_tag.items():
            assert storage_digest(target_url, name, tag) == digest, (name, tag)
    for name, digests in list(untagged.items()) + list(referrers.items()):
        for digest in digests:
            assert storage_digest(target_url, name, digest) == digest, (name, digest)
    children = [m["digest"] for m in json.loads(images.build_image(seed=ns + "|index", size=32).top[2])["manifests"]]
    assert all(storage_digest(target_url, "%s/r001" % ns, child) == child for child in children), "the index came with its children"

    # The second run: nothing to import. One target tag was moved meanwhile (someone pushed into the new registry): without
    # migrate_force it is left alone, reported drifted, and the verification fails naming it.
    moved = standin.move_tag("otheracr", "%s/r005" % ns, "v1", platforms="linux/amd64", size=32)
    again = ansible.playbook(REPO / "playbooks" / "migrate.yml", inventory, args=args)
    assert standin.control.counters()["import_calls"] == calls + imports, "a second run imports nothing"
    second = planned(json.loads(report.read_text()))
    assert second.pop(("%s/r005:v1" % ns, "tag")) == "drifted" and set(second.values()) == {"unchanged"}, second
    assert again.rc != 0 and recap(again) == (0, 1), again
    assert "1 of %d repositories differ" % REPOSITORIES in again.stdout, again
    assert "%s/r005: tags on another digest: v1 (%s, source %s)" % (ns, moved[:19], tags["%s/r005" % ns]["v1"][:19]) in again.stdout, again
