# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's `prune` through ansible-playbook against the stand-in, two runs: a `latest: 3` policy keeps exactly the newest
three across upstream releases (check mode first predicts it and deletes nothing), a hand-pushed tag outside the filters and a
locked tag survive, max_deletes stops an entry that would delete 11 before any delete, a failed import prunes nothing in its
repository, a second run changes nothing."""

from __future__ import annotations

import pytest

from standin import artifacts, clients
from standin_reads import deletes

pytestmark = pytest.mark.usefixtures("standin_clean")

AMD64 = "linux/amd64"


def test_prune_keeps_the_newest_three_and_only_what_the_policy_owns(standin, ansible, repo):
    upstream = "library/" + repo
    for version in ("1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"):
        standin.push("dockerhub", upstream, version, platforms=AMD64)
    # Mirrored by earlier runs: two old releases, a locked old release, and a tag someone pushed by hand.
    for tag in ("1.0.0", "1.1.0", "0.9.0", "debug"):
        standin.push("standinacr", repo, tag, platforms=AMD64)
    standin.control.lock_tag("standinacr", repo, "0.9.0")
    # max_deletes: 11 owned tags would go (latest: 1 keeps 5.0.0).
    standin.push("dockerhub", upstream + "-many", "5.0.0", platforms=AMD64)
    for minor in range(11):
        standin.push("standinacr", repo + "-many", "4.%d.0" % minor, platforms=AMD64)
    # A failed import (a locked target that would have to move, with force) prunes nothing in its repository.
    standin.push("dockerhub", upstream + "-failing", "3.0.0", platforms=AMD64)
    standin.push("standinacr", repo + "-failing", "3.0.0", platforms=AMD64, seed="another image")
    standin.control.lock_tag("standinacr", repo + "-failing", "3.0.0")
    standin.push("standinacr", repo + "-failing", "2.0.0", platforms=AMD64)

    policy = {"registry": "standinacr", "tag_policy": {"latest": 3}, "prune": True, "source": "docker.io/" + upstream}
    many = {"registry": "standinacr", "force": True, "images": [
        {"source": "docker.io/%s-many" % upstream, "tag_policy": {"latest": 1}, "prune": True},
        {"source": "docker.io/%s-failing" % upstream, "tag_policy": {"latest": 1}, "prune": True}]}
    run = ansible.tasks([
        dict({"acrops.registry.acr_import": policy}, check_mode=True, diff=True),   # r0 predicts
        {"acrops.registry.acr_import": policy},                                     # r1 imports 3, deletes 2
        {"acrops.registry.acr_import": policy},                                     # r2 nothing to do
        {"acrops.registry.acr_import": many},                                       # r3 two refusals, no delete
    ])
    r = [run.results["r%d" % i] for i in range(4)]
    old = ["%s:1.0.0" % repo, "%s:1.1.0" % repo]
    assert not r[0].get("failed") and r[0]["changed"] is True and r[0]["would_delete"] == old, r[0]
    assert [t["action"] for t in r[0]["results"][0]["targets"]] == ["would_import"]
    assert r[0]["policies"][0]["prune"]["locked"] == ["%s:0.9.0" % repo]
    assert {n: r[0]["diff"]["after"]["targets"][n] for n in old} == {n: None for n in old}
    assert "Would delete %s:1.0.0" % repo in " ".join(r[0]["actions"])
    assert not r[1].get("failed") and r[1]["deleted"] == old and r[1]["policies"][0]["prune"]["locked"] == ["%s:0.9.0" % repo], r[1]
    assert r[2]["changed"] is False and r[2]["deleted"] == [], r[2]

    assert r[3]["failed"] and r[3]["deleted"] == [], r[3]
    many_policy, failing_policy = r[3]["policies"]
    assert many_policy["failed"] and "would delete 11 (11 tags, 0 untagged manifests), more than max_deletes (10): nothing was deleted" in many_policy["msg"]
    assert failing_policy["prune"]["skipped"] == ["%s-failing: an import of this entry failed" % repo], failing_policy

    assert standin.storage_digest("standinacr", repo + "-failing", "2.0.0") is not None
    assert len([t for t in range(11) if standin.storage_digest("standinacr", repo + "-many", "4.%d.0" % t)]) == 11
    assert deletes(standin) == ["/acr/v1/%s/_tags/1.0.0" % repo, "/acr/v1/%s/_tags/1.1.0" % repo]

    # A new upstream release: the oldest of the three goes; the hand-pushed and the locked tag stay.
    standin.push("dockerhub", upstream, "1.5.0", platforms=AMD64)
    result, dummy = ansible.module("acr_import", **policy)
    assert result["deleted"] == ["%s:1.2.0" % repo], result
    kept = {t: standin.storage_digest("standinacr", repo, t) is not None
            for t in ("0.9.0", "1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0", "debug")}
    assert kept == {"0.9.0": True, "1.0.0": False, "1.1.0": False, "1.2.0": False, "1.3.0": True, "1.4.0": True, "1.5.0": True,
                    "debug": True}
    assert len(deletes(standin)) == 3


def index_children(standin, registry, repo, digest):
    """The manifests an index in a registry's storage lists (plain HTTP on loopback)."""
    import requests  # pylint: disable=import-outside-toplevel

    with requests.Session() as session:
        session.trust_env = False
        response = session.get("%s/v2/%s/manifests/%s" % (standin.env["registries"][registry]["storage_url"], repo, digest),
                               headers={"Accept": "application/vnd.oci.image.index.v1+json"}, timeout=30)
    response.raise_for_status()
    return [m["digest"] for m in response.json()["manifests"]]


