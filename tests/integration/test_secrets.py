# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Nothing leaked: planted secrets never show up, on any failure path, even at -vvv; the stand-in refuses requests
without a valid token; TLS verification is on and the CA bundle the user gives is the one that is used.

Secrets reach the playbooks only through environment lookups, so the playbook and inventory files hold none and the
whole run directory (Ansible's log at -vvv, its temp dirs, reports) can be searched with the outputs.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path

import pytest
import yaml
from playbook_runner import REPO, storage_digest
from standin_reads import env_lookup

pytestmark = pytest.mark.usefixtures("standin_clean")

SMALL = dict(platforms="linux/amd64", size=256)
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture
def planted():
    """Unique values that must never appear anywhere: a leak is found by plain search."""
    tag = uuid.uuid4().hex[:12]
    return {"PLANTED_SOURCE_PASSWORD": "SrcPw-%s-x9" % tag, "PLANTED_SOURCE_TOKEN": "ghp_PlantedToken%s" % tag,
            "PLANTED_CLIENT_SECRET": "ClientSecret~%s.Q8" % tag, "PLANTED_OPTION_SECRET": "OptionSecret~%s.Z3" % tag,
            "PLANTED_ASSERTION": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkLSVzIn0.%s" % tag}


@pytest.fixture
def leak_check(standin, tmp_path):
    """Run environment (Ansible log and temp dirs inside tmp_path) and a checker over every output of the runs."""
    log = tmp_path / "ansible.log"
    env = {"ANSIBLE_LOG_PATH": str(log), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
           "ANSIBLE_REMOTE_TEMP": str(tmp_path / "ansible-remote")}

    def check(runs, secrets):
        secrets = [s for s in secrets if s]
        texts = []
        for run in runs:
            texts += [("stdout", run.stdout), ("stderr", run.stderr), ("results", json.dumps(run.results))]
        for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
            texts.append((str(path.relative_to(tmp_path)), path.read_bytes().decode("utf-8", "replace")))
        assert log.exists() and log.stat().st_size > 0, "the -vvv log was not written: nothing was searched"
        for where, text in texts:
            for secret in secrets:
                assert secret not in text, "a secret leaked into %s" % where
            found = JWT.search(text)
            assert not found, "a token leaked into %s: %s..." % (where, found.group()[:24])
            assert "client_secret=" not in text.replace("client_secret=********", "")
        return texts

    check.env = env
    return check


def standin_secrets(standin):
    """The real secrets of this stand-in run: they must not leak either."""
    env = standin.env
    return [p["client_secret"] for p in env["principals"].values()] + [env["sources"]["private"]["password"],
                                                                       env["sources"]["dockerhub"]["password"]]


def failed_results(run, count):
    results = [run.results["r%d" % i] for i in range(count)]
    for index, result in enumerate(results):
        assert result.get("failed"), (index, result)
    return results


# ---- planted secrets on every failure path, at -vvv ----------------------------------------------------------------
def test_source_credentials_and_service_echoes_never_leak(standin, ansible, repo, planted, leak_check):
    private = standin.env["sources"]["private"]
    dockerhub = standin.env["sources"]["dockerhub"]
    standin.push("private", "team/" + repo, "1", **SMALL)
    standin.push("dockerhub", "%s/%s" % (dockerhub["private_namespace"], repo), "1", **SMALL)
    standin.push("ghcr", "org/" + repo, "1", **SMALL)
    standin.push("mcr", "team/" + repo, "1", **SMALL)
    importer_secret = standin.env["principals"]["importer"]["client_secret"]
    # The import service fails, and its message echoes secrets (a careless service, or a URL with credentials in it).
    standin.control.import_behaviour(permanent_failure="Invalid message Unauthorized Unauthorized client_secret=%s password=%s "
                                     "Authorization: Bearer %s refresh_token: '%s'" % (
                                         importer_secret, planted["PLANTED_SOURCE_TOKEN"], planted["PLANTED_ASSERTION"],
                                         planted["PLANTED_CLIENT_SECRET"]))
    other_ca = Path(leak_check.env["ANSIBLE_LOCAL_TEMP"]).parent / "other-ca.pem"
    import trustme  # pylint: disable=import-outside-toplevel

    trustme.CA().cert_pem.write_to_path(str(other_ca))
    tasks = [
        # wrong password for a Basic registry, for Docker Hub's token service, and a wrong token alone for GHCR
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s/team/%s:1" % (private["host"], repo),
                                        "targets": ["%s-p:1" % repo], "source_username": private["username"],
                                        "source_password": env_lookup("PLANTED_SOURCE_PASSWORD")}},
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s/%s:1" % (dockerhub["private_namespace"], repo),
                                        "source_username": dockerhub["username"], "source_password": env_lookup("PLANTED_SOURCE_PASSWORD")}},
        {"acrops.registry.acr_import": {"registry": "standinacr", "images": [
            {"source": "ghcr.io/org/%s:1" % repo, "source_password": env_lookup("PLANTED_SOURCE_TOKEN")}]}},
        # a readable source whose import fails with the echoing message above
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "mcr.microsoft.com/team/%s:1" % repo,
                                        "source_password": env_lookup("PLANTED_SOURCE_TOKEN")}},
        # a CA bundle that does not sign the endpoints: refused, although REQUESTS_CA_BUNDLE would trust them
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "mcr.microsoft.com/team/%s:1" % repo,
                                        "ca_bundle": str(other_ca)}},
    ]
    run = ansible.tasks(tasks, args=["-vvv"], env=dict(leak_check.env, **planted))
    results = failed_results(run, len(tasks))
    assert "401" in results[0]["msg"] and "source_username/source_password" in results[0]["msg"], results[0]["msg"]
    assert "refused the credentials" in results[1]["msg"], results[1]["msg"]
    assert results[2]["results"][0]["failed"] and "ghcr.io" in results[2]["results"][0]["msg"]
    assert "Invalid message Unauthorized" in results[3]["msg"] and "********" in results[3]["msg"], results[3]["msg"]
    assert "CERTIFICATE_VERIFY_FAILED" in results[4]["msg"] and "ca_bundle" in results[4]["msg"], results[4]["msg"]
    assert standin.control.counters()["import_calls"] == 1
    leak_check([run], list(planted.values()) + standin_secrets(standin))


