# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start the stand-in as a subprocess and talk to it: `with start(state_dir) as standin: ...`.

The subprocess runs in its own process group and is always killed with its group, even when the test fails.
Only the standard library and requests are used here (requests lazily), so importing this module is cheap.
"""

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

from . import images

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_TIMEOUT = 30.0
OPTION_FLAGS = {"import_latency": "--import-latency", "retry_after_ms": "--retry-after-ms", "retry_after": "--retry-after",
                "token_lifetime": "--token-lifetime", "page_size": "--page-size", "dockerhub_pull_limit": "--dockerhub-pull-limit"}


def _session(verify):
    import requests  # pylint: disable=import-outside-toplevel  # keep `import standin.fixture` light

    session = requests.Session()
    session.trust_env = False  # the machine's REQUESTS_CA_BUNDLE would silently override verify otherwise
    session.verify = verify
    return session


class Control:
    """The test controls (docs/standin.md), plus lock_tag through the real data plane."""

    def __init__(self, standin):
        self.standin = standin
        self.url = standin.env["control_url"]
        self.http = _session(standin.env["ca_file"])

    def _call(self, method, name, body=None, **params):
        response = self.http.request(method, "%s/%s" % (self.url, name), json=body, params=params or None, timeout=30)
        if response.status_code != 200:
            raise RuntimeError("control %s %s: HTTP %s %s" % (method, name, response.status_code, response.text[:300]))
        return response.json()

    def get(self, name):
        """GET any control by name: 'faults', 'import-behaviour', 'settings', 'operations', 'counters'..."""
        return self._call("GET", name)

    def reset(self, storage=True):
        """Back to a clean slate (docs/standin.md); storage=False keeps what the emulated registries hold."""
        return self._call("POST", "reset", {} if storage else {"storage": False})

    def counters(self):
        return self._call("GET", "counters")

    def faults(self, rules):
        return self._call("POST", "faults", {"rules": list(rules)})["rules"]

    def import_behaviour(self, **changes):
        return self._call("POST", "import-behaviour", changes)

    def settings(self, **changes):
        return self._call("POST", "settings", changes) if changes else self._call("GET", "settings")

    def time_skew(self, seconds):
        return self._call("POST", "time-skew", {"seconds": seconds})

    def log(self, since=0):
        return self._call("GET", "log", since=str(since))["entries"]

    def operations(self):
        return self._call("GET", "operations")["operations"]

    def grant(self, registry, principal, repositories, actions=None, role=None):
        """An ABAC repository grant (docs/standin.md): `principal` by name, client id or object id; prefixes."""
        body = {"registry": registry, "principal": principal, "repositories": list(repositories)}
        body.update({k: v for k, v in (("actions", actions), ("role", role)) if v})
        return self._call("POST", "grants", body)["grants"]

    def update_registry(self, registry, properties, principal="importer"):
        """PATCH the registry through Resource Manager as registries.begin_update sends it; returns its properties."""
        info = self.standin.env["registries"][registry]
        url = "%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerRegistry/registries/%s" % (
            self.standin.env["arm_endpoint"], info["subscription_id"], info["resource_group"], registry)
        response = self.http.patch(url, params={"api-version": "2025-11-01"}, json={"properties": properties}, timeout=30,
                                   headers={"Authorization": "Bearer " + self.standin.entra_token(principal)})
        if response.status_code != 200:
            raise RuntimeError("update_registry: HTTP %s %s" % (response.status_code, response.text[:300]))
        return response.json()["properties"]

    def lock_tag(self, registry, repo, tag, write_enabled=False, principal="importer"):
        """PATCH /acr/v1/{repo}/_tags/{tag} on the registry's data plane, as a client would (token dance included)."""
        token = self.standin.acr_token(registry, "repository:%s:metadata_write" % repo, principal=principal)
        login = self.standin.env["registries"][registry]["login_server"]
        with self.standin.proxied_session() as session:
            response = session.patch("https://%s/acr/v1/%s/_tags/%s" % (login, urllib.parse.quote(repo, safe=""), tag),
                                     json={"writeEnabled": bool(write_enabled)}, headers={"Authorization": "Bearer " + token}, timeout=30)
        if response.status_code != 200:
            raise RuntimeError("lock_tag: HTTP %s %s" % (response.status_code, response.text[:300]))
        return response.json()


