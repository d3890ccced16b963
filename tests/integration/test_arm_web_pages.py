# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Resource Manager's or the identity provider's address answered by a web page (a TLS-inspecting proxy's sign-in page with
200, a gateway's 502 page) instead of JSON: the run fails naming who answered, the status and what the page says, with the
proxy hint, not the SDKs' "Expecting value: line 1 column 1", "without an error body" or "the identity provider refused the
credentials". Two ansible-playbook runs against the stand-in; the faults are the stand-in's `status` rules on its fronts."""

from __future__ import annotations

import pytest
from standin_reads import import_calls

pytestmark = pytest.mark.usefixtures("standin_clean")
ARM_HOST = "127.0.0.1"  # the module talks to Resource Manager by the arm_endpoint address
PAGE = "<!DOCTYPE html><html><head><title>Sign in to continue</title></head><body><form>Corporate proxy</form></body></html>"
HINT = "a proxy or gateway may be answering for Resource Manager (127.0.0.1:"


def test_a_web_page_in_place_of_resource_manager_is_named_as_one(standin, ansible, repo):
    standin.push("dockerhub", "library/" + repo, "1")
    standin.control.faults([
        # The first lookup of the registry (by name: the subscription's list) gets the proxy's sign-in page, with 200.
        {"host": ARM_HOST, "method": "GET", "path_regex": "(?i)/providers/Microsoft.ContainerRegistry/registries$", "status": 200,
         "headers": {"Content-Type": "text/html; charset=utf-8"}, "body": PAGE, "times": 1},
        # Every importImage gets a gateway's 502 page.
        {"host": ARM_HOST, "method": "POST", "path_regex": "(?i)/importImage$", "status": 502,
         "headers": {"Content-Type": "text/html"}, "body": PAGE.replace("Sign in to continue", "502 Bad Gateway")},
    ])
    task = {"acrops.registry.acr_import": {"registry": "standinacr", "source": repo + ":1"}}
    run = ansible.tasks([task, task])
    standin.control.faults([])
    listed, posted = run.results["r0"], run.results["r1"]

    assert listed["failed"] and listed["msg"].startswith("listing the registries of subscription "), listed
    assert "failed: Resource Manager answered HTTP 200 with a web page, not JSON: Sign in to continue. Hint: " in listed["msg"], listed["msg"]
    assert HINT in listed["msg"] and "Expecting value" not in listed["msg"]
    assert posted["failed"] and "import into standinacr failed: Resource Manager answered HTTP 502 with a web page, not JSON: 502 Bad Gateway" \
        in posted["msg"], posted
    assert HINT in posted["msg"] and "without an error body" not in posted["msg"] and "<" not in posted["msg"]
    assert "): check HTTPS_PROXY/NO_PROXY" in posted["msg"]
    assert import_calls(standin) == 0 and standin.acr_digest("standinacr", repo, "1") is None

    # The identity provider's token endpoint: the sign-in page with 200 once, then a gateway's 502 page (azure-identity
    # retries it, and gets it again). Not "the identity provider refused the credentials".
    standin.control.faults([
        {"host": "*", "method": "POST", "path_regex": "/oauth2/v2.0/token$", "status": 200, "headers": {"Content-Type": "text/html"},
         "body": PAGE, "times": 1},
        {"host": "*", "method": "POST", "path_regex": "/oauth2/v2.0/token$", "status": 502, "headers": {"Content-Type": "text/html"},
         "body": PAGE.replace("Sign in to continue", "502 Bad Gateway")},
    ])
    run = ansible.tasks([task, task])
    standin.control.faults([])
    for result, status, title in ((run.results["r0"], 200, "Sign in to continue"), (run.results["r1"], 502, "502 Bad Gateway")):
        assert result["failed"] and "failed: the identity provider answered HTTP %d with a web page, not JSON: %s. Hint: a proxy or gateway " \
            "may be answering for the identity provider (" % (status, title) in result["msg"], result
        assert "refused the credentials" not in result["msg"] and "Expecting value" not in result["msg"]
    assert import_calls(standin) == 0