def test_azure_credentials_never_leak(standin, ansible, repo, planted, leak_check, tmp_path):
    token_file = tmp_path / "federated-token"
    token_file.write_text(planted["PLANTED_ASSERTION"])
    env = dict(leak_check.env, **planted)
    env.update({"AZURE_SECRET": planted["PLANTED_CLIENT_SECRET"], "AZURE_CLIENT_SECRET": planted["PLANTED_CLIENT_SECRET"]})
    importer = standin.env["principals"]["importer"]
    tasks = [
        # a wrong client secret from the environment, then from the option, then a wrong federated assertion
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "nginx:1"}},
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "nginx:1", "client_id": importer["client_id"],
                                        "tenant": importer["tenant_id"], "secret": env_lookup("PLANTED_OPTION_SECRET")}},
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "nginx:1", "auth_source": "workload_identity"},
         "environment": {"AZURE_FEDERATED_TOKEN_FILE": str(token_file)}},
    ]
    run = ansible.tasks(tasks, args=["-vvv"], env=env)
    results = failed_results(run, len(tasks))
    for result in results:
        assert "AADSTS" in result["msg"] and "Hint:" in result["msg"], result["msg"]
    token_file.unlink()  # it holds the planted assertion by design
    leak_check([run], list(planted.values()) + standin_secrets(standin))


