# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The push of a filtered index (platforms) when the target's data plane is hostile, in one ansible-playbook run against the
stand-in: a 403 (import rights without push rights), a proxy's HTML error page, and a 201 that names another digest than
the one pushed. Each entry fails naming what happened and what to do, its tag is not written (or reported as not planned),
no other entry is hurt; with the faults gone a second run pushes all three and a third changes nothing."""

from __future__ import annotations

import hashlib
import json

import pytest

from standin import images
from standin_reads import import_calls

pytestmark = pytest.mark.usefixtures("standin_clean")

THREE = ["linux/amd64", "linux/arm64", "linux/arm/v7"]
WANTED = ["linux/amd64", "linux/arm64"]
SIZE = 64
PROXY_PAGE = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>"
              "<p>The proxy server received an invalid response from an upstream server.</p></body></html>")


def filtered_digest(repo, tag):
    document = json.loads(images.build_image(platforms=THREE, size=SIZE, seed="%s:%s" % (repo, tag)).top[2])
    kept = dict(document, manifests=[m for m in document["manifests"] if m["platform"]["architecture"] in ("amd64", "arm64")])
    return "sha256:" + hashlib.sha256(json.dumps(kept, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_a_refused_a_proxied_and_a_misanswered_push_of_the_filtered_index(standin, ansible, repo):
    names = {kind: "%s-%s" % (repo, kind) for kind in ("denied", "proxy", "liar", "fine")}
    for name in names.values():
        standin.push("dockerhub", "library/" + name, "1", platforms=THREE, size=SIZE)
    expected = dict((kind, filtered_digest("library/" + name, "1")) for kind, name in names.items())
    login = standin.env["registries"]["standinacr"]["login_server"]

    def put_rule(kind, **answer):
        return dict({"host": login, "method": "PUT", "path_regex": "^/v2/%s/manifests/1$" % names[kind], "action": "status"}, **answer)

    standin.control.faults([
        put_rule("denied", status=403, body={"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]}),
        put_rule("proxy", status=502, body=PROXY_PAGE, headers={"Content-Type": "text/html"}),
        put_rule("liar", status=201, headers={"Docker-Content-Digest": "sha256:" + "0" * 64}),
    ])
    tasks = [{"acrops.registry.acr_import": {"registry": "standinacr", "source": name + ":1", "platforms": WANTED}} for name in names.values()]
    run = ansible.tasks(tasks)
    denied, proxy, liar, fine = (run.results["r%d" % n] for n in range(4))
    standin.control.faults([])

    assert denied["failed"] and denied["error_code"] == "DENIED", denied
    assert "403" in denied["msg"] and "pushing %s:1" % names["denied"] in denied["msg"], denied["msg"]
    assert "needs push rights on the target repository (AcrPush, or Container Registry Repository Writer with ABAC)" in denied["msg"]
    # The proxy's page is named as one, by its title, without its markup, with what to check.
    page = "answered HTTP 502 for pushing %s:1: a web page, not a registry's answer: 502 Bad Gateway" % names["proxy"]
    assert proxy["failed"] and page in proxy["msg"], proxy
    assert "HTTPS_PROXY" in proxy["msg"] and "<" not in proxy["msg"], proxy["msg"]
    assert liar["failed"] and "with digest sha256:%s, expected %s" % ("0" * 64, expected["liar"]) in liar["msg"], liar
    for result in (denied, proxy, liar):
        assert [t["action"] for t in result["targets"]] == ["failed"], result["targets"]
        # Not pushed, but the children are this run's imports (also after the 502's retries found them in place): changed.
        assert result["filtered_index"]["pushed"] == [] and result["changed"] is True, result["filtered_index"]
        assert [c["action"] for c in result["filtered_index"]["children"]] == ["imported", "imported"], result["filtered_index"]
        assert not [w for w in result["warnings"] if w.startswith("%s: %s:" % (result["source"], result["source"]))], result["warnings"]
    assert any("import attempt 1 failed transiently" in w for w in proxy["warnings"]), proxy["warnings"]
    assert not fine.get("failed") and [t["after"] for t in fine["targets"]] == [expected["fine"]], fine
    assert fine["filtered_index"]["pushed"] == [names["fine"] + ":1"]
    for kind in ("denied", "proxy", "liar"):
        assert standin.acr_digest("standinacr", names[kind], "1") is None, "%s: no tag was written" % kind
    children = import_calls(standin)
    assert children == 8, "two children per entry, imported before the push"

    # The faults gone: the children are there, so only the pushes remain; then nothing at all.
    run = ansible.tasks(tasks + tasks)
    again, settled = [run.results["r%d" % n] for n in range(4)], [run.results["r%d" % n] for n in range(4, 8)]
    assert [(r.get("failed", False), r["changed"]) for r in again] == [(False, True)] * 3 + [(False, False)], again
    assert [r["changed"] for r in settled] == [False] * 4, settled
    assert import_calls(standin) == children, "the children imported by the failed runs are reused, not imported again"
    for kind, name in names.items():
        assert standin.acr_digest("standinacr", name, "1") == expected[kind], kind
