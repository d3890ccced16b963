# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""retries / retry_max_wait (issue 19): honoured on the data plane and on Resource Manager alike, counted in the stand-in's
request log against fault rules that never stop failing, and refused out of bounds before any call. One playbook run."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
ARM_HOST = "127.0.0.1"
DOCKERHUB = "registry-1.docker.io"
FAILING_GROUP = "rg-always-busy"


def requests_to(standin, host, method, path):
    return [e for e in standin.control.log() if e["host"] == host and e["method"] == method and path in e["path"]]


def test_retries_counts_attempts_per_call_on_registries_and_resource_manager(standin, ansible, repo):
    names = ["%s-%d" % (repo, index) for index in range(2)]
    for name in names:
        standin.push("dockerhub", "library/" + name, "1", **SMALL)
    busy = {"status": 503, "body": {"errors": [{"code": "UNAVAILABLE", "message": "busy"}]}}
    standin.control.faults([dict(busy, host=DOCKERHUB, method="HEAD", path_regex="/library/%s/manifests/" % name, client="controller")
                            for name in names]
                           + [{"host": ARM_HOST, "method": "GET", "path_regex": "/resourceGroups/%s/" % FAILING_GROUP, "status": 503}])
    tasks = [
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": names[0] + ":1", "retries": 2, "retry_max_wait": 1}},
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": names[1] + ":1", "retries": 4, "retry_max_wait": 1}},
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "resource_group": FAILING_GROUP, "repository": names[0],
                                            "retries": 3, "retry_max_wait": 1}},
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": names[0] + ":1", "retries": 0}},
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": names[0], "retry_max_wait": 301}},
    ]
    run = ansible.tasks(tasks)
    results = run.results
    for index in range(5):
        assert results["r%d" % index].get("failed"), (index, run)
    assert "503" in results["r0"]["msg"] and "503" in results["r1"]["msg"], run
    # Each call made exactly `retries` attempts: 2 for the first image's source, 4 for the second's, 3 for the registry lookup.
    assert len(requests_to(standin, DOCKERHUB, "HEAD", "/library/%s/manifests/" % names[0])) == 2
    assert len(requests_to(standin, DOCKERHUB, "HEAD", "/library/%s/manifests/" % names[1])) == 4
    assert len(requests_to(standin, ARM_HOST, "GET", "/resourceGroups/%s/" % FAILING_GROUP)) == 3
    # Out of bounds: refused with the bound, before any call (the last request logged is the registry lookup of r2).
    assert "retries must be between 1 and 10" in results["r3"]["msg"], run
    assert "retry_max_wait must be between 1 and 300" in results["r4"]["msg"], run
    log = standin.control.log()
    assert FAILING_GROUP in [e for e in log if not e["route"].startswith("control:")][-1]["path"], log[-3:]
