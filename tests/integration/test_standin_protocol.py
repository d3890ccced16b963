# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in's protocol details, checked with plain HTTP: what a client that does not use the SDKs would see.

Metadata shapes, Entra and ARM errors, 401 on every route without a token, paging, import request validation,
import behaviour controls, faults, Docker Hub semantics, the proxy's refusal of other hosts, JWT encoding for
azure-containerregistry, the masked request log, reset, and process hygiene (start-up time, no process left behind).
"""

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import pytest

from standin import artifacts, clients
from standin.fixture import start
from standin.images import MANIFEST_ACCEPT

requests = pytest.importorskip("requests")
ZERO_DIGEST = "sha256:" + "0" * 64
HANG_GUARD = 120  # seconds: bounds only what would otherwise never end (an import, a process)


def arm(standin, method, path, token=None, **kwargs):
    """A raw ARM call on the stand-in (no proxy needed: 127.0.0.1)."""
    session = requests.Session()
    session.trust_env = False
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = "Bearer " + token
    with session:
        return session.request(method, standin.env["arm_endpoint"] + path, headers=headers, verify=standin.env["ca_file"], timeout=30,
                               **kwargs)


def via_proxy(standin, method, url, **kwargs):
    with standin.proxied_session() as session:
        return session.request(method, url, timeout=30, **kwargs)


def import_path(standin, registry="standinacr", version="2025-11-01"):
    return "%s/importImage?api-version=%s" % (standin.env["registries"][registry]["id"], version)


def poll(standin, location, token, limit=None):
    """The operation's answers until it ends (or `limit` answers): polled to its end however slow the machine, the deadline
    only ends an import that never finishes."""
    answers, deadline = [], time.monotonic() + HANG_GUARD
    while limit is None or len(answers) < limit:
        with standin.proxied_session() as session:
            response = session.get(location, headers={"Authorization": "Bearer " + token}, timeout=30)
        answers.append((response.status_code, response.json()))
        if response.status_code != 202:
            return answers
        assert time.monotonic() < deadline, "still running after %d s: %s" % (HANG_GUARD, answers[-1])
        location = response.headers["Location"]
        time.sleep(0.02)  # pacing only
    return answers


def b64_payload(token):
    """Decode a JWT payload the way azure-containerregistry 1.2.0 does (standard alphabet, its own padding rule)."""
    value = token.split(".")[1]
    if len(value) % 4:
        value += "=" * (len(value) % 4)
    return json.loads(base64.b64decode(value).decode("utf-8"))


# -- env.json and metadata ------------------------------------------------------------------------------------------

def test_env_json_describes_everything_a_client_needs(standin):
    env = standin.env
    assert set(env["registries"]) == {"standinacr", "devacr", "prodacr", "otheracr"}
    assert env["registries"]["otheracr"]["subscription_id"] == env["subscriptions"]["other"] != env["subscriptions"]["main"]
    for name, info in env["registries"].items():
        assert info["login_server"] == "%s.azurecr.standin.test" % name
        assert info["id"].endswith("/resourceGroups/%s/providers/Microsoft.ContainerRegistry/registries/%s" % (info["resource_group"], name))
    assert env["registries"]["standinacr"]["resource_group"] == "rg-mirror"
    assert set(env["sources"]) == {"dockerhub", "ghcr", "mcr", "quay", "private"}
    assert env["sources"]["private"]["storage_url"].startswith("https://127.0.0.1:")
    assert set(env["principals"]) == {"importer", "reader"}
    with open(env["ca_bundle"], encoding="ascii") as bundle, open(env["ca_file"], encoding="ascii") as ca:
        combined, own = bundle.read(), ca.read()
    assert combined.rstrip().endswith(own.strip()) and combined.count("BEGIN CERTIFICATE") > 10
    assert os.path.exists(os.path.join(env["state_dir"], "env.json"))


def test_metadata_document_shape_follows_the_api_version(standin):
    old = arm(standin, "GET", "/metadata/endpoints?api-version=2015-01-01").json()
    assert old["galleryEndpoint"] and old["authentication"]["loginEndpoint"] == standin.env["arm_endpoint"] + "/"
    listed = arm(standin, "GET", "/metadata/endpoints?api-version=2019-05-01").json()
    assert isinstance(listed, list) and listed[0]["name"] == "StandIn"
    current = arm(standin, "GET", "/metadata/endpoints?api-version=2022-09-01").json()
    assert current["resourceManager"] == standin.env["arm_endpoint"] + "/"
    assert current["authentication"]["audiences"][0] == standin.env["arm_audience"]
    assert current["suffixes"]["acrLoginServer"] == "azurecr.standin.test"
    by_name = via_proxy(standin, "GET", "https://management.standin.test/metadata/endpoints?api-version=2022-09-01").json()
    assert by_name["resourceManager"] == "https://management.standin.test/"


# -- Entra ------------------------------------------------------------------------------------------------------------

def entra_post(standin, form, tenant=None):
    return arm(standin, "POST", "/%s/oauth2/v2.0/token" % (tenant or standin.env["tenant_id"]), data=form)


def test_entra_errors_are_the_real_ones(standin_clean):
    standin = standin_clean
    importer = standin.env["principals"]["importer"]
    scope = standin.env["arm_audience"] + ".default"
    base = {"grant_type": "client_credentials", "client_id": importer["client_id"], "scope": scope}
    wrong = entra_post(standin, dict(base, client_secret="nope"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.json()["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    unknown = entra_post(standin, dict(base, client_id="11111111-1111-1111-1111-111111111111", client_secret="x"))
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [700016]
    assert entra_post(standin, dict(base, client_secret=importer["client_secret"]), tenant="nobody").json()["error_codes"] == [90002]
    bad_scope = entra_post(standin, dict(base, client_secret=importer["client_secret"], scope="https://management.azure.com/.default"))
    assert bad_scope.status_code == 400 and "AADSTS500011" in bad_scope.json()["error_description"]
    with open(importer["federated_token_file"], encoding="utf-8") as handle:
        assertion = {"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": handle.read()}
    assert entra_post(standin, dict(base, **assertion)).status_code == 200
    assert entra_post(standin, dict(base, **dict(assertion, client_assertion="forged"))).status_code == 401
    config = arm(standin, "GET", "/%s/v2.0/.well-known/openid-configuration" % importer["tenant_id"]).json()
    assert config["token_endpoint"] == "%s/%s/oauth2/v2.0/token" % (standin.env["arm_endpoint"], importer["tenant_id"])


# -- ARM --------------------------------------------------------------------------------------------------------------

def test_every_arm_route_needs_a_valid_token(standin_clean):
    standin = standin_clean
    sub = standin.env["subscriptions"]["main"]
    registry = standin.env["registries"]["standinacr"]["id"]
    routes = [("GET", "/subscriptions"), ("GET", "/subscriptions/%s" % sub), ("GET", "/tenants"),
              ("GET", "/subscriptions/%s/resourceGroups/rg-mirror" % sub),
              ("GET", "/subscriptions/%s/providers/Microsoft.ContainerRegistry/registries" % sub),
              ("GET", "/subscriptions/%s/resourceGroups/rg-mirror/providers/Microsoft.ContainerRegistry/registries" % sub),
              ("GET", registry), ("POST", registry + "/importImage"),
              ("GET", "/subscriptions/%s/providers/Microsoft.ContainerRegistry/locations/WESTUS/operationResults/registries-x" % sub)]
    skewed = standin.entra_token()
    wrong_audience = standin.entra_token(scope=standin.env["acr_audience"] + "/.default")
    for method, path in routes:
        url = path + "?api-version=2025-11-01"
        missing = arm(standin, method, url, json={})
        assert missing.status_code == 401 and missing.json()["error"]["code"] == "AuthenticationFailed", (method, path)
        assert missing.headers["WWW-Authenticate"].startswith("Bearer authorization_uri=")
        assert arm(standin, method, url, "not.a.token", json={}).json()["error"]["code"] == "InvalidAuthenticationToken"
        assert arm(standin, method, url, wrong_audience, json={}).json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    standin.control.time_skew(7200)
    expired = arm(standin, "GET", registry + "?api-version=2025-11-01", skewed)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "ExpiredAuthenticationToken"
    standin.control.time_skew(0)
    assert arm(standin, "GET", registry + "?api-version=2025-11-01", skewed).status_code == 200
    assert arm(standin, "GET", registry, skewed).json()["error"]["code"] == "MissingApiVersionParameter"


def test_arm_lists_are_paged_and_lookups_fail_like_arm(standin_client):
    standin = standin_client
    client = clients.mgmt_client(standin)
    assert sorted(r.name for r in client.registries.list()) == ["devacr", "prodacr", "standinacr"]
    pages = standin.control.counters()["requests"]["127.0.0.1 GET arm:registries_sub"]
    assert pages == 2  # page size 2: nextLink followed once
    assert [r.name for r in client.registries.list_by_resource_group("rg-mirror")] == ["standinacr"]
    other = clients.mgmt_client(standin, subscription="other")
    assert [r.login_server for r in other.registries.list()] == ["otheracr.azurecr.standin.test"]
    not_found = pytest.importorskip("azure.core.exceptions").ResourceNotFoundError
    with pytest.raises(not_found) as caught:
        client.registries.get("rg-mirror", "nosuchacr")
    assert caught.value.error.code == "ResourceNotFound"
    with pytest.raises(not_found) as caught:
        client.registries.get("rg-nope", "standinacr")
    assert caught.value.error.code == "ResourceGroupNotFound"
    token = standin.entra_token()
    page = arm(standin, "GET", "/subscriptions/%s/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01"
               % standin.env["subscriptions"]["main"], token).json()
    assert len(page["value"]) == 2 and "$skipToken=2" in page["nextLink"]
    assert page["value"][0]["properties"]["loginServer"] == "devacr.azurecr.standin.test"


@pytest.mark.parametrize("body, fragment", [
    ({}, "'source' parameter is required"),
    ({"source": {"registryUri": "docker.io"}, "targetTags": ["a:1"]}, "'source.sourceImage' parameter is required"),
    ({"source": {"registryUri": "docker.io", "resourceId": "/x", "sourceImage": "a:1"}, "targetTags": ["a:1"]}, "Only one of"),
    ({"source": {"sourceImage": "a:1"}, "targetTags": ["a:1"]}, "One of 'source.resourceId' or 'source.registryUri'"),
    ({"source": {"registryUri": "docker.io", "sourceImage": "a:1@" + ZERO_DIGEST}, "targetTags": ["a:1"]}, "both a tag and a digest"),
    ({"source": {"registryUri": "docker.io", "sourceImage": "a:1"}, "targetTags": "a:1"}, "must be a list of strings"),
    ({"source": {"registryUri": "docker.io", "sourceImage": "a:1"}}, "At least one of 'targetTags' or 'untaggedTargetRepositories'"),
    ({"source": {"registryUri": "docker.io", "sourceImage": "a:1"}, "targetTags": ["a:1"], "mode": "Sometimes"}, "not valid for 'mode'"),
    ({"source": {"registryUri": "docker.io", "sourceImage": "a:1", "credentials": {"username": "u"}}, "targetTags": ["a:1"]},
     "'source.credentials.password' parameter is required"),
    ({"source": {"registryUri": "docker.io", "sourceImage": "Upper/Case:1"}, "targetTags": ["a:1"]}, "is not valid"),
])
def test_import_request_validation_is_synchronous(standin_clean, body, fragment):
    standin = standin_clean
    before = len(standin.control.operations())
    response = arm(standin, "POST", import_path(standin), standin.entra_token(), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "InvalidParameters"
    assert fragment in response.json()["error"]["message"]
    assert len(standin.control.operations()) == before  # no operation was started
    assert standin.control.counters()["import_calls"] == 1


def test_unparsable_import_body(standin_clean):
    response = arm(standin_clean, "POST", import_path(standin_clean), standin_clean.entra_token(), data=b"{not json",
                   headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "InvalidRequestContent"


# -- import behaviour ---------------------------------------------------------------------------------------------------

def post_import(standin, body, request_id=None, version="2025-11-01"):
    token = standin.entra_token()
    headers = {"x-ms-client-request-id": request_id} if request_id else {}
    response = arm(standin, "POST", import_path(standin, version=version), token, json=body, headers=headers)
    assert response.status_code == 202, response.text
    return response, token


def test_pending_stuck_and_failing_imports(standin_clean, unique_repo, wait_for):
    standin = standin_clean
    standin.push("dockerhub", "library/" + unique_repo, "1")
    body = {"source": {"registryUri": "docker.io", "sourceImage": "library/%s:1" % unique_repo}, "mode": "Force"}

    standin.control.import_behaviour(delay=0, stuck=True)  # held until the first poll has seen it pending
    response, token = post_import(standin, dict(body, targetTags=["%s:delayed" % unique_repo]), request_id="stand-in-delay-1")
    assert response.content == b"" and "Content-Type" not in response.headers
    answers = poll(standin, response.headers["Location"], token, limit=1)
    assert answers == [(202, {"%s:delayed" % unique_repo: "Pending", "status": "Accepted"})]
    standin.control.import_behaviour(stuck=False)
    answers = poll(standin, response.headers["Location"], token)
    assert answers[-1] == (200, {"status": "Succeeded"})

    standin.control.import_behaviour(delay=0, stuck=True)
    response, token = post_import(standin, dict(body, targetTags=["%s:stuck" % unique_repo]))
    assert poll(standin, response.headers["Location"], token, limit=3)[-1][0] == 202  # held: pending however often it is asked
    assert [op["status"] for op in standin.control.operations() if op["targets"] == ["%s:stuck" % unique_repo]] == ["Accepted"]

    # Releasing a stuck import lets it finish; let it, so the next failure budget is not spent on it.
    standin.control.import_behaviour(stuck=False)
    wait_for(lambda: [op["status"] for op in standin.control.operations() if op["targets"] == ["%s:stuck" % unique_repo]] == ["Succeeded"])
    standin.control.import_behaviour(fail_times=1)
    registry_id = standin.env["registries"]["standinacr"]["id"]
    response, token = post_import(standin, dict(body, targetTags=["%s:flaky" % unique_repo]), request_id="flaky-1")
    failed = poll(standin, response.headers["Location"], token)[-1]
    assert failed == (400, {"error": {"code": "InvalidParameters",
                                      "message": "Operation registries-flaky-1 failed. Resource %s Error copying blobs" % registry_id}})
    response, token = post_import(standin, dict(body, targetTags=["%s:flaky" % unique_repo]))
    assert poll(standin, response.headers["Location"], token)[-1][0] == 200

    standin.control.import_behaviour(permanent_failure="Something permanent.")
    response, token = post_import(standin, dict(body, targetTags=["%s:broken" % unique_repo]))
    assert poll(standin, response.headers["Location"], token)[-1][1]["error"]["message"].endswith("Resource %s Something permanent." % registry_id)
    assert standin.control.counters()["imports"] == {"started": 5, "succeeded": 3, "failed": 2}  # the released stuck one finished


def test_more_than_fifty_manifests_fail(standin_clean, unique_repo):
    standin = standin_clean
    platforms = ["linux/arch%d" % n for n in range(50)]
    standin.push("dockerhub", "library/" + unique_repo, "wide", platforms=platforms, size=16)
    response, token = post_import(standin, {"source": {"registryUri": "docker.io", "sourceImage": "library/%s:wide" % unique_repo},
                                            "targetTags": ["%s:wide" % unique_repo], "mode": "NoForce"})
    status, body = poll(standin, response.headers["Location"], token)[-1]
    assert status == 400 and "The maximum number of manifests for an imported image is 50." in body["error"]["message"]


# -- faults -----------------------------------------------------------------------------------------------------------

def test_faults_answer_reset_or_delay_then_expire(standin_clean, unique_repo):
    standin = standin_clean
    token = standin.entra_token()
    registry = standin.env["registries"]["standinacr"]["id"] + "?api-version=2025-11-01"
    standin.control.faults([{"host": "127.0.0.1", "method": "GET", "path_regex": "/registries/standinacr$", "status": 503,
                             "headers": {"Retry-After": "1"}, "body": {"error": {"code": "ServerBusy", "message": "busy"}}, "times": 1}])
    busy = arm(standin, "GET", registry, token)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1" and busy.json()["error"]["code"] == "ServerBusy"
    assert arm(standin, "GET", registry, token).status_code == 200

    standin.control.faults([{"path_regex": "/registries/standinacr$", "action": "reset", "times": 1}])
    with pytest.raises(requests.ConnectionError):
        arm(standin, "GET", registry, token)
    standin.control.faults([{"path_regex": "/registries/standinacr$", "action": "delay", "delay": 0.4, "times": 1}])
    started = time.monotonic()
    assert arm(standin, "GET", registry, token).status_code == 200
    assert time.monotonic() - started >= 0.4
    assert standin.control.get("faults")["rules"][0]["hits"] == 1

    standin.push("dockerhub", "library/" + unique_repo, "1")
    standin.control.faults([{"host": "registry-1.docker.io", "client": "acr-import", "path_regex": "/manifests/", "status": 429,
                             "body": {"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]}}])
    response, token = post_import(standin, {"source": {"registryUri": "docker.io", "sourceImage": "library/%s:1" % unique_repo},
                                            "targetTags": ["%s:1" % unique_repo], "mode": "NoForce"})
    message = poll(standin, response.headers["Location"], token)[-1][1]["error"]["message"]
    assert 'Invalid message TooManyRequests Too Many Requests {"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' in message
    assert via_proxy(standin, "GET", "https://registry-1.docker.io/v2/").status_code == 401  # the controller is not affected


# -- source fronts ------------------------------------------------------------------------------------------------------

def source_token(standin, host, repo, auth=None):
    response = via_proxy(standin, "GET", "https://%s/token?service=%s&scope=repository:%s:pull" % (host, host, repo), auth=auth)
    return response


def test_docker_hub_front_behaves_like_docker_hub(standin_clean, unique_repo):
    standin = standin_clean
    repo = "library/" + unique_repo
    digest = standin.push("dockerhub", repo, "1", platforms="linux/amd64")
    challenge = via_proxy(standin, "GET", "https://registry-1.docker.io/v2/")
    assert challenge.status_code == 401
    assert challenge.headers["WWW-Authenticate"] == 'Bearer realm="https://registry-1.docker.io/token",service="registry-1.docker.io"'
    token = source_token(standin, "registry-1.docker.io", repo).json()
    assert set(token) == {"token", "access_token", "expires_in", "issued_at"}
    headers = {"Authorization": "Bearer " + token["token"], "Accept": MANIFEST_ACCEPT}
    manifest_url = "https://docker.io/v2/%s/manifests/1" % repo
    head = via_proxy(standin, "HEAD", manifest_url, headers=headers)
    assert head.headers["Docker-Content-Digest"] == digest
    remaining = int(head.headers["ratelimit-remaining"].split(";")[0])
    got = via_proxy(standin, "GET", manifest_url, headers=headers)
    assert got.status_code == 200 and int(got.headers["ratelimit-remaining"].split(";")[0]) == remaining - 1
    assert via_proxy(standin, "HEAD", manifest_url, headers=headers).headers["ratelimit-remaining"] == got.headers["ratelimit-remaining"]

    unknown = via_proxy(standin, "GET", "https://registry-1.docker.io/v2/%s/manifests/1" % unique_repo, headers=headers)
    assert unknown.status_code == 401 and unknown.json()["errors"][0]["code"] == "UNAUTHORIZED"
    no_token = via_proxy(standin, "GET", manifest_url, headers={"Accept": MANIFEST_ACCEPT})
    assert no_token.status_code == 401 and 'scope="repository:%s:pull"' % repo in no_token.headers["WWW-Authenticate"]

    hub = standin.env["sources"]["dockerhub"]
    private_repo = "%s/%s" % (hub["private_namespace"], unique_repo)
    standin.push("dockerhub", private_repo, "1")
    anonymous = source_token(standin, "registry-1.docker.io", private_repo).json()["token"]
    assert via_proxy(standin, "HEAD", "https://registry-1.docker.io/v2/%s/manifests/1" % private_repo,
                     headers={"Authorization": "Bearer " + anonymous, "Accept": MANIFEST_ACCEPT}).status_code == 401
    assert source_token(standin, "registry-1.docker.io", private_repo, auth=(hub["username"], "bad")).json() == {
        "details": "incorrect username or password"}
    user_token = source_token(standin, "registry-1.docker.io", private_repo, auth=(hub["username"], hub["password"])).json()["token"]
    assert via_proxy(standin, "HEAD", "https://registry-1.docker.io/v2/%s/manifests/1" % private_repo,
                     headers={"Authorization": "Bearer " + user_token, "Accept": MANIFEST_ACCEPT}).status_code == 200

    standin.control.settings(dockerhub_pull_limit=1)
    standin.control.reset()  # spent pulls are per reset; settings go back to the start-up values too
    standin.control.settings(dockerhub_pull_limit=1)
    assert via_proxy(standin, "GET", manifest_url, headers=headers).status_code == 200
    limited = via_proxy(standin, "GET", manifest_url, headers=headers)
    assert limited.status_code == 429 and limited.json()["errors"][0]["code"] == "TOOMANYREQUESTS"


def test_mcr_needs_no_auth_and_fronts_are_read_only(standin_clean, unique_repo):
    standin = standin_clean
    digest = standin.push("mcr", "dotnet/" + unique_repo, "8.0")
    got = via_proxy(standin, "GET", "https://mcr.microsoft.com/v2/dotnet/%s/manifests/8.0" % unique_repo, headers={"Accept": MANIFEST_ACCEPT})
    assert got.status_code == 200 and got.headers["Docker-Content-Digest"] == digest
    tags = via_proxy(standin, "GET", "https://mcr.microsoft.com/v2/dotnet/%s/tags/list" % unique_repo).json()
    assert tags == {"name": "dotnet/" + unique_repo, "tags": ["8.0"]}
    assert via_proxy(standin, "PUT", "https://ghcr.io/v2/org/x/manifests/1", data=b"{}").status_code == 401


def test_proxy_refuses_every_other_host(standin_clean):
    standin = standin_clean
    with pytest.raises(requests.exceptions.ProxyError):
        via_proxy(standin, "GET", "https://example.com/")
    port = int(standin.env["proxy"].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"CONNECT nothere.azurecr.standin.test:443 HTTP/1.1\r\nHost: nothere.azurecr.standin.test:443\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 403 ")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 405 ")
    assert standin.control.counters()["proxy_tunnels"]["refused example.com"] == 1


# -- ACR data plane -------------------------------------------------------------------------------------------------------

def test_every_data_plane_route_needs_a_token_with_the_right_scope(standin_clean, unique_repo):
    standin = standin_clean
    login = standin.env["registries"]["standinacr"]["login_server"]
    repo = unique_repo
    routes = [("GET", "/v2/", None), ("GET", "/v2/_catalog", "registry:catalog:*"), ("GET", "/acr/v1/_catalog", "registry:catalog:*"),
              ("GET", "/v2/%s/manifests/1" % repo, "repository:%s:pull" % repo),
              ("HEAD", "/v2/%s/manifests/1" % repo, "repository:%s:pull" % repo),
              ("PUT", "/v2/%s/manifests/1" % repo, "repository:%s:pull,push" % repo),
              ("DELETE", "/v2/%s/manifests/%s" % (repo, ZERO_DIGEST), "repository:%s:delete" % repo),
              ("GET", "/v2/%s/blobs/%s" % (repo, ZERO_DIGEST), "repository:%s:pull" % repo),
              ("POST", "/v2/%s/blobs/uploads/" % repo, "repository:%s:pull,push" % repo),
              ("GET", "/v2/%s/tags/list" % repo, "repository:%s:pull" % repo),
              ("GET", "/acr/v1/%s" % urllib.parse.quote(repo, safe=""), "repository:%s:metadata_read" % repo),
              ("GET", "/acr/v1/%s/_tags" % repo, "repository:%s:metadata_read" % repo),
              ("GET", "/acr/v1/%s/_tags/1" % urllib.parse.quote(repo, safe=""), "repository:%s:metadata_read" % repo),
              ("PATCH", "/acr/v1/%s/_tags/1" % repo, "repository:%s:metadata_write" % repo),
              ("GET", "/acr/v1/%s/_manifests" % repo, "repository:%s:metadata_read" % repo),
              ("GET", "/acr/v1/%s/_manifests/%s" % (repo, ZERO_DIGEST), "repository:%s:metadata_read" % repo)]
    pull_only = standin.acr_token("standinacr", "repository:%s:pull" % repo, principal="reader")
    for method, path, scope in routes:
        response = via_proxy(standin, method, "https://%s%s" % (login, path))
        assert response.status_code == 401, (method, path)
        expected = 'Bearer realm="https://%s/oauth2/token",service="%s"' % (login, login)
        if scope:
            expected += ',scope="%s"' % scope
        assert response.headers["WWW-Authenticate"] == expected
        if method != "HEAD":
            assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"
        if scope and "pull" not in scope.split(":")[-1].split(","):
            assert via_proxy(standin, method, "https://%s%s" % (login, path), headers={"Authorization": "Bearer " + pull_only}).status_code == 401
    standin.control.time_skew(10 ** 5)
    assert via_proxy(standin, "GET", "https://%s/v2/%s/tags/list" % (login, repo), headers={"Authorization": "Bearer " + pull_only}).status_code == 401


def test_acr_tokens_are_jwts_the_old_sdk_can_decode(standin_clean):
    standin = standin_clean
    login = standin.env["registries"]["devacr"]["login_server"]
    helpers = pytest.importorskip("azure.containerregistry._helpers")
    for _attempt in range(20):  # payloads differ each time (jti, iat): every one must decode
        refresh = via_proxy(standin, "POST", "https://%s/oauth2/exchange" % login,
                            data={"grant_type": "access_token", "service": login, "access_token": standin.entra_token()}).json()["refresh_token"]
        access = via_proxy(standin, "POST", "https://%s/oauth2/token" % login,
                           data={"service": login, "scope": "repository:a/b:pull,push", "refresh_token": refresh}).json()["access_token"]
        for token in (refresh, access):
            payload = token.split(".")[1]
            assert "-" not in payload and "_" not in payload and len(payload) % 4 == 0
            assert helpers._parse_exp_time(token) > time.time()  # pylint: disable=protected-access
        assert b64_payload(refresh)["aud"] == login and b64_payload(access)["access"] == [
            {"Type": "repository", "Name": "a/b", "Actions": ["pull", "push"]}]
    reader_refresh = via_proxy(standin, "POST", "https://%s/oauth2/exchange" % login,
                               data={"grant_type": "access_token", "service": login,
                                     "access_token": standin.entra_token("reader")}).json()["refresh_token"]
    reader_access = via_proxy(standin, "POST", "https://%s/oauth2/token" % login,
                              data={"service": login, "scope": "repository:a/b:pull,push,delete", "refresh_token": reader_refresh}).json()
    assert b64_payload(reader_access["access_token"])["access"][0]["Actions"] == ["pull"]
    importer = standin.env["principals"]["importer"]
    basic = via_proxy(standin, "GET", "https://%s/oauth2/token?service=%s&scope=repository:a/b:pull" % (login, login),
                      auth=(importer["client_id"], importer["client_secret"]))
    assert basic.status_code == 200 and "access_token" in basic.json()
    assert via_proxy(standin, "GET", "https://%s/oauth2/token?service=%s&scope=repository:a/b:pull" % (login, login),
                     auth=(importer["client_id"], "wrong")).status_code == 401


def test_tags_list_page_and_decode_percent_encoded_repositories(standin_client, unique_repo):
    standin = standin_client
    repo = "library/" + unique_repo.replace("/", "-")
    digests = {tag: standin.push("standinacr", repo, tag, seed=tag) for tag in ("a", "b", "c")}
    with clients.registry_client(standin) as registry:
        assert [t.name for t in registry.list_tag_properties(repo, results_per_page=2)] == ["a", "b", "c"]
        assert registry.get_tag_properties(repo, "b").digest == digests["b"]
        assert repo in list(registry.list_repository_names())
        newest = registry.list_tag_properties(repo, order_by="timedesc")
        assert [t.name for t in newest] == ["c", "b", "a"]  # pushed a, b, c: the newest first
    login = standin.env["registries"]["standinacr"]["login_server"]
    token = standin.acr_token("standinacr", "repository:%s:metadata_read" % repo)
    auth = {"Authorization": "Bearer " + token}
    encoded = urllib.parse.quote(repo, safe="")
    first = via_proxy(standin, "GET", "https://%s/acr/v1/%s/_tags?n=2" % (login, encoded), headers=auth)
    assert [t["name"] for t in first.json()["tags"]] == ["a", "b"]
    assert first.headers["Link"] == '</acr/v1/%s/_tags?last=b&n=2>; rel="next"' % repo
    second = via_proxy(standin, "GET", "https://%s%s" % (login, re.match(r"<([^>]+)>", first.headers["Link"]).group(1)), headers=auth)
    assert [t["name"] for t in second.json()["tags"]] == ["c"] and "Link" not in second.headers
    missing = via_proxy(standin, "GET", "https://%s/acr/v1/%s/_tags/zzz" % (login, encoded), headers=auth)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "TAG_UNKNOWN"
    tag = via_proxy(standin, "GET", "https://%s/acr/v1/%s/_tags/a" % (login, encoded), headers=auth).json()
    assert tag["registry"] == login and tag["imageName"] == repo
    assert set(tag["tag"]) == {"name", "digest", "createdTime", "lastUpdateTime", "signed", "changeableAttributes"}
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$", tag["tag"]["createdTime"])


# -- log, reset, processes ----------------------------------------------------------------------------------------------

def test_request_log_never_holds_a_secret(standin_client, unique_repo):
    standin = standin_client
    private = standin.env["sources"]["private"]
    standin.push("private", "team/" + unique_repo, "1")
    clients.mgmt_client(standin).registries.begin_import_image(
        "rg-mirror", "standinacr", clients.import_parameters("team/%s:1" % unique_repo, ["%s:1" % unique_repo],
                                                             registry_uri=private["host"], username=private["username"],
                                                             password=private["password"])).result()
    entra = standin.entra_token()
    standin.acr_token("standinacr", "repository:x:pull")
    via_proxy(standin, "GET", "https://registry-1.docker.io/token?scope=repository:x:pull",
              auth=(standin.env["sources"]["dockerhub"]["username"], standin.env["sources"]["dockerhub"]["password"]))
    text = json.dumps(standin.control.log())
    secrets = [private["password"], standin.env["principals"]["importer"]["client_secret"], entra, entra.split(".")[1],
               standin.env["sources"]["dockerhub"]["password"]]
    for secret in secrets:
        assert secret not in text
    assert '"password": "***"' in text and "client_secret=%2A%2A%2A" in text and '"Authorization": "Bearer ***"' in text


def test_reset_clears_counters_faults_behaviour_log_and_clock(standin):
    control = standin.control
    control.faults([{"host": "nowhere", "status": 500}])
    control.import_behaviour(stuck=True, fail_times=3)
    control.time_skew(60)
    control.settings(page_size=5)
    standin.entra_token()
    assert control.counters()["token_requests"]["entra"] >= 1
    control.reset()
    assert control.counters()["token_requests"] == {} and control.log() == []
    assert control.get("faults") == {"rules": []}
    assert control.get("import-behaviour")["stuck"] is False
    assert control.settings()["page_size"] == 2


def test_reset_forgets_what_a_test_wrote_into_the_registries(standin_clean, unique_repo):
    """A test's images, tag locks, referrers and import operations are gone for the next test (read from the stand-in
    itself: storage, the ACR data plane, the operation list), unless it asks to keep them."""
    standin, control = standin_clean, standin_clean.control
    standin.push("dockerhub", "library/" + unique_repo, "1")
    digest = standin.push("standinacr", unique_repo, "1")
    signature = artifacts.sign_notation(standin, "standinacr", unique_repo, digest)
    control.lock_tag("standinacr", unique_repo, "1")
    control.import_behaviour(stuck=True)
    post_import(standin, {"source": {"registryUri": "docker.io", "sourceImage": "library/%s:1" % unique_repo},
                          "targetTags": ["%s:held" % unique_repo], "mode": "NoForce"})
    assert [op["status"] for op in control.operations()] == ["Accepted"]
    control.reset(storage=False)   # counters only: the registries keep what they hold, the lock included
    assert standin.acr_digest("standinacr", unique_repo, "1") == digest
    assert standin.acr_tag_attributes("standinacr", unique_repo, "1")["writeEnabled"] is False
    assert control.operations() == []

    control.reset()
    assert standin.storage_digest("standinacr", unique_repo, "1") is None
    assert standin.storage_digest("standinacr", unique_repo, digest) is None
    assert standin.acr_digest("standinacr", unique_repo, "1") is None and standin.acr_digest("standinacr", unique_repo, signature) is None
    assert control.operations() == []
    # The same bytes pushed again are a new, unlocked tag with no referrers left from before.
    assert standin.push("standinacr", unique_repo, "1") == digest
    assert standin.acr_tag_attributes("standinacr", unique_repo, "1")["writeEnabled"] is True
    token = standin.acr_token("standinacr", "repository:%s:pull" % unique_repo)
    login = standin.env["registries"]["standinacr"]["login_server"]
    listed = via_proxy(standin, "GET", "https://%s/v2/%s/referrers/%s" % (login, unique_repo, digest),
                       headers={"Authorization": "Bearer " + token})
    assert listed.status_code == 200 and listed.json()["manifests"] == [], listed.text


def standin_processes(state_dir):
    """Pids whose command line mentions state_dir (the stand-in and its docker-registry children)."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    if state_dir.encode() in handle.read():
                        found.append(int(pid))
            except OSError:
                continue
    return found


