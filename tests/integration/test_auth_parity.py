# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Auth parity with azure.azcollection and azure-identity (docs/auth.md): every way of authenticating that can run here,
each in a real ansible-playbook run against the stand-in, with no Azure setting in the environment but the ones under test.

The stand-in's Entra takes a client secret or, for workload identity, a client assertion equal to the principal's
federated token file (env.json principals.<name>.federated_token_file). The Azure CLI and the App Service managed
identity endpoint are stubs that hand out tokens the stand-in's Entra issued."""

from __future__ import annotations

import json
import stat
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import playbook_runner
from collection_path import COLLECTIONS_ROOT

pytestmark = pytest.mark.usefixtures("standin_clean")

AZURE_ENV = ("AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_CLIENT_SECRET", "AZURE_TENANT", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID",
             "AZURE_CLOUD_ENVIRONMENT", "AZURE_PROFILE", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "IDENTITY_ENDPOINT",
             "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "AZURE_CONFIG_DIR")
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"  # public CAs only: the stand-in's CA is not in it


def run_tasks(standin, tmp_path, tasks, env=None):
    """One ansible-playbook run of `tasks` with every Azure variable removed from its environment, then `env` added."""
    base = playbook_runner.ansible_env(standin, COLLECTIONS_ROOT)
    for name in AZURE_ENV:
        base.pop(name, None)
    base.update(env or {})
    run = playbook_runner.run_playbook(playbook_runner.module_play(tmp_path, tasks), base, tmp_path)
    assert run.results is not None, run
    return [run.results["r%d" % i] for i in range(len(tasks))], run


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def entra_grants(standin):
    """(grant, client_id) of every token request the stand-in's Entra got: grant is 'secret' or 'assertion'."""
    grants = []
    for entry in standin.control.log():
        if entry["route"].startswith("entra:") and entry["route"].endswith("/token") and entry["method"] == "POST":
            form = dict(urllib.parse.parse_qsl(entry.get("body") or ""))
            grants.append(("assertion" if "client_assertion" in form else "secret" if "client_secret" in form else "other",
                           form.get("client_id")))
    return grants


def sp_env(standin, principal="importer", **names):
    creds = standin.env["principals"][principal]
    values = {"client_id": creds["client_id"], "secret": creds["client_secret"], "tenant": creds["tenant_id"],
              "subscription": standin.env["subscriptions"]["main"], "cloud": standin.env["arm_endpoint"]}
    return {var: values[key] for var, key in names.items()}


def test_env_service_principal_with_azcollection_and_azure_identity_names(standin, tmp_path, repo):
    digest = standin.push("dockerhub", "library/" + repo, "1")
    azcollection = sp_env(standin, AZURE_CLIENT_ID="client_id", AZURE_SECRET="secret", AZURE_TENANT="tenant",
                          AZURE_SUBSCRIPTION_ID="subscription", AZURE_CLOUD_ENVIRONMENT="cloud")
    identity = sp_env(standin, AZURE_CLIENT_ID="client_id", AZURE_CLIENT_SECRET="secret", AZURE_TENANT_ID="tenant",
                      AZURE_SUBSCRIPTION_ID="subscription", AZURE_CLOUD_ENVIRONMENT="cloud")
    other = dict(azcollection, AZURE_SUBSCRIPTION_ID=standin.env["subscriptions"]["other"])
    both = dict(azcollection, AZURE_CLIENT_SECRET=azcollection["AZURE_SECRET"], AZURE_SECRET="not-the-secret")
    results, dummy = run_tasks(standin, tmp_path, [
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo}, "environment": azcollection},
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"], "auth_source": "env"},
         "environment": identity},
        # AZURE_SUBSCRIPTION_ID picks the subscription: otheracr exists only in "other"
        {"acrops.registry.acr_image_info": {"registry": "otheracr", "repository": repo, "tags": ["1"]}, "environment": other},
        # both spellings set: azure.azcollection's AZURE_SECRET wins, as in ENV_NAMES
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"]}, "environment": both},
    ])
    assert ok(results[0])["changed"] is True and results[0]["source_digest"] == digest
    assert [(i["tag"], i["digest"]) for i in ok(results[1])["images"]] == [("1", digest)]
    assert ok(results[2])["registry"]["subscription_id"] == standin.env["subscriptions"]["other"]
    assert results[3].get("failed") and "AADSTS7000215" in results[3]["msg"], results[3]
    assert set(entra_grants(standin)) == {("secret", standin.env["principals"]["importer"]["client_id"])}


