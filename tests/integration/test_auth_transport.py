# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 20's auth and transport defects, each against the stand-in over HTTPS: token cache identity and error="..."
challenges, cleartext token realms, Retry-After hints of hours or malformed, and a host that accepts and never answers."""

from __future__ import annotations

import pytest

from standin_reads import acr, env_lookup

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
ARM_HOST = "127.0.0.1"
DOCKERHUB = "registry-1.docker.io"


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


# ---- item 5: Retry-After of hours fails at once; malformed hints count as none ----------------------------------------
def push_library(standin, repo, count):
    return [("%s-%d:1" % (repo, n), standin.push("dockerhub", "library/%s-%d" % (repo, n), "1", **SMALL)) for n in range(count)]


def test_a_retry_after_of_hours_fails_the_image_at_once_with_the_wait_asked_for(standin, ansible, repo):
    images = push_library(standin, repo, 3)
    throttled = {"status": 429, "headers": {"Retry-After": "7200"}, "body": {"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]}}
    standin.control.faults([
        dict(throttled, host=DOCKERHUB, path_regex="/library/%s-0/manifests/" % repo, client="controller"),   # a source read
        dict(throttled, host=ARM_HOST, method="POST", path_regex=r"(?i)/importImage$", times=1),             # an import
    ])
    # timeout: a hang guard only (a run that waited for the hint would be stopped there and fail below).
    result, run = ansible.module("acr_import", registry="standinacr", images=[{"source": s} for s, dummy in images], concurrency=1,
                                 timeout=300)
    outcome = list(result["results"])
    failed = [r for r in outcome if r.get("failed")]
    assert len(failed) == 2, ([r.get("msg") for r in outcome], run)
    # At once: each throttled request was sent once, never again after a wait (counted by the stand-in, not timed).
    rules = standin.control.get("faults")["rules"]
    assert [rule["hits"] for rule in rules] == [1, 1], rules
    posts = [e["status"] for e in standin.control.log() if e["host"] == ARM_HOST and e["method"] == "POST" and e["path"].endswith("/importImage")]
    assert posts == [429, 202], posts
    for each in failed:
        assert each.get("error_code") == "TOOMANYREQUESTS" or "TOOMANYREQUESTS" in each["msg"], each
        assert "7200 s" in each["msg"] and "run again after" in each["msg"], each["msg"]
    assert any(DOCKERHUB in r["msg"] for r in failed) and any("Resource Manager" in r["msg"] for r in failed), [r["msg"] for r in failed]
    assert sum(1 for r in outcome if not r.get("failed")) == 1


@pytest.mark.parametrize("hint", ["1.5", "soon"])
def test_a_malformed_or_fractional_retry_after_is_retried_and_succeeds(standin, ansible, repo, hint):
    images = push_library(standin, repo, 1)
    throttled = {"status": 429, "headers": {"Retry-After": hint}, "times": 1, "body": {"errors": [{"code": "TOOMANYREQUESTS"}]}}
    standin.control.faults([
        dict(throttled, host=DOCKERHUB, method="HEAD", path_regex="/library/%s-0/manifests/" % repo, client="controller"),
        dict(throttled, host=ARM_HOST, method="POST", path_regex=r"(?i)/importImage$"),
    ])
    result, run = ansible.module("acr_import", registry="standinacr", source="docker.io/library/" + images[0][0])
    assert not result.get("failed"), (result.get("msg"), run)
    assert acr(standin, "%s-0" % repo, "1") == images[0][1]
    rules = standin.control.get("faults")["rules"]
    assert all(rule["hits"] == 1 for rule in rules), rules
    posts = [e["status"] for e in standin.control.log() if e["host"] == ARM_HOST and e["method"] == "POST" and e["path"].endswith("/importImage")]
    assert posts == [429, 202], posts   # retried by azure-core (with backoff), not failed as malformed
    heads = [e["status"] for e in standin.control.log() if e["host"] == DOCKERHUB and e["method"] == "HEAD" and "/manifests/" in e["path"]
             and e["client"] == "controller"]
    assert heads[0] == 429 and heads[-1] == 200, heads   # the source read was retried (a 401 may teach the challenge), not given up
    assert not any("could not be read" in w for w in result.get("warnings", [])), result.get("warnings")


# ---- item 6: a host that accepts connections and never answers ---------------------------------------------------------
BLACKHOLE = "blackhole.registry.test"


def test_a_host_that_never_answers_costs_the_batch_one_timeout_not_one_per_image(standin, ansible, repo):
    healthy = push_library(standin, repo, 8)
    standin.control.faults([{"host": BLACKHOLE, "action": "hang"}])
    images = [{"source": "docker.io/library/" + source} for source, dummy in healthy]
    images += [{"source": "%s/team/%s-%d:1" % (BLACKHOLE, repo, n)} for n in range(8)]
    result, run = ansible.module("acr_import", registry="standinacr", images=images, concurrency=16, timeout_connect=1)
    outcome = by_source(result)
    for source, digest in healthy:
        assert not outcome["docker.io/library/" + source].get("failed"), outcome["docker.io/library/" + source]
        assert acr(standin, "library/" + source.split(":")[0], "1") == digest or acr(standin, source.split(":")[0], "1") == digest
    for n in range(8):
        each = outcome["%s/team/%s-%d:1" % (BLACKHOLE, repo, n)]
        said = each.get("msg", "") + " ".join(each.get("warnings") or [])
        assert "cannot reach %s" % BLACKHOLE in said, each
    # One image paid the failing attempts (the shared retry policy's, each bounded by timeout_connect); the others were
    # answered from the run's memory: one tunnel per attempt, not one per attempt per image.
    tunnels = standin.control.counters()["proxy_tunnels"].get("hang " + BLACKHOLE, 0)
    assert 1 <= tunnels <= 5, (tunnels, run)   # before issue 20: 40 tunnels (8 images x 5 attempts, serially)
