# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay every recorded importImage request against the stand-in and compare the answers' shapes with the recordings.

The recordings (shared/reference/recordings: azure-cli, azure-powershell, azure-sdk-for-python) are real exchanges with
ARM. Their bodies are adapted to local names (registries, images, credentials) and sent with the recorded api-version
and x-ms-client-request-id; status, headers and bodies of the POST and of the polls must look as recorded.
"""

import ast
import glob
import json
import os
import re
import time
import urllib.parse

import pytest

yaml = pytest.importorskip("yaml")

HERE = os.path.dirname(os.path.abspath(__file__))
# ../shared beside the checkout (the repository's root is two levels up): the one place the recordings are looked for.
RECORDINGS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "reference", "recordings"))
if not os.path.isdir(RECORDINGS):
    RECORDINGS = None
pytestmark = pytest.mark.skipif(RECORDINGS is None, reason="../shared/reference/recordings (beside the checkout) not found")
LOCATION_RE = re.compile(r"^https://(?P<host>[^/]+)/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.ContainerRegistry/locations/"
                         r"(?P<region>[A-Z0-9]+)/operationResults/registries-(?P<id>[^?]+)\?api-version=(?P<version>[^&]+)&t=\d+")
OP_ID_RE = re.compile(r"operationResults/registries-([^?/]+)")
POLL_HANG_GUARD = 120  # seconds: ends a replay whose import never finishes, nothing else


class Exchange:
    """One recorded importImage POST and the polls that followed it."""

    def __init__(self, origin, uri, body, request_id, status, headers, response_body):
        self.origin = origin
        self.uri = uri
        self.body = json.loads(body)
        self.api_version = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)["api-version"][0]
        self.registry = uri.split("/registries/")[1].split("/")[0]
        self.request_id = request_id
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.response_body = response_body
        self.polls = []  # (status, body text)

    def __repr__(self):
        return "%s %s %s" % (self.origin, self.registry, self.api_version)


def _first(value):
    return value[0] if isinstance(value, list) else value


def _text(body):
    if body is None:
        return ""
    if isinstance(body, dict):
        return _text(body.get("string"))
    text = body.decode() if isinstance(body, bytes) else str(body)
    while text.startswith(("b'", 'b"')):  # some recordings kept a bytes repr, one even twice
        text = ast.literal_eval(text).decode()
    return text


def _add(exchanges, origin, method, uri, body, req_headers, status, headers, response_body):
    if method == "POST" and uri.split("?")[0].lower().endswith("/importimage"):
        location = _first(headers.get("Location") or headers.get("location") or "")
        found = OP_ID_RE.search(location)
        request_id = _first(req_headers.get("x-ms-client-request-id") or "") or (found.group(1) if found else None)
        exchanges.append(Exchange(origin, uri, body, request_id, status, headers, response_body))
    elif method == "GET" and "operationResults" in uri and exchanges:
        exchanges[-1].polls.append((status, response_body))


def load_exchanges():
    exchanges = []
    if RECORDINGS is None:
        return exchanges
    for path in sorted(glob.glob(os.path.join(RECORDINGS, "azure-cli", "**", "*.yaml"), recursive=True)):
        origin = os.path.relpath(path, RECORDINGS)
        with open(path, encoding="utf-8") as handle:
            for item in yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["interactions"]:
                request, response = item["request"], item["response"]
                _add(exchanges, origin, request["method"], request["uri"], _text(request.get("body")), request.get("headers") or {},
                     response["status"]["code"], response.get("headers") or {}, _text(response.get("body")))
    for path in sorted(glob.glob(os.path.join(RECORDINGS, "azure-powershell", "*.json"))
                       + glob.glob(os.path.join(RECORDINGS, "azure-sdk-for-python", "*.json"))):
        origin = os.path.relpath(path, RECORDINGS)
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        entries = document.get("Entries") or [v for k, v in document.items() if not k.startswith("_")]
        for entry in entries:
            request = entry.get("Request") or {}
            method = entry.get("RequestMethod") or request.get("Method")
            uri = entry.get("RequestUri") or request.get("RequestUri")
            body = entry.get("RequestBody") or request.get("Content") or ""
            req_headers = entry.get("RequestHeaders") or request.get("Headers") or {}
            response = entry.get("Response") or {}
            headers = dict(entry.get("ResponseHeaders") or {})
            headers.update(response.get("Headers") or {})
            headers.update(response.get("ContentHeaders") or {})
            status = entry.get("StatusCode") or response.get("StatusCode")
            response_body = entry.get("ResponseBody") if "ResponseBody" in entry else response.get("Content")
            if isinstance(response_body, list):
                response_body = "".join(response_body)
            if response_body is not None and not isinstance(response_body, str):
                response_body = json.dumps(response_body)
            _add(exchanges, origin, method, uri, body or "", req_headers, status, headers, response_body or "")
    return exchanges


EXCHANGES = load_exchanges()
# Registry names of the recordings -> emulated registries.
REGISTRY_MAP = {"sourceregistrydiffsub": "otheracr", "sourceregistrysamesub": "devacr", "targetregistry": "standinacr"}
IMAGES = ["microsoft:azure-cli", "microsoft:azure-cli-1", "microsoft:azure-cli-2", "azure-cli:latest"]


def local_registry(name):
    for prefix, local in REGISTRY_MAP.items():
        if name.lower().startswith(prefix):
            return local
    return "standinacr"


@pytest.fixture(scope="module", name="public_images")
def fixture_public_images(standin):
    """The public images the recorded requests name, pushed once (sources are not emptied between tests)."""
    for repo in ("library/hello-world", "library/busybox"):
        standin.push("dockerhub", repo, "latest", seed="replay|" + repo)


def stock(standin, exchange):
    """The recorded source image, pushed into the emulated ACR the request reads it from (the per-test reset empties the
    registries); {repository: digest}."""
    source = exchange.body["source"]
    name = source.get("resourceId", "").rsplit("/", 1)[-1]
    if source.get("registryUri", "").endswith(".azurecr.io"):
        name = source["registryUri"].split(".")[0]
    if not name:
        return {}
    image = source["sourceImage"]
    repo = image.split("@")[0].split(":")[0]
    tag = image.split(":")[1] if "@" not in image else next(i for i in IMAGES if i.startswith(repo + ":")).split(":")[1]
    return {repo: standin.push(local_registry(name), repo, tag, seed="replay|" + repo)}


def adapt(exchange, standin, digests, prefix):  # pylint: disable=redefined-outer-name
    """The recorded body with local registries, images and credentials; targets moved under a fresh prefix."""
    body = json.loads(json.dumps(exchange.body))
    source = body["source"]
    if "resourceId" in source:
        source["resourceId"] = standin.env["registries"][local_registry(source["resourceId"].rsplit("/", 1)[1])]["id"]
    if "registryUri" in source and source["registryUri"].endswith(".azurecr.io"):
        source["registryUri"] = standin.env["registries"][local_registry(source["registryUri"].split(".")[0])]["login_server"]
        credentials = source.get("credentials") or {}
        if credentials.get("username"):  # a service principal id + secret
            importer = standin.env["principals"]["importer"]
            credentials.update({"username": importer["client_id"], "password": importer["client_secret"]})
        elif credentials:  # an Entra access token as the password alone
            credentials["password"] = standin.entra_token()
    if "@sha256:" in source["sourceImage"]:
        repo = source["sourceImage"].split("@")[0]
        source["sourceImage"] = "%s@%s" % (repo, digests[repo])
    body["targetTags"] = ["%s/%s" % (prefix, t) for t in body.get("targetTags", [])]
    body["targetTags"] = [t if ":" in t.rsplit("/", 1)[-1] else t for t in body["targetTags"]]
    return body


def replayable(exchange):
    image = exchange.body["source"]["sourceImage"]
    # One recording's sanitiser rewrote "azure-cli@sha" into an e-mail address; the real request had a digest.
    return "@foo.com" not in image


@pytest.mark.parametrize("exchange", [e for e in EXCHANGES if replayable(e)], ids=repr)
@pytest.mark.usefixtures("public_images")
def test_recorded_import_replays_with_the_recorded_shapes(standin_clean, exchange, request):
    # pylint: disable=redefined-outer-name,too-many-locals
    standin = standin_clean
    digests = stock(standin, exchange)
    standin.control.import_behaviour(delay=0, stuck=True)  # held until the first poll has seen it running, as the recordings did
    registry = standin.env["registries"][local_registry(exchange.registry)]
    prefix = "replay%d" % (abs(hash(request.node.nodeid)) % 10 ** 8)
    body = adapt(exchange, standin, digests, prefix)
    token = standin.entra_token()
    url = "%s%s/importImage?api-version=%s" % (standin.env["arm_endpoint"], registry["id"], exchange.api_version)
    with standin.proxied_session() as session:
        session.headers.update({"Authorization": "Bearer " + token})
        posted = session.post(url, json=body, headers={"x-ms-client-request-id": exchange.request_id}, timeout=30)
        assert posted.status_code == exchange.status == 202, posted.text
        # Body: `null` before 2023 api-versions, empty since; as recorded (some recorders kept only Content-Length: 4).
        expected = (exchange.response_body or "").strip() or ("null" if _first(exchange.headers.get("content-length")) == "4" else "")
        assert posted.text == expected
        assert posted.headers["Content-Length"] == str(len(posted.content))
        assert "Azure-AsyncOperation" not in posted.headers
        location = LOCATION_RE.match(posted.headers["Location"])
        recorded_location = exchange.headers.get("location")
        recorded = LOCATION_RE.match(_first(recorded_location)) if recorded_location else None
        assert location, posted.headers["Location"]
        assert location.group("id") == exchange.request_id
        assert location.group("region") == registry["location"].upper()
        assert location.group("version") == exchange.api_version
        assert location.group("sub") == registry["subscription_id"]
        if recorded:  # the stand-in's Location against the recorded one, part by part (the region is the registry's own)
            assert (location.group("id"), location.group("version")) == (recorded.group("id"), recorded.group("version"))
        assert "Retry-After" not in posted.headers and posted.headers["x-ms-retry-after-ms"] == "50"  # fast mode

        answers = []
        next_url = posted.headers["Location"]
        deadline = time.monotonic() + POLL_HANG_GUARD
        while True:  # until the operation ends, however slow the machine: no count of polls to run out
            polled = session.get(next_url, timeout=30)
            answers.append((polled.status_code, polled.json()))
            if polled.status_code != 202:
                break
            assert time.monotonic() < deadline, "still running after %d s: %s" % (POLL_HANG_GUARD, answers[-1])
            next_url = polled.headers["Location"]
            assert LOCATION_RE.match(next_url).group("id") == exchange.request_id
            if len(answers) == 1:
                standin.control.import_behaviour(stuck=False)  # seen running: let it finish
            else:
                time.sleep(0.02)  # pacing only
    assert answers[-1] == (200, {"status": "Succeeded"}), answers
    assert answers[0][0] == 202
    running = answers[0][1]
    recorded_running = [json.loads(b) for s, b in exchange.polls if s == 202]
    if recorded_running:
        expected_keys = {("%s/%s" % (prefix, k)) if k != "status" else k for k in recorded_running[0]}
        assert set(running) == expected_keys and running["status"] == "Accepted", (running, recorded_running[0])
    recorded_final = [json.loads(b) for s, b in exchange.polls if s == 200]
    if recorded_final:
        assert answers[-1][1] == recorded_final[-1], (answers[-1], recorded_final[-1])


def test_every_recording_was_found():
    origins = {e.origin.split(os.sep)[0] for e in EXCHANGES}
    assert origins == {"azure-cli", "azure-powershell", "azure-sdk-for-python"}
    assert len(EXCHANGES) >= 40


def test_real_mode_sends_the_recorded_retry_after(standin_clean, unique_repo):
    """With the real service's pacing (settings retry_after=10) the POST carries Retry-After: 10, as PowerShell recorded."""
    standin = standin_clean
    powershell = next(e for e in EXCHANGES if e.origin.startswith("azure-powershell") and "retry-after" in e.headers)
    standin.push("dockerhub", "library/busybox", "latest", seed="replay|library/busybox")
    standin.control.settings(retry_after=10)
    registry = standin.env["registries"]["standinacr"]
    body = dict(powershell.body, targetTags=["%s:latest" % unique_repo])
    with standin.proxied_session() as session:
        posted = session.post("%s%s/importImage?api-version=%s" % (standin.env["arm_endpoint"], registry["id"], powershell.api_version),
                              json=body, headers={"Authorization": "Bearer " + standin.entra_token()}, timeout=30)
    assert posted.status_code == 202
    assert posted.headers["Retry-After"] == _first(powershell.headers["retry-after"]) == "10"
    assert "x-ms-retry-after-ms" not in posted.headers