def test_profile_file_default_named_and_azure_profile(standin, tmp_path, repo):
    digest = standin.push("dockerhub", "library/" + repo, "1")
    importer = standin.env["principals"]["importer"]
    home = tmp_path / "home"
    (home / ".azure").mkdir(parents=True)
    section = "subscription_id={sub}\nclient_id={client}\nsecret={secret}\ntenant={tenant}\ncloud_environment={cloud}\n"
    values = dict(sub=standin.env["subscriptions"]["main"], client=importer["client_id"], tenant=importer["tenant_id"],
                  cloud=standin.env["arm_endpoint"])
    (home / ".azure" / "credentials").write_text("[default]\n" + section.format(secret="not-the-secret", **values) +
                                                 "\n[ci]\n" + section.format(secret=importer["client_secret"], **values))
    info = {"registry": "standinacr", "repository": repo, "tags": ["1"]}
    wrong_env = sp_env(standin, AZURE_CLIENT_ID="client_id", AZURE_SECRET="secret", AZURE_TENANT="tenant")
    wrong_env["AZURE_SECRET"] = "not-the-secret"
    results, dummy = run_tasks(standin, tmp_path, [
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo}},   # [default]: wrong secret
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo, "profile": "ci"}},
        {"acrops.registry.acr_image_info": info, "environment": {"AZURE_PROFILE": "ci"}},
        # credential_file reads the file only: a wrong secret in the environment is not used
        {"acrops.registry.acr_image_info": dict(info, auth_source="credential_file", profile="ci"), "environment": wrong_env},
        {"acrops.registry.acr_image_info": dict(info, profile="nope")},
    ], env={"HOME": str(home)})
    assert results[0].get("failed") and "AADSTS7000215" in results[0]["msg"], results[0]
    assert ok(results[1])["changed"] is True and results[1]["source_digest"] == digest
    assert [(i["tag"], i["digest"]) for i in ok(results[2])["images"]] == [("1", digest)]
    assert [(i["tag"], i["digest"]) for i in ok(results[3])["images"]] == [("1", digest)]
    assert results[4].get("failed") and "profile 'nope' not found" in results[4]["msg"], results[4]


def test_explicit_module_options_win_over_the_environment(standin, tmp_path, repo):
    digest = standin.push("dockerhub", "library/" + repo, "1")
    importer = standin.env["principals"]["importer"]
    options = {"client_id": importer["client_id"], "secret": importer["client_secret"], "tenant": importer["tenant_id"],
               "subscription_id": standin.env["subscriptions"]["main"], "cloud_environment": standin.env["arm_endpoint"],
               "ca_bundle": standin.env["ca_bundle"]}
    # The environment trusts public CAs only and names a wrong secret: the options (ca_bundle, secret) must win.
    env = sp_env(standin, AZURE_CLIENT_ID="client_id", AZURE_TENANT="tenant")
    env.update({"AZURE_SECRET": "not-the-secret", "REQUESTS_CA_BUNDLE": SYSTEM_CA, "SSL_CERT_FILE": SYSTEM_CA,
                "CURL_CA_BUNDLE": SYSTEM_CA})
    results, dummy = run_tasks(standin, tmp_path, [
        {"acrops.registry.acr_import": dict(options, registry="standinacr", source="%s:1" % repo)},
        {"acrops.registry.acr_image_info": dict(options, registry="standinacr", repository=repo, tags=["1"], auth_source="env")},
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"],
                                            "cloud_environment": standin.env["arm_endpoint"]}},
    ], env=env)
    assert ok(results[0])["changed"] is True and results[0]["source_digest"] == digest
    assert [(i["tag"], i["digest"]) for i in ok(results[1])["images"]] == [("1", digest)]
    # without ca_bundle the public-only CA bundle of the environment applies, and the stand-in's TLS is refused
    assert results[2].get("failed") and "CERTIFICATE_VERIFY_FAILED" in results[2]["msg"], results[2]


