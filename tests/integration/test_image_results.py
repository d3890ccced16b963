# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 20 (items 2, 3, 7, 9, 10): every image of a batch ends with its own, true result, against the stand-in.

Two batch runs of real ansible-playbook, each mixing several faults (docs/standin.md, "Faults for issue 20's importer items"):
malformed answers (an HTML token page, a manifest that is a JSON list, an index whose bytes are not its digest), a source that
never answers, a listed tag the reference grammar refuses and a cosign tag the organisation set in its mirror; then imports that
completed although the answer or the check after them was lost. The end state is read from the registries' storage."""

from __future__ import annotations

import json
import threading

import pytest

from standin_reads import acr, import_calls

from standin import artifacts

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
INDEX = dict(platforms=["linux/amd64", "linux/arm64"], size=256)
DOCKERHUB = "registry-1.docker.io"
ARM_HOST = "127.0.0.1"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def all_hit(standin):
    rules = standin.control.get("faults")["rules"]
    assert all(rule["hits"] >= 1 for rule in rules), rules
    return rules


def test_malformed_answers_an_unreadable_source_a_bad_listed_tag_and_a_foreign_cosign_tag_each_end_their_own_image(standin, ansible, repo):
    names = dict((k, "%s-%s" % (repo, k)) for k in ("good", "unread", "html", "list", "forged", "policy", "signed", "timeout-app"))
    good = standin.push("dockerhub", "library/" + names["good"], "1", **SMALL)
    standin.push("dockerhub", "library/" + names["timeout-app"], "1", **SMALL)
    source = standin.push("dockerhub", "library/" + names["unread"], "1", seed="unread-new", **SMALL)
    held = standin.push("standinacr", names["unread"], "1", seed="unread-old", **SMALL)
    standin.push("quay", "team/" + names["html"], "1", **SMALL)
    standin.push("ghcr", "org/" + names["list"], "1", **INDEX)
    standin.push("mcr", "team/" + names["forged"], "1", **INDEX)
    listed = standin.push("dockerhub", "library/" + names["policy"], "1", **SMALL)
    signed = standin.push("dockerhub", "library/" + names["signed"], "1", **SMALL)
    upstream_sig = artifacts.cosign_sign(standin, "dockerhub", "library/" + names["signed"], signed)
    ours_sig = artifacts.cosign_sign(standin, "standinacr", names["signed"], signed, seed="the organisation's own signature")
    sig_tag = artifacts.cosign_tag(signed, "sig")
    forged_index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + "0" * 64, "size": 1,
         "platform": {"os": "linux", "architecture": "amd64"}}]})
    standin.control.faults([
        # A source that never answers (connection reset on every HEAD, the client's retries included).
        {"host": DOCKERHUB, "method": "HEAD", "path_regex": "/library/%s/manifests/" % names["unread"], "action": "reset",
         "client": "controller"},
        # A corporate proxy answering the token request with a sign-in page.
        {"host": "quay.io", "method": "GET", "path_regex": "^/(token|v2/auth)$", "status": 200, "headers": {"Content-Type": "text/html"},
         "body": "<html><body>Sign in to the proxy</body></html>"},
        # A manifest (the index fetched by digest) that is a JSON list; an index whose bytes are not the digest asked for.
        {"host": "ghcr.io", "method": "GET", "path_regex": "/org/%s/manifests/sha256:" % names["list"], "status": 200, "body": [1, 2]},
        {"host": "mcr.microsoft.com", "method": "GET", "path_regex": "/team/%s/manifests/sha256:" % names["forged"], "status": 200,
         "headers": {"Content-Type": OCI_INDEX}, "body": forged_index},
        # The import service finds no manifest for a repository whose name holds "timeout": a permanent failure.
        {"host": DOCKERHUB, "client": "acr-import", "method": "GET", "path_regex": "/library/%s/manifests/" % names["timeout-app"],
         "status": 404, "body": {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}},
        # A tag list holding names the reference grammar refuses.
        {"host": DOCKERHUB, "method": "GET", "path_regex": "/library/%s/tags/list$" % names["policy"], "status": 200,
         "body": {"name": "library/" + names["policy"], "tags": ["1", "-bad", "a/b", "x" * 200]}},
    ])
    images = [
        {"source": "%s:1" % names["good"]},
        {"source": "%s:1" % names["unread"], "force": True},
        {"source": "quay.io/team/%s:1" % names["html"]},
        {"source": "ghcr.io/org/%s:1" % names["list"], "platform": "linux/amd64"},
        {"source": "mcr.microsoft.com/team/%s:1" % names["forged"], "platform": "linux/amd64"},
        {"source": "docker.io/library/%s" % names["policy"], "tag_policy": {"regex": ".*"}, "label": "policy"},
        {"source": "%s:1" % names["signed"], "referrers": True},
        {"source": "%s:1" % names["timeout-app"]},
    ]
    result, run = ansible.module("acr_import", registry="standinacr", images=images, concurrency=4)
    assert result.get("failed") and result["changed"] is True, run
    all_hit(standin)
    by_source = dict((r["source"], r) for r in result["results"])

    def image(key, source=None):
        return by_source[source or "docker.io/library/%s:1" % names[key]]

    assert not image("good")["failed"] and image("good")["targets"][0]["action"] == "imported" and acr(standin, names["good"], "1") == good
    # Item 7: the unreadable source fails alone and nothing is re-imported blindly, force or not.
    unread = image("unread")
    assert unread["failed"] and unread["error_code"] == "SOURCE_UNREADABLE" and "unreadable_source" in unread["msg"], unread
    assert acr(standin, names["unread"], "1") == held != source
    # Item 2: malformed answers are that image's failure, in clear words where the client parses them.
    html = image("html", "quay.io/team/%s:1" % names["html"])
    assert html["failed"] and html["msg"], html
    listing = image("list", "ghcr.io/org/%s:1" % names["list"])
    assert listing["failed"] and "ghcr.io" in listing["msg"] and "not a JSON object" in listing["msg"] and "[1,2]" in listing["msg"], listing
    # Item 10: an index fetched by digest is checked against it.
    forged = image("forged", "mcr.microsoft.com/team/%s:1" % names["forged"])
    assert forged["failed"] and forged["error_code"] == "DIGEST_INVALID" and "does not match" in forged["msg"], forged
    # Item 10: tags the grammar refuses are skipped with a note; the valid one is imported.
    assert not image("policy")["failed"] and acr(standin, names["policy"], "1") == listed
    note = " ".join(result["policies"][0]["notes"])
    assert "3 listed tag(s) are not valid tags" in note and "-bad" in note, result["policies"]
    # Item 9: a cosign tag holding the organisation's signature is drifted without force, and kept.
    signed_result = image("signed")
    cosign = [r for r in signed_result["referrers"] if r.get("tag") == sig_tag]
    assert not signed_result["failed"] and [r["action"] for r in cosign] == ["drifted"], signed_result
    assert acr(standin, names["signed"], sig_tag) == ours_sig != upstream_sig
    # Item 10: a permanent failure of a repository called *-timeout-app is not retried (the name is not the service's code).
    timeout_app = image("timeout-app")
    assert timeout_app["failed"] and "Unable to find manifest digest" in timeout_app["msg"], timeout_app
    assert not any("transiently" in w for w in timeout_app["warnings"]), timeout_app["warnings"]
    assert result["counts"]["referrers_drifted"] == 1 and result["counts"]["failed"] == 5, result["counts"]
    assert import_calls(standin) == 4, "good, policy's, signed and timeout-app's once; no cosign overwrite, nothing for the others"