# ---- registry lookups and tag reads: the stand-in's answers carry every recorded field, with the recorded type ----------
def missing_fields(recorded, answered, path="$"):
    """Where `answered` lacks a field of `recorded` or holds another JSON type there (lists: their first items)."""
    if isinstance(recorded, dict):
        if not isinstance(answered, dict):
            return ["%s: an object was recorded, the stand-in answers %r" % (path, type(answered).__name__)]
        found = []
        for key, value in recorded.items():
            if key not in answered:
                found.append("%s.%s: missing" % (path, key))
            else:
                found.extend(missing_fields(value, answered[key], "%s.%s" % (path, key)))
        return found
    if isinstance(recorded, list):
        if not isinstance(answered, list):
            return ["%s: a list was recorded" % path]
        return missing_fields(recorded[0], answered[0], path + "[0]") if recorded and answered else []
    if recorded is not None and answered is not None and type(recorded) is not type(answered):
        return ["%s: %s recorded, %s answered" % (path, type(recorded).__name__, type(answered).__name__)]
    return []


def recorded_lookups():
    """The first recorded 200 answer of each registry lookup azure-cli made: get, list by subscription, resources filter."""
    found = {}
    if RECORDINGS is None:
        return found
    with open(os.path.join(RECORDINGS, "azure-cli", "test_acr_image_import.yaml"), encoding="utf-8") as handle:
        interactions = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["interactions"]
    for item in interactions:
        uri = item["request"]["uri"]
        if item["request"]["method"] != "GET" or item["response"]["status"]["code"] != 200:
            continue
        if re.search(r"/registries/[^/?]+\?api-version=", uri):
            kind = "get"
        elif "/providers/Microsoft.ContainerRegistry/registries?" in uri:
            kind = "list-by-subscription"
        elif "/resources?$filter=" in uri:
            kind = "resources-filter"
        else:
            continue
        found.setdefault(kind, (urllib.parse.urlsplit(uri).query, json.loads(_text(item["response"]["body"]))))
    return found