def test_workload_identity_token_file(standin, tmp_path, repo):
    digest = standin.push("dockerhub", "library/" + repo, "1")
    importer = standin.env["principals"]["importer"]
    # What AKS workload identity / GitHub OIDC set (AZURE_AUTHORITY_HOST too: the cloud's login endpoint is used instead).
    env = {"AZURE_CLIENT_ID": importer["client_id"], "AZURE_TENANT_ID": importer["tenant_id"],
           "AZURE_FEDERATED_TOKEN_FILE": importer["federated_token_file"], "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com/",
           "AZURE_SUBSCRIPTION_ID": standin.env["subscriptions"]["main"], "AZURE_CLOUD_ENVIRONMENT": standin.env["arm_endpoint"]}
    results, dummy = run_tasks(standin, tmp_path, [
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo}},
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"],
                                            "auth_source": "workload_identity"}},
        # every setting of workload identity is an environment variable: auth_source env takes it too
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"], "auth_source": "env"}},
    ], env=env)
    assert ok(results[0])["changed"] is True and results[0]["source_digest"] == digest
    assert [(i["tag"], i["digest"]) for i in ok(results[1])["images"]] == [("1", digest)]
    assert [(i["tag"], i["digest"]) for i in ok(results[2])["images"]] == [("1", digest)]
    grants = entra_grants(standin)
    assert grants and set(grants) == {("assertion", importer["client_id"])}, grants  # never a client secret


AZ_STUB = '''#!{python}
"""A stand-in `az`: answers `az account get-access-token` as azure-cli 2.5x+ prints it; logs its arguments."""
import json, sys, time
args = sys.argv[1:]
with open({calls!r}, "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] != ["account", "get-access-token"] or "--resource" not in args:
    sys.stderr.write("ERROR: stub az: unsupported command\\n")
    sys.exit(2)
tokens = json.load(open({tokens!r}))
resource = args[args.index("--resource") + 1].rstrip("/")
if resource not in tokens:
    sys.stderr.write("ERROR: AADSTS500011: The resource principal named %s was not found.\\n" % resource)
    sys.exit(1)
expires = int(time.time()) + 3000
print(json.dumps({{"accessToken": tokens[resource], "expiresOn": time.strftime("%Y-%m-%d %H:%M:%S.000000", time.localtime(expires)),
                  "expires_on": expires, "subscription": {subscription!r}, "tenant": {tenant!r}, "tokenType": "Bearer"}}, indent=2))
'''


def stand_in_tokens(standin, tmp_path):
    """Tokens the stand-in's Entra issued to the importer, by resource (no trailing slash), in a file."""
    path = tmp_path / "tokens.json"
    tokens = {}
    for audience in (standin.env["arm_audience"], standin.env["acr_audience"]):
        resource = audience.rstrip("/")
        tokens[resource] = standin.entra_token("importer", scope=resource + "/.default")
    path.write_text(json.dumps(tokens))
    return path, tokens