def write_inventory(path, host_vars):
    path.mkdir(parents=True)
    hosts = {"all": {"children": {"acr_registries": {"hosts": {"registry": dict({
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}, **host_vars)}}}}}
    (path / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return path


def test_the_mirror_role_and_its_report_leak_nothing_when_the_identity_may_not_import(
        standin, ansible, repo, planted, leak_check, tmp_path):
    private = standin.env["sources"]["private"]
    dockerhub = standin.env["sources"]["dockerhub"]
    standin.push("private", "team/" + repo, "1", **SMALL)
    standin.push("dockerhub", "%s/%s" % (dockerhub["private_namespace"], repo), "1", **SMALL)
    report = tmp_path / "report.json"
    inventory = write_inventory(tmp_path / "inventory", {
        "acr_mirror_registry": "standinacr", "acr_mirror_report": str(report),
        "acr_mirror_images": ["%s/team/%s:1" % (private["host"], repo), "%s/%s:1" % (dockerhub["private_namespace"], repo)],
        "acr_mirror_credentials": {
            private["host"]: {"username": private["username"], "password": env_lookup("PRIVATE_PASSWORD")},
            "docker.io": {"username": dockerhub["username"], "password": env_lookup("PLANTED_SOURCE_PASSWORD")}},
    })
    # The reader may read both registries but not import: 403 AuthorizationFailed from Resource Manager.
    env = dict(leak_check.env, **planted)
    env.update(standin.client_env(principal="reader"))
    env["PRIVATE_PASSWORD"] = private["password"]
    run = ansible.playbook(REPO / "playbooks" / "mirror.yml", inventory, args=["-vvv"], env=env)
    assert run.rc != 0, run
    data = json.loads(report.read_text())
    errors = dict((image["source"], image["error"]) for image in data["images"])
    denied = errors["%s/team/%s:1" % (private["host"], repo)]
    assert "AuthorizationFailed" in denied and "Container Registry Data Importer" in denied, denied
    assert "refused the credentials" in errors["docker.io/%s/%s:1" % (dockerhub["private_namespace"], repo)]
    assert standin.control.counters()["import_calls"] == 1, "one importImage call, refused with 403"
    assert not [op for op in standin.control.operations() if repo in op["source"]], "no import operation started"
    assert storage_digest(standin.env["registries"]["standinacr"]["storage_url"], "mirror/team/" + repo, "1") is None
    leak_check([run], list(planted.values()) + standin_secrets(standin))


def test_server_errors_and_timeouts_leak_nothing(standin, ansible, repo, planted, leak_check):
    standin.push("mcr", "team/" + repo, "1", **SMALL)
    importer_secret = standin.env["principals"]["importer"]["client_secret"]
    # ARM answers 500 to the import, echoing the client secret and a token in its error (the module knows the one and
    # recognises the other); the import into the other registry never finishes.
    standin.control.faults([{"host": "127.0.0.1", "method": "POST", "path_regex": r"(?i)/registries/standinacr/importImage$",
                             "status": 500, "headers": {"x-ms-retry-after-ms": "10"},
                             "body": {"error": {"code": "InternalServerError", "message": "boom %s client_secret=%s Bearer %s" % (
                                 importer_secret, importer_secret, planted["PLANTED_ASSERTION"])}}}])
    standin.control.import_behaviour(stuck=True)
    tasks = [
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "mcr.microsoft.com/team/%s:1" % repo}},
        {"acrops.registry.acr_import": {"registry": "devacr", "source": "mcr.microsoft.com/team/%s:1" % repo, "timeout": 2,
                                        "source_password": env_lookup("PLANTED_SOURCE_TOKEN")}},
    ]
    run = ansible.tasks(tasks, args=["-vvv"], env=dict(leak_check.env, **planted))
    standin.control.import_behaviour(stuck=False)
    results = failed_results(run, len(tasks))
    assert "InternalServerError" in results[0]["msg"] or "500" in results[0]["msg"], results[0]["msg"]
    assert "did not finish within 2 s" in results[1]["msg"] and "/operationResults/" in results[1]["msg"], results[1]["msg"]
    leak_check([run], list(planted.values()) + standin_secrets(standin))


