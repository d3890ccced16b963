# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a batch costs in requests: one source HEAD and one tag read per current image, and token requests that
cover many repositories at once (registry_auth.SCOPE_BATCH scopes each), also when a token service grants less."""

from __future__ import annotations

import math
import threading

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


def source_tokens(standin):
    return [e for e in standin.control.log(0) if e["client"] == "controller" and e["host"] == DOCKERHUB and e["route"] == "source:token"]


def test_a_current_batch_costs_one_head_one_tag_read_per_image_and_few_token_requests(standin, ansible, repo):
    images = push(standin, repo, 25)
    first = mirror(ansible, images)
    assert first["counts"]["imported"] == 25
    standin.control.reset(storage=False)  # forget the first run's requests, keep what it imported

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


def test_import_polls_keep_a_floor_under_a_tiny_retry_hint(standin, ansible, repo, wait_for):
    """A service hint of 20 ms (x-ms-retry-after-ms) would mean ~50 polls per import held for a second; the poller waits at
    least retries.ARM_MIN_WAIT (0.25 s) between polls, and still sees each import end. Checked on the gaps between one
    operation's polls in the stand-in's log: a loaded machine can only make them longer. The imports are held until each
    has been polled three times (counted, not timed: no import can end before the poller has shown its pace)."""
    images = push(standin, repo, 2)
    standin.control.settings(retry_after_ms=20)
    standin.control.import_behaviour(stuck=True)

    def polls():
        found = {}
        for entry in standin.control.log(0):
            if entry["client"] == "controller" and entry["route"] == "arm:operation":
                found.setdefault(entry["path"].rsplit("/", 1)[-1], []).append(entry["time"] - entry["ms"] / 1000.0)
        return found

    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(mirror(ansible, images, concurrency=2)))
    runner.start()
    try:
        wait_for(lambda: len(polls()) == 2 and all(len(times) >= 3 for times in polls().values()), timeout=120)
    finally:
        standin.control.import_behaviour(stuck=False)
        runner.join(timeout=300)
    assert outcome, "the run failed or did not end"
    result = outcome[0]
    assert result["counts"]["imported"] == 2
    for (dummy, digest), image in zip(images, result["results"]):
        assert image["targets"][0]["after"] == digest, image
    gaps = [later - earlier for times in polls().values() for earlier, later in zip(times, times[1:])]
    assert min(gaps) >= 0.25 * 0.9, sorted(gaps)   # without the floor: 20 ms; 10 % for the log's two clocks


def test_the_next_batch_token_is_asked_for_while_the_current_batch_is_in_use(standin, ansible, repo, wait_for):
    """Source reads answered only once the test lets them (4 at a time): the second batch's token request must not wait
    until the first batch's images are read, yet no more token requests are made than batches."""
    images = push(standin, repo, 45)
    standin.control.faults([{"host": DOCKERHUB, "method": "HEAD", "path_regex": "^/v2/.*/manifests/", "action": "hold",
                             "client": "controller"}])
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(run=ansible.module(
        "acr_import", registry="standinacr", images=[{"source": s} for s, dummy in images], concurrency=4, check=True)))
    runner.start()
    try:
        wait_for(lambda: len(source_tokens(standin)) >= 2)
        tokens = source_tokens(standin)
        answered = [e for e in standin.control.log(0) if e["host"] == DOCKERHUB and e["method"] == "HEAD" and e["status"] == 200]
        assert not answered, "the second batch's token came after source reads were answered: %d" % len(answered)
        assert len(tokens) == 2, [e["query"] for e in tokens]   # one batch ahead, never more
    finally:
        standin.control.faults([])
        runner.join()
    result, run = outcome["run"]
    assert not result.get("failed") and result["counts"]["would_import"] == 45, run
    tokens = source_tokens(standin)
    assert len(tokens) == math.ceil(45 / SCOPE_BATCH), [e["query"] for e in tokens]