def test_azure_cli_login_through_az_on_path(standin, tmp_path, repo):
    digest = standin.push("dockerhub", "library/" + repo, "1")
    tokens, dummy = stand_in_tokens(standin, tmp_path)
    stub_dir, calls = tmp_path / "bin", tmp_path / "az-calls.jsonl"
    stub_dir.mkdir()
    stub = stub_dir / "az"
    stub.write_text(AZ_STUB.format(python=sys.executable, calls=str(calls), tokens=str(tokens),
                                   subscription=standin.env["subscriptions"]["main"], tenant=standin.env["tenant_id"]))
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    standin.control.reset()  # forget the Entra requests made for the stub's tokens
    env = {"PATH": "%s:%s" % (stub_dir, playbook_runner.ansible_env(standin, COLLECTIONS_ROOT)["PATH"]),
           "AZURE_SUBSCRIPTION_ID": standin.env["subscriptions"]["main"], "AZURE_CLOUD_ENVIRONMENT": standin.env["arm_endpoint"]}
    results, dummy = run_tasks(standin, tmp_path, [
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo, "auth_source": "cli"}},
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"]}},  # auto: CLI first
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"], "auth_source": "cli"},
         "environment": {"AZURE_TENANT_ID": standin.env["tenant_id"]}},
    ], env=env)
    assert ok(results[0])["changed"] is True and results[0]["source_digest"] == digest
    assert [(i["tag"], i["digest"]) for i in ok(results[1])["images"]] == [("1", digest)]
    ok(results[2])
    invocations = [json.loads(line) for line in calls.read_text().splitlines()]
    arm_resource = standin.env["arm_audience"].rstrip("/")
    assert invocations and all(a[:5] == ["account", "get-access-token", "--output", "json", "--resource"] for a in invocations)
    # Resource Manager's audience for Resource Manager, ACR's for the registries' token exchange (issue 16).
    assert {a[5] for a in invocations} == {arm_resource, standin.env["acr_audience"]}, invocations
    assert [a[6:] for a in invocations if "--tenant" in a][-1] == ["--tenant", standin.env["tenant_id"]], invocations
    assert entra_grants(standin) == []  # every token came from `az`


class _IdentityEndpoint(BaseHTTPRequestHandler):
    """App Service's managed identity endpoint (IDENTITY_ENDPOINT, api-version 2019-08-01), handing out stand-in tokens."""
    tokens = {}
    header = ""
    calls = []

    def do_GET(self):  # noqa: N802  (http.server's name)  pylint: disable=invalid-name
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        type(self).calls.append((query, self.headers.get("X-IDENTITY-HEADER") == self.header))
        resource = (query.get("resource") or "").rstrip("/")
        if self.headers.get("X-IDENTITY-HEADER") != self.header or resource not in self.tokens:
            body, status = {"statusCode": 400, "message": "bad request"}, 400
        else:
            body, status = {"access_token": self.tokens[resource], "expires_on": str(int(time.time()) + 3000),
                            "resource": query["resource"], "token_type": "Bearer", "client_id": query.get("client_id", "system")}, 200
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def test_managed_identity_app_service_endpoint(standin, tmp_path, repo):
    digest = standin.push("dockerhub", "library/" + repo, "1")
    dummy, tokens = stand_in_tokens(standin, tmp_path)
    handler = type("Endpoint", (_IdentityEndpoint,), {"tokens": tokens, "header": "stub-identity-header", "calls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        standin.control.reset()
        env = {"IDENTITY_ENDPOINT": "http://127.0.0.1:%d/msi/token" % server.server_address[1], "IDENTITY_HEADER": "stub-identity-header",
               "AZURE_SUBSCRIPTION_ID": standin.env["subscriptions"]["main"], "AZURE_CLOUD_ENVIRONMENT": standin.env["arm_endpoint"]}
        results, dummy = run_tasks(standin, tmp_path, [
            {"acrops.registry.acr_import": {"registry": "standinacr", "source": "%s:1" % repo, "auth_source": "msi"}},
            {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": repo, "tags": ["1"], "auth_source": "msi",
                                                "client_id": "11111111-2222-3333-4444-555555555555"}},  # a user-assigned identity
        ], env=env)
    finally:
        server.shutdown()
        server.server_close()
    assert ok(results[0])["changed"] is True and results[0]["source_digest"] == digest
    assert [(i["tag"], i["digest"]) for i in ok(results[1])["images"]] == [("1", digest)]
    calls = handler.calls
    assert calls and all(header_ok for dummy, header_ok in calls)
    assert {q["resource"].rstrip("/") for q, dummy in calls} == {standin.env["arm_audience"].rstrip("/"), standin.env["acr_audience"]}
    assert {q.get("client_id") for q, dummy in calls} == {None, "11111111-2222-3333-4444-555555555555"}, calls
    assert entra_grants(standin) == []
