# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a batch costs in requests: one source HEAD and one tag read per current image, and token requests that
cover many repositories at once (registry_auth.SCOPE_BATCH scopes each), also when a token service grants less."""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
DOCKERHUB = "registry-1.docker.io"
SCOPE_BATCH = 20  # plugins/module_utils/registry_auth.py


def push(standin, repo, count):
    return [("%s-%d:1" % (repo, i), standin.push("dockerhub", "library/%s-%d" % (repo, i), "1", **SMALL)) for i in range(count)]


def mirror(ansible, images, **params):
    result, run = ansible.module("acr_import", registry="standinacr", images=[{"source": s} for s, dummy in images], **params)
    assert not result.get("failed"), run
    return result


def controller_counts(standin):
    counters = standin.control.counters()
    routes = {}
    for key, value in counters["client_requests"].items():
        client, host, method, route = key.split(" ", 3)
        if client == "controller":
            routes["%s %s %s" % (host, method, route)] = value
    return counters, routes


def test_a_current_batch_costs_one_head_one_tag_read_per_image_and_few_token_requests(standin, ansible, repo):
    images = push(standin, repo, 25)
    first = mirror(ansible, images)
    assert first["counts"]["imported"] == 25
    standin.control.reset()

    result = mirror(ansible, images)
    assert not result["changed"] and result["counts"]["unchanged"] == 25
    counters, routes = controller_counts(standin)
    login = standin.env["registries"]["standinacr"]["login_server"]
    heads = routes.get("%s HEAD source:/v2/{repo}/manifests/{ref}" % DOCKERHUB, 0)
    assert heads == 25 + 1, routes  # one each, plus the first one that learns Docker Hub's challenge (401)
    assert routes.get("%s GET acr:/acr/v1/{repo}/_tags/{tag}" % login) == 25, routes
    batches = math.ceil(25 / SCOPE_BATCH)
    assert routes["%s GET source:token" % DOCKERHUB] == batches, routes   # not one per repository
    assert routes["%s POST acr:/oauth2/token" % login] == batches, routes
    assert routes["%s POST acr:/oauth2/exchange" % login] == 1, routes
    assert counters["import_calls"] == 0


def test_a_token_service_that_grants_fewer_scopes_than_asked_still_serves_every_image(standin, ansible, repo):
    images = push(standin, repo, 6)
    standin.control.settings(token_scope_limit=1)  # every token covers only the first scope it was asked for
    result = mirror(ansible, images)
    assert result["counts"]["imported"] == 6
    for (source, digest), image in zip(images, result["results"]):
        assert image["source_digest"] == digest and image["targets"][0]["after"] == digest, image
    dummy, routes = controller_counts(standin)
    login = standin.env["registries"]["standinacr"]["login_server"]
    # The first token covered one image; each of the other five was refused once, then asked for alone: bounded, no loop.
    assert routes["%s HEAD source:/v2/{repo}/manifests/{ref}" % DOCKERHUB] == 1 + 6 + 5 + 6, routes  # challenge, reads, refusals, verify
    assert routes["%s GET source:token" % DOCKERHUB] == 1 + 5, routes
    assert routes["%s POST acr:/oauth2/exchange" % login] == 1, routes  # a narrow access token is no reason to re-exchange


def test_a_token_service_that_refuses_a_batched_request_falls_back_to_single_scopes(standin, ansible, repo):
    images = push(standin, repo, 4)
    standin.control.faults([{"host": DOCKERHUB, "method": "GET", "path_regex": "^/token", "action": "status", "status": 401,
                             "body": {"details": "incorrect username or password"}, "times": 1, "client": "controller"}])
    result = mirror(ansible, images)
    assert result["counts"]["imported"] == 4
    assert standin.control.get("faults")["rules"][0]["hits"] == 1
    routes = controller_counts(standin)[1]
    assert routes["%s GET fault" % DOCKERHUB] == 1, routes  # the refused batch (the stand-in counts it as the fault's)
    assert routes["%s GET source:token" % DOCKERHUB] == 2, routes  # the first image's scope alone, then the other three at once


def test_import_polls_keep_a_floor_under_a_tiny_retry_hint(standin, ansible, repo):
    """A service hint of 20 ms (x-ms-retry-after-ms) would mean ~50 polls per import held for a second; the poller waits at
    least retries.ARM_MIN_WAIT (0.25 s) between polls, and still sees each import end."""
    images = push(standin, repo, 2)
    standin.control.settings(retry_after_ms=20)
    standin.control.import_behaviour(delay=1.0)
    result = mirror(ansible, images, concurrency=2)
    assert result["counts"]["imported"] == 2
    for (dummy, digest), image in zip(images, result["results"]):
        assert image["targets"][0]["after"] == digest, image
    routes = controller_counts(standin)[1]
    polls = sum(count for route, count in routes.items() if route.endswith("GET arm:operation"))
    assert 2 <= polls <= 2 * (1.0 / 0.25 + 2), routes   # without the floor: ~100


def test_the_next_batch_token_is_asked_for_while_the_current_batch_is_in_use(standin, ansible, repo):
    """Slow source reads (0.3 s each, 4 at a time): the second batch's token request must not wait until the first batch's
    images are read (which takes 20 reads), yet no more token requests are made than batches."""
    images = push(standin, repo, 45)
    standin.control.faults([{"host": DOCKERHUB, "method": "HEAD", "path_regex": "^/v2/.*/manifests/", "action": "delay", "delay": 0.3,
                             "client": "controller"}])
    result, run = ansible.module("acr_import", registry="standinacr", images=[{"source": s} for s, dummy in images], concurrency=4,
                                 check=True)
    assert not result.get("failed") and result["counts"]["would_import"] == 45, run
    log = sorted((e for e in standin.control.log(0) if e["client"] == "controller" and e["host"] == DOCKERHUB), key=lambda e: e["time"])
    tokens = [e for e in log if e["route"] == "source:token"]
    assert len(tokens) == math.ceil(45 / SCOPE_BATCH), [e["query"] for e in tokens]
    reads_before = [e for e in log if e["method"] == "HEAD" and e["status"] == 200 and e["time"] < tokens[1]["time"]]
    assert len(reads_before) <= 4, len(reads_before)   # without the read-ahead: at least 20 - 4