def test_starts_every_process_and_leaves_none_behind(tmp_path):
    # No timing here: start() has its own hang guard (fixture.START_TIMEOUT) and speed lives in benchmarks/.
    state_dir = str(tmp_path / "second")
    with start(state_dir, page_size=1) as second:
        assert len(standin_processes(state_dir)) == 10  # the stand-in + 9 docker-registry processes
        assert second.control.settings()["page_size"] == 1
    assert not standin_processes(state_dir)
    assert not os.path.exists(os.path.join(state_dir, "env.json"))


def test_the_stand_in_dies_with_its_parent(tmp_path):
    state_dir = str(tmp_path / "orphan")
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import sys, time; sys.path.insert(0, %r)\nfrom standin.fixture import launch\nlaunch(%r)\nprint('up', flush=True)\n"
            "time.sleep(60)\n" % (tests_dir, state_dir))
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout.readline().strip() == "up"
            assert standin_processes(state_dir)
        finally:
            parent.send_signal(signal.SIGKILL)
    # They go on their own (PR_SET_PDEATHSIG, then the stand-in stops its registries one by one, up to 3 s each): the
    # deadline is a hang guard for processes that never go, not a bound on how fast they do.
    deadline = time.monotonic() + HANG_GUARD
    while standin_processes(state_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not standin_processes(state_dir)