def test_imports_that_completed_are_reported_imported_when_their_answer_or_the_check_after_them_was_lost(standin, ansible, repo, wait_for):
    names = dict((k, "%s-%s" % (repo, k)) for k in ("lost", "reread", "advisory", "signed"))
    digests = dict((k, standin.push("dockerhub", "library/" + n, "1", **SMALL)) for k, n in names.items())
    held = standin.push("standinacr", names["lost"], "1", seed="lost-old", **SMALL)
    ours_sig = artifacts.cosign_sign(standin, "standinacr", names["signed"], digests["signed"], seed="the organisation's own signature")
    upstream_sig = artifacts.cosign_sign(standin, "dockerhub", "library/" + names["signed"], digests["signed"])
    sig_tag = artifacts.cosign_tag(digests["signed"], "sig")
    login = standin.env["registries"]["standinacr"]["login_server"]
    standin.control.import_behaviour(delay=1.0)
    # The first image's operation is polled into a lost connection (every retry of azure-core too): its import completes anyway.
    standin.control.faults([{"host": ARM_HOST, "method": "GET", "path_regex": "(?i)/operationResults/", "action": "reset", "times": 5}])

    def break_reads_after_the_plans():
        # Once the second image's import runs (its target was read, every source was read ahead), the check after it fails,
        # and so does the third image's advisory "did the source move" HEAD.
        wait_for(lambda: any(names["reread"] in op["source"] for op in standin.control.operations()), timeout=60)
        standin.control.faults([
            {"host": login, "method": "GET", "path_regex": "/acr/v1/%s/_tags/1$" % names["reread"], "client": "controller", "status": 400,
             "body": {"errors": [{"code": "UNSUPPORTED", "message": "the gateway refused %s" % names["reread"]}]}},
            {"host": DOCKERHUB, "method": "HEAD", "path_regex": "/library/%s/manifests/1$" % names["advisory"], "client": "controller",
             "status": 400, "body": {"errors": [{"code": "UNSUPPORTED", "message": "refused"}]}},
        ])

    thread = threading.Thread(target=break_reads_after_the_plans, daemon=True)
    thread.start()
    images = [{"source": "%s:1" % names["lost"], "force": True}, {"source": "%s:1" % names["reread"]},
              {"source": "%s:1" % names["advisory"]}, {"source": "%s:1" % names["signed"], "referrers": True, "force": True}]
    result, run = ansible.module("acr_import", registry="standinacr", images=images, concurrency=1)
    thread.join()
    by_source = dict((r["source"], r) for r in result["results"])
    lost, reread, advisory, signed = (by_source["docker.io/library/%s:1" % names[k]] for k in ("lost", "reread", "advisory", "signed"))
    # Item 3: the retry found the first attempt's import in place: overwritten, changed, one import only.
    assert not lost["failed"] and lost["changed"] is True, (lost, run)
    assert [(t["action"], t["before"], t["after"]) for t in lost["targets"]] == [("overwritten", held, digests["lost"])], lost
    assert acr(standin, names["lost"], "1") == digests["lost"]
    # Item 3: the check after the import failed: imported, changed, unverified, with a warning.
    assert not reread["failed"] and reread["changed"] is True and reread["verified"] is False, reread
    assert reread["targets"][0]["action"] == "imported" and any("could not be verified" in w for w in reread["warnings"]), reread
    assert acr(standin, names["reread"], "1") == digests["reread"]
    # Item 3: the advisory HEAD never fails an image.
    assert not advisory["failed"] and advisory["changed"] is True and any("could not be checked" in w for w in advisory["warnings"]), advisory
    # Item 9: with force, the cosign tag takes the source's signature (a Force import of that tag).
    cosign = [r for r in signed["referrers"] if r.get("tag") == sig_tag]
    assert [r["action"] for r in cosign] == ["imported"] and acr(standin, names["signed"], sig_tag) == upstream_sig != ours_sig, signed
    assert not result.get("failed") and result["changed"] is True, run
    assert import_calls(standin) == 5, "one import per image, and one for the cosign tag: no second import of the lost one"