class StandIn:
    """A running stand-in: env (the env.json document), control, client_env(), push(), tokens and digests."""

    def __init__(self, state_dir, process, env):
        self.state_dir = state_dir
        self.process = process
        self.env = env
        self.control = Control(self)

    # -- client side ----------------------------------------------------------------------------------------------
    def client_env(self, principal="importer", subscription="main"):
        """Environment variables for a subprocess client (an ansible-playbook run, az, a script)."""
        creds = self.env["principals"][principal]
        return {"HTTPS_PROXY": self.env["proxy"], "https_proxy": self.env["proxy"], "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost", "REQUESTS_CA_BUNDLE": self.env["ca_bundle"], "SSL_CERT_FILE": self.env["ca_bundle"],
                "CURL_CA_BUNDLE": self.env["ca_bundle"], "AZURE_CLIENT_ID": creds["client_id"], "AZURE_SECRET": creds["client_secret"],
                "AZURE_CLIENT_SECRET": creds["client_secret"], "AZURE_TENANT": creds["tenant_id"], "AZURE_TENANT_ID": creds["tenant_id"],
                "AZURE_SUBSCRIPTION_ID": self.env["subscriptions"][subscription], "AZURE_CLOUD_ENVIRONMENT": self.env["arm_endpoint"]}

    @contextlib.contextmanager
    def proxied_session(self):
        """A requests session that reaches stand-in hosts by name through the proxy, trusting the stand-in CA."""
        session = _session(self.env["ca_bundle"])
        session.proxies = {"https": self.env["proxy"]}
        try:
            yield session
        finally:
            session.close()

    def entra_token(self, principal="importer", scope=None):
        creds = self.env["principals"][principal]
        with _session(self.env["ca_file"]) as session:
            response = session.post("%s/%s/oauth2/v2.0/token" % (self.env["arm_endpoint"], creds["tenant_id"]),
                                    data={"grant_type": "client_credentials", "client_id": creds["client_id"],
                                          "client_secret": creds["client_secret"], "scope": scope or self.env["arm_audience"] + ".default"},
                                    timeout=30)
        response.raise_for_status()
        return response.json()["access_token"]

    def acr_token(self, registry, scope, principal="importer"):
        """An ACR access token via /oauth2/exchange and /oauth2/token, the way azure-containerregistry gets one."""
        login = self.env["registries"][registry]["login_server"]
        entra = self.entra_token(principal)
        with self.proxied_session() as session:
            exchanged = session.post("https://%s/oauth2/exchange" % login, timeout=30,
                                     data={"grant_type": "access_token", "service": login, "tenant": self.env["tenant_id"],
                                           "access_token": entra})
            exchanged.raise_for_status()
            issued = session.post("https://%s/oauth2/token" % login, timeout=30,
                                  data={"grant_type": "refresh_token", "service": login, "scope": scope,
                                        "refresh_token": exchanged.json()["refresh_token"]})
            issued.raise_for_status()
        return issued.json()["access_token"]

    def acr_digest(self, registry, repo, reference, principal="importer"):
        """HEAD /v2/{repo}/manifests/{ref} on the ACR data plane; the Docker-Content-Digest or None (404)."""
        token = self.acr_token(registry, "repository:%s:pull" % repo, principal=principal)
        login = self.env["registries"][registry]["login_server"]
        with self.proxied_session() as session:
            response = session.head("https://%s/v2/%s/manifests/%s" % (login, repo, reference), timeout=30,
                                    headers={"Authorization": "Bearer " + token, "Accept": images.MANIFEST_ACCEPT})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.headers["Docker-Content-Digest"]

    def acr_tag_attributes(self, registry, repo, tag, principal="importer"):
        """GET /acr/v1/{repo}/_tags/{tag} on the ACR data plane: the tag's changeableAttributes (writeEnabled...)."""
        token = self.acr_token(registry, "repository:%s:metadata_read" % repo, principal=principal)
        login = self.env["registries"][registry]["login_server"]
        with self.proxied_session() as session:
            response = session.get("https://%s/acr/v1/%s/_tags/%s" % (login, urllib.parse.quote(repo, safe=""), tag),
                                   headers={"Authorization": "Bearer " + token}, timeout=30)
        response.raise_for_status()
        return response.json()["tag"]["changeableAttributes"]

    # -- fixtures -------------------------------------------------------------------------------------------------
    def storage(self, name):
        """(storage_url, auth, verify) of a source ('dockerhub', 'ghcr', 'mcr', 'quay', 'private') or a registry name."""
        if name in self.env["sources"]:
            source = self.env["sources"][name]
            if name == "private":
                return source["storage_url"], (source["username"], source["password"]), self.env["ca_file"]
            return source["storage_url"], None, True
        if name in self.env["registries"]:
            return self.env["registries"][name]["storage_url"], None, True
        raise KeyError("no source or registry named %r" % name)

    def push(self, name, repo, tag, **kwargs):
        """Push a generated image straight into a source's or registry's storage; returns its digest."""
        url, auth, verify = self.storage(name)
        return images.push_image(url, repo, tag, auth=auth, verify=verify, **kwargs)

    def move_tag(self, name, repo, tag, **kwargs):
        url, auth, verify = self.storage(name)
        return images.move_tag(url, repo, tag, auth=auth, verify=verify, **kwargs)

    def storage_digest(self, name, repo, reference):
        url, auth, verify = self.storage(name)
        return images.head_digest(url, repo, reference, auth=auth, verify=verify)

    def stop(self):
        stop_process(self.process)