# ---- the stand-in refuses requests without a valid token -----------------------------------------------------------
def forged(token):
    """The same claims with alg "none" and no signature, and the real token with its signature altered."""
    header, payload, signature = token.split(".")
    none = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    return ["%s.%s." % (none, payload), "%s.%s.%s" % (header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB"))]


def test_the_stand_in_refuses_requests_without_a_valid_token(standin, repo):
    env = standin.env
    registry = env["registries"]["standinacr"]
    login = registry["login_server"]
    pushed = standin.push("standinacr", repo, "1", **SMALL)
    arm = env["arm_endpoint"]
    get_registry = "%s%s?api-version=2025-11-01" % (arm, registry["id"])
    import_url = "%s%s/importImage?api-version=2025-11-01" % (arm, registry["id"])
    body = {"source": {"registryUri": "mcr.microsoft.com", "sourceImage": "team/app:1"}, "targetTags": ["x:1"], "mode": "NoForce"}
    good = standin.entra_token("importer")
    acr_audience = standin.entra_token("importer", scope=env["acr_audience"] + "/.default")
    reader_arm = standin.entra_token("reader")
    pull = standin.acr_token("standinacr", "repository:%s:pull" % repo)
    reader_all = standin.acr_token("standinacr", "repository:%s:pull,push,delete,metadata_write" % repo, principal="reader")
    bad_tokens = ["", "Bearer", "Bearer garbage", "Basic " + base64.b64encode(b"a:b").decode(), "Bearer " + acr_audience,
                  "Bearer " + pull] + ["Bearer " + t for t in forged(good)]
    refused = []
    with standin.proxied_session() as session:
        def call(method, url, header, **kwargs):
            headers = dict(kwargs.pop("headers", {}), **({"Authorization": header} if header else {}))
            return session.request(method, url, headers=headers, timeout=30, **kwargs)

        # Resource Manager: reads and importImage
        for header in bad_tokens:
            for method, url, kwargs in (("GET", get_registry, {}), ("POST", import_url, {"json": body})):
                response = call(method, url, header, **kwargs)
                refused.append((method, url.split("?")[0][-40:], header[:20], response.status_code))
                assert response.status_code == 401 and "WWW-Authenticate" in response.headers, refused[-1]
        assert call("GET", get_registry, "Bearer " + good).status_code == 200   # the same call with a valid token works
        response = call("POST", import_url, "Bearer " + reader_arm, json=body)
        assert response.status_code == 403 and response.json()["error"]["code"] == "AuthorizationFailed", response.text
        # An expired token: the server's clock moves past its lifetime.
        standin.control.time_skew(4000)
        try:
            response = call("GET", get_registry, "Bearer " + good)
            assert response.status_code == 401 and response.json()["error"]["code"] == "ExpiredAuthenticationToken", response.text
        finally:
            standin.control.time_skew(0)

        # ACR data plane: OCI and /acr/v1 routes, token endpoints
        routes = [("GET", "/v2/", {}), ("HEAD", "/v2/%s/manifests/1" % repo, {}), ("GET", "/v2/%s/tags/list" % repo, {}),
                  ("GET", "/acr/v1/%s/_tags/1" % repo, {}), ("PATCH", "/acr/v1/%s/_tags/1" % repo, {"json": {"writeEnabled": False}}),
                  ("PUT", "/v2/%s/manifests/evil" % repo, {"data": b"{}", "headers": {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}}),
                  ("DELETE", "/v2/%s/manifests/1" % repo, {})]
        for header in bad_tokens[:3] + ["Bearer " + good] + ["Bearer " + t for t in forged(pull)]:
            for method, path, kwargs in routes:
                response = call(method, "https://%s%s" % (login, path), header, **dict(kwargs))
                refused.append((method, path, header[:20], response.status_code))
                assert response.status_code == 401, refused[-1]
                assert response.headers.get("WWW-Authenticate", "").startswith("Bearer realm="), response.headers
        # A valid pull token does not allow writes, and the reader's token carries none of the actions it lacks.
        for token in (pull, reader_all):
            for method, path, kwargs in routes[4:]:
                response = call(method, "https://%s%s" % (login, path), "Bearer " + token, **dict(kwargs))
                assert response.status_code in (401, 403), (method, path, response.status_code)
        assert call("HEAD", "https://%s/v2/%s/manifests/1" % (login, repo), "Bearer " + pull,
                    headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}).status_code == 200
        exchange, token = "https://%s/oauth2/exchange" % login, "https://%s/oauth2/token" % login
        for url, form in ((exchange, {"grant_type": "access_token", "service": login, "access_token": "garbage"}),
                          (exchange, {"grant_type": "access_token", "service": login, "access_token": forged(good)[1]}),
                          (token, {"grant_type": "refresh_token", "service": login, "scope": "repository:%s:pull" % repo,
                                   "refresh_token": "garbage"})):
            response = session.post(url, data=form, timeout=30)
            assert response.status_code == 401, (url, form["grant_type"], response.status_code)
    # Nothing above changed the registry: the tag is there, unlocked, as pushed.
    assert standin.acr_digest("standinacr", repo, "1") == standin.storage_digest("standinacr", repo, "1") == pushed  # not None == None
    assert standin.control.counters()["import_calls"] <= len(bad_tokens) + 1  # refused before any operation started
    assert not [op for op in standin.control.operations() if op["targets"] == ["x:1"]]


# ---- TLS -----------------------------------------------------------------------------------------------------------
def test_tls_verification_is_on_and_ca_bundle_is_what_is_trusted(standin, ansible, repo):
    import requests  # pylint: disable=import-outside-toplevel

    session = requests.Session()
    session.trust_env = False
    for url in (standin.env["arm_endpoint"] + "/metadata/endpoints", ):
        with pytest.raises(requests.exceptions.SSLError):
            session.get(url, verify=SYSTEM_BUNDLE, timeout=10)
    session.proxies = {"https": standin.env["proxy"]}
    with pytest.raises(requests.exceptions.SSLError):
        session.get("https://%s/v2/" % standin.env["registries"]["standinacr"]["login_server"], verify=SYSTEM_BUNDLE, timeout=10)

    digest = standin.push("dockerhub", "library/" + repo, "1", **SMALL)
    untrusting = {"REQUESTS_CA_BUNDLE": SYSTEM_BUNDLE, "SSL_CERT_FILE": SYSTEM_BUNDLE, "CURL_CA_BUNDLE": SYSTEM_BUNDLE}
    tasks = [{"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo}},
             {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo, "ca_bundle": standin.env["ca_bundle"]}}]
    run = ansible.tasks(tasks, env=untrusting)
    refused, trusted = run.results["r0"], run.results["r1"]
    assert refused.get("failed"), run
    assert "CERTIFICATE_VERIFY_FAILED" in refused["msg"] and "ca_bundle" in refused["msg"] and "REQUESTS_CA_BUNDLE" in refused["msg"]
    assert not trusted.get("failed") and trusted["targets"][0]["action"] == "imported", trusted.get("msg")
    assert storage_digest(standin.env["registries"]["standinacr"]["storage_url"], repo, "1") == digest
