# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 20's auth and transport defects, each against the stand-in over HTTPS: token cache identity and error="..."
challenges, cleartext token realms, Retry-After hints of hours or malformed, and a host that accepts and never answers."""

from __future__ import annotations

import time

import pytest
from playbook_runner import storage_digest

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
ARM_HOST = "127.0.0.1"
DOCKERHUB = "registry-1.docker.io"


def acr(standin, repo, tag, registry="standinacr"):
    return storage_digest(standin.env["registries"][registry]["storage_url"], repo, tag)


def env_lookup(name):
    return "{{ lookup('ansible.builtin.env', '%s') }}" % name


def by_source(result):
    return {r["source"]: r for r in result["results"]}


# ---- item 4: a token alone beside anonymous images of the same host --------------------------------------------------
def test_a_private_image_with_a_token_alone_beside_a_public_one_of_the_same_host(standin, ansible, repo):
    ghcr = standin.env["sources"]["ghcr"]
    private_digest = standin.push("ghcr", "%s/%s-p" % (ghcr["private_namespace"], repo), "1", **SMALL)
    public_digests = [standin.push("ghcr", "org/%s-%d" % (repo, n), "1", **SMALL) for n in range(3)]
    images = [{"source": "ghcr.io/org/%s-%d:1" % (repo, n)} for n in range(3)]
    images.insert(1, {"source": "ghcr.io/%s/%s-p:1" % (ghcr["private_namespace"], repo), "source_password": env_lookup("GHCR_PAT")})
    result, run = ansible.module("acr_import", registry="standinacr", images=images, env={"GHCR_PAT": ghcr["password"]})
    assert not result.get("failed"), (result.get("msg"), [r.get("msg") for r in result.get("results", [])], run)
    assert acr(standin, "ghcr.io/%s/%s-p" % (ghcr["private_namespace"], repo), "1") == private_digest
    assert [acr(standin, "ghcr.io/org/%s-%d" % (repo, n), "1") for n in range(3)] == public_digests
    assert ghcr["password"] not in run.stdout + run.stderr
    # The anonymous images' token requests never carried the token, and the private image's token was asked for with it.
    tokens = [e for e in standin.control.log() if e["host"] == "ghcr.io" and e["route"] == "source:token" and e["client"] == "controller"]
    private_scope = "repository:%s/%s-p:pull" % (ghcr["private_namespace"], repo)
    assert all(("Authorization" in e["headers"]) == (private_scope in e["query"]) for e in tokens), tokens


# ---- item 10: a token realm over plain http:// ------------------------------------------------------------------------
def test_a_token_realm_over_plain_http_is_refused(standin, ansible, repo):
    standin.push("ghcr", "org/" + repo, "1", **SMALL)
    realm = "http://ghcr.io/token"
    standin.control.faults([{"host": "ghcr.io", "path_regex": "^/v2/", "status": 401, "client": "controller",
                             "headers": {"WWW-Authenticate": 'Bearer realm="%s",service="ghcr.io"' % realm},
                             "body": {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}}])
    result, run = ansible.module("acr_import", registry="standinacr", source="ghcr.io/org/%s:1" % repo,
                                 source_username="someone", source_password=env_lookup("GHCR_PAT"),
                                 env={"GHCR_PAT": standin.env["sources"]["ghcr"]["password"]})
    assert result.get("failed"), run
    assert "ghcr.io" in result["msg"] and realm in result["msg"] and "plain HTTP" in result["msg"], result["msg"]
    assert standin.control.counters()["import_calls"] == 0