def stop_process(process, timeout=5.0):
    """SIGTERM the whole process group, then SIGKILL whatever is left."""
    if process is None:
        return
    for signum, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, timeout)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # The group may outlive its leader (storage children): make sure nothing stays behind.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_for_env(path, process, log_path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("stand-in exited with %s:\n%s" % (process.returncode, _tail(log_path)))
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        time.sleep(0.02)
    raise TimeoutError("stand-in not ready after %.0f s:\n%s" % (timeout, _tail(log_path)))


def _tail(path, lines=40):
    if not os.path.exists(path):
        return "(no output)"
    with open(path, encoding="utf-8", errors="replace") as handle:
        return "".join(handle.readlines()[-lines:])


def launch(state_dir, **options):
    """Start the stand-in process; returns a StandIn once env.json is there (30 s at most)."""
    state_dir = os.path.abspath(state_dir)
    os.makedirs(state_dir, exist_ok=True)
    command = [sys.executable, "-m", "standin", "run", "--state-dir", state_dir, "--parent-pid", str(os.getpid())]
    for key, value in options.items():
        if key not in OPTION_FLAGS:
            raise TypeError("unknown stand-in option %r" % key)
        if value is not None:
            command += [OPTION_FLAGS[key], str(value)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([TESTS_DIR] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    output_path = os.path.join(state_dir, "process-output.log")
    with open(output_path, "ab") as output:
        # pylint: disable-next=consider-using-with  # the process outlives this function; stop_process ends it
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=output, env=env, start_new_session=True)
    try:
        env_doc = _wait_for_env(os.path.join(state_dir, "env.json"), process, output_path, START_TIMEOUT)
    except BaseException:
        stop_process(process)
        raise
    return StandIn(state_dir, process, env_doc)


@contextlib.contextmanager
def start(state_dir, **options):
    standin = launch(state_dir, **options)
    try:
        yield standin
    finally:
        standin.stop()


def attach(env_path):
    """A StandIn for an already running stand-in (its env.json), which this process must not stop."""
    with open(env_path, encoding="utf-8") as handle:
        env_doc = json.load(handle)
    return StandIn(env_doc["state_dir"], None, env_doc)


def basic_auth(username, password):
    return "Basic " + base64.b64encode(("%s:%s" % (username, password)).encode()).decode()