LOOKUPS = recorded_lookups()


@pytest.mark.parametrize("kind", sorted(LOOKUPS))
def test_recorded_registry_lookups_answer_with_the_recorded_fields(standin_clean, kind):
    standin = standin_clean
    query, recorded = LOOKUPS[kind]
    registry = standin.env["registries"]["standinacr"]
    path = {"get": registry["id"],
            "list-by-subscription": "/subscriptions/%s/providers/Microsoft.ContainerRegistry/registries" % registry["subscription_id"],
            "resources-filter": "/subscriptions/%s/resources" % registry["subscription_id"]}[kind]
    with standin.proxied_session() as session:
        answer = session.get("%s%s?%s" % (standin.env["arm_endpoint"], path, query),
                             headers={"Authorization": "Bearer " + standin.entra_token()}, timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    if kind != "get":  # a list (the stand-in pages it): its first item against the recorded first item
        recorded, body = recorded["value"][0], body["value"][0]
    assert missing_fields(recorded, body) == []


def test_the_recorded_tag_read_answers_with_the_recorded_fields_and_headers(standin_clean, unique_repo):
    standin = standin_clean
    with open(os.path.join(RECORDINGS, "azure-sdk-for-python",
                           "test_container_registry_client.pyTestContainerRegistryClienttest_get_tag_properties.json"), encoding="utf-8") as handle:
        entries = json.load(handle)["Entries"]
    entry = [e for e in entries if "/_tags/" in e["RequestUri"] and e["StatusCode"] == 200][0]
    recorded = json.loads("".join(entry["ResponseBody"]) if isinstance(entry["ResponseBody"], list) else json.dumps(entry["ResponseBody"]))
    repo = unique_repo.replace("/", "-")
    digest = standin.push("standinacr", repo, "1")
    login = standin.env["registries"]["standinacr"]["login_server"]
    token = standin.acr_token("standinacr", "repository:%s:metadata_read" % repo)
    with standin.proxied_session() as session:
        answer = session.get("https://%s/acr/v1/%s/_tags/1?%s" % (login, repo, urllib.parse.urlsplit(entry["RequestUri"]).query),
                             headers={"Authorization": "Bearer " + token}, timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert missing_fields(recorded, body) == []
    assert (body["registry"], body["imageName"], body["tag"]["name"], body["tag"]["digest"]) == (login, repo, "1", digest)
    assert body["tag"]["changeableAttributes"] == recorded["tag"]["changeableAttributes"]  # all enabled, as recorded for a new tag
    assert answer.headers["Content-Type"] == entry["ResponseHeaders"]["Content-Type"]
    assert answer.headers["Docker-Distribution-Api-Version"] == entry["ResponseHeaders"]["Docker-Distribution-Api-Version"]