def test_prune_untagged_keeps_children_and_referrers_of_kept_images(standin_client, ansible, repo):
    standin = standin_client
    upstream = "library/" + repo
    new = standin.push("dockerhub", upstream, "2.0.0", seed="new", attestation=True)
    standin.push("dockerhub", upstream, "1.0.0", seed="old")
    assert standin.push("standinacr", repo, "2.0.0", seed="new", attestation=True) == new
    old = standin.push("standinacr", repo, "1.0.0", seed="old")
    signature = artifacts.sign_notation(standin, "standinacr", repo, new, tag_schema=False)
    old_signature = artifacts.sign_notation(standin, "standinacr", repo, old, tag_schema=False)
    orphan = standin.push("standinacr", repo, "gone", platforms=AMD64)
    with clients.registry_client(standin) as registry:
        registry.delete_tag(repo, "gone")  # what a force overwrite leaves behind
    kept = {new, signature} | set(index_children(standin, "standinacr", repo, new))
    gone = {old, old_signature, orphan} | set(index_children(standin, "standinacr", repo, old))
    assert len(kept) == 6 and len(gone) == 5  # two platforms (+ two attestation manifests for the new one)

    policy = {"registry": "standinacr", "source": "docker.io/" + upstream, "tag_policy": {"latest": 1}, "prune": True,
              "prune_untagged": True}
    run = ansible.tasks([
        dict({"acrops.registry.acr_import": policy}, check_mode=True),                                  # r0 all young
        dict({"acrops.registry.acr_import": dict(policy, untagged_grace_hours=0)}, check_mode=True),    # r1
        {"acrops.registry.acr_import": dict(policy, untagged_grace_hours=0)},                           # r2
        {"acrops.registry.acr_import": dict(policy, untagged_grace_hours=0)},                           # r3
    ])
    r = [run.results["r%d" % i] for i in range(4)]
    assert not any(x.get("failed") for x in r), r
    expected = sorted(["%s:1.0.0" % repo] + ["%s@%s" % (repo, d) for d in gone])
    assert r[0]["would_delete"] == ["%s:1.0.0" % repo], r[0]
    assert r[1]["would_delete"] == expected and r[2]["deleted"] == expected, (r[1], r[2])
    assert r[3]["changed"] is False and r[3]["deleted"] == []
    with clients.registry_client(standin) as registry:
        assert {m.digest for m in registry.list_manifest_properties(repo)} == kept
    assert len(deletes(standin)) == len(expected) + 1  # and the set-up's own tag delete: none in check mode


def test_a_target_whose_tags_cannot_be_listed_is_not_pruned_and_said_once(standin, ansible, repo):
    for name in ("a", "b"):
        standin.push("dockerhub", "library/%s-%s" % (repo, name), "2.0.0", platforms=AMD64)
        standin.push("standinacr", "%s-%s" % (repo, name), "1.0.0", platforms=AMD64)
    # A locked-down target: the tag listing (what pruning reads) is refused as a firewall refuses it; tag reads still work.
    standin.control.faults([{"host": standin.env["registries"]["standinacr"]["login_server"], "method": "GET", "path_regex": r"/_tags$",
                             "status": 403, "body": {"errors": [{"code": "DENIED", "message": "client with IP is not allowed access"}]}}])
    result, run = ansible.module("acr_import", registry="standinacr", images=[
        {"source": "docker.io/library/%s-%s" % (repo, name), "tag_policy": {"latest": 1}, "prune": True} for name in ("a", "b")])
    assert not result.get("failed") and result["deleted"] == [], result
    assert [p["prune"]["skipped"] for p in result["policies"]] == [["%s-%s: its tags or manifests could not be read" % (repo, n)]
                                                                   for n in ("a", "b")]
    said = [w for p in result["policies"] for w in p["warnings"] if w.startswith("no pruning: the target's tags or manifests could not be read")]
    assert len(said) == 1 and "DENIED" in said[0], result["policies"]
    assert "no pruning" in run.stdout + run.stderr, "the warning reaches the user"
    assert all(standin.storage_digest("standinacr", "%s-%s" % (repo, n), "1.0.0") for n in ("a", "b"))
