# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The peers the collection is compared with, run against the same stand-in on the same image list.

- skopeo (client-side copy through the stand-in's proxy, every byte through this machine): a `skopeo copy --all` loop
  and one `skopeo sync --all` of a YAML list (sync skips images already present at the destination).
- azure-cli: a sequential `az acr import --force` loop (the seed's tool), from ~/.cache/acrops-registry/az-venv.
- a naive role: an Ansible `loop:` over single-image acrops.registry.acr_import tasks, run as modules (the target's
  peer) and in Ansible's worker (the in-process action a naive role gets on the controller).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from harness import REGISTRY, playbook_runner

ACR_ANONYMOUS_USER = "00000000-0000-0000-0000-000000000000"
AZ_VENV = Path(os.environ.get("AZ_VENV", str(Path.home() / ".cache" / "acrops-registry" / "az-venv")))

PER_ITEM_PLAYBOOK = [{
    "name": "Naive mirror: one acr_import task run per image (an Ansible loop)",
    "hosts": "acr_registries",
    "gather_facts": False,
    "tasks": [{
        "name": "Import one image per loop item",
        "acrops.registry.acr_import": {"registry": "{{ acr_mirror_registry }}", "source": "{{ item }}", "force": True},
        "loop": "{{ acr_mirror_images }}",
    }],
}]


def target_of(source):
    """docker.io/library/bench0001:1 -> bench0001:1 (the role's default target name for official images)."""
    path = source.split("/", 1)[1]
    return path[len("library/"):] if path.startswith("library/") else path


def timed_loop(bench, commands, env, label):
    """Run commands one after another; the wall time and counter delta of the whole loop."""
    before = bench.snapshot()
    failures = []
    for cmd in commands:
        proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1800, check=False)
        if proc.returncode != 0:
            failures.append("%s: rc=%s %s" % (" ".join(cmd[-2:]), proc.returncode, (proc.stderr or proc.stdout)[-600:]))
    run = bench.measured(before, label, commands=len(commands))
    if failures:
        raise RuntimeError("%s: %d of %d commands failed; first: %s" % (label, len(failures), len(commands), failures[0]))
    return run


class Skopeo:
    """skopeo 1.9 talking to the stand-in by name through its CONNECT proxy, trusting its CA (a cert dir)."""

    def __init__(self, bench):
        self.bench = bench
        self.path = shutil.which("skopeo")
        standin = bench.standin
        self.cert_dir = bench.workdir / "skopeo-certs"
        self.cert_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(standin.env["ca_file"], self.cert_dir / "ca.crt")
        self.env = dict(os.environ, HTTPS_PROXY=standin.env["proxy"], https_proxy=standin.env["proxy"],
                        NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        self._refresh = None

    @property
    def available(self):
        return self.path is not None

    def refresh_token(self):
        """An ACR refresh token from /oauth2/exchange with an Entra token (ACR's `docker login` with an AAD identity)."""
        if self._refresh is None or self._refresh[1] < time.time() + 600:
            standin = self.bench.standin
            entra = standin.entra_token("importer")
            with standin.proxied_session() as session:
                response = session.post("https://%s/oauth2/exchange" % self.bench.login_server, timeout=30,
                                        data={"grant_type": "access_token", "service": self.bench.login_server,
                                              "tenant": standin.env["tenant_id"], "access_token": entra})
            response.raise_for_status()
            self._refresh = (response.json()["refresh_token"], time.time() + 3 * 3600)
        return self._refresh[0]

    def creds(self):
        return "%s:%s" % (ACR_ANONYMOUS_USER, self.refresh_token())

    def copy_cmd(self, source, target):
        return [self.path, "copy", "--all", "--retry-times", "0", "--src-cert-dir", str(self.cert_dir), "--dest-cert-dir", str(self.cert_dir),
                "--dest-creds", self.creds(), "docker://%s" % source, "docker://%s/%s" % (self.bench.login_server, target)]

    def reads_oci_index(self, source):
        """Whether skopeo can read an OCI index through the stand-in (it sends one Accept header line per media type)."""
        proc = subprocess.run([self.path, "inspect", "--raw", "--cert-dir", str(self.cert_dir), "docker://%s" % source], env=self.env,
                              capture_output=True, text=True, timeout=60, check=False)
        return proc.returncode == 0, (proc.stderr or "").strip()[-300:]

    def copy_loop(self, sources, label="skopeo copy loop", targets=None):
        targets = targets or [target_of(s) for s in sources]
        commands = [self.copy_cmd(s, t) for s, t in zip(sources, targets)]
        return timed_loop(self.bench, commands, self.env, label)

    def sync(self, sources, label="skopeo sync"):
        """One `skopeo sync --all` of a YAML list of the sources into the registry (targets named like the role's)."""
        images = {}
        for source in sources:
            host, path = source.split("/", 1)
            if host != "docker.io":
                raise ValueError("skopeo sync helper: docker.io sources only")
            repo, tag = path.rsplit(":", 1)
            if not repo.startswith("library/"):
                raise ValueError("skopeo sync helper: official images only (targets are the base name)")
            images.setdefault(repo, []).append(tag)
        doc = {"docker.io": {"cert-dir": str(self.cert_dir), "images": images}}
        path = self.bench.workdir / ("skopeo-sync-%d.yml" % len(sources))
        path.write_text(yaml.safe_dump(doc))
        cmd = [self.path, "sync", "--all", "--retry-times", "0", "--src", "yaml", "--dest", "docker", "--dest-cert-dir", str(self.cert_dir),
               "--dest-creds", self.creds(), str(path), self.bench.login_server]
        return timed_loop(self.bench, [cmd], self.env, label)


class AzureCli:
    """azure-cli registered against the stand-in as a cloud and logged in as the importer service principal."""

    def __init__(self, bench):
        self.bench = bench
        self.az = AZ_VENV / "bin" / "az"
        self.version = None
        self.ready = False
        self.reason = None
        standin = bench.standin
        self.env = dict(os.environ, AZURE_CONFIG_DIR=str(bench.workdir / "az-config"), AZURE_CORE_INSTANCE_DISCOVERY="false",
                        AZURE_CORE_COLLECT_TELEMETRY="false", AZURE_CORE_ONLY_SHOW_ERRORS="true", AZURE_CORE_NO_COLOR="true",
                        HTTPS_PROXY=standin.env["proxy"], https_proxy=standin.env["proxy"], NO_PROXY="127.0.0.1,localhost",
                        no_proxy="127.0.0.1,localhost", REQUESTS_CA_BUNDLE=standin.env["ca_bundle"])
        for key in ("AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_CLIENT_SECRET", "AZURE_TENANT", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID",
                    "AZURE_CLOUD_ENVIRONMENT"):
            self.env.pop(key, None)

    def _az(self, *args, timeout=300):
        return subprocess.run([str(self.az)] + list(args), env=self.env, capture_output=True, text=True, timeout=timeout, check=False)

    def setup(self):
        """Register the stand-in as a cloud and log in (not timed). Sets .ready or .reason."""
        if not self.az.exists():
            self.reason = "azure-cli is not installed (looked for %s; benchmarks/az_cli_check.sh installs azure-cli==2.91.0 there)" % self.az
            return False
        version = self._az("version", "--output", "json")
        if version.returncode != 0:
            self.reason = "az version failed: %s" % version.stderr[-300:]
            return False
        self.version = (yaml.safe_load(version.stdout) or {}).get("azure-cli")
        standin = self.bench.standin
        creds = standin.env["principals"]["importer"]
        steps = [("cloud", "register", "--name", "StandIn", "--endpoint-resource-manager", standin.env["arm_endpoint"], "--output", "none"),
                 ("cloud", "set", "--name", "StandIn", "--output", "none"),
                 ("login", "--service-principal", "--username", creds["client_id"], "--password", creds["client_secret"],
                  "--tenant", creds["tenant_id"], "--output", "none"),
                 ("account", "set", "--subscription", standin.env["subscriptions"]["main"])]
        for step in steps:
            proc = self._az(*step)
            if proc.returncode != 0 and not (step[1:2] == ("register",) and "already registered" in proc.stderr):
                self.reason = "az %s %s failed: %s" % (step[0], step[1], (proc.stderr or proc.stdout)[-400:])
                return False
        self.ready = True
        return True

    def import_cmd(self, source, target):
        registry = self.bench.standin.env["registries"][REGISTRY]
        return [str(self.az), "acr", "import", "--name", REGISTRY, "--resource-group", registry["resource_group"], "--source", source,
                "--image", target, "--force", "--output", "none"]

    def import_loop(self, sources, label="az acr import --force loop"):
        commands = [self.import_cmd(s, target_of(s)) for s in sources]
        return timed_loop(self.bench, commands, self.env, label)


def per_item_loop(bench, inventory, label="per-item loop", as_modules=True):
    """The naive role: `loop:` over single-image acr_import tasks. as_modules: each item is a module run (packaged, a new
    Python, auth and SDK import per image), the issue's peer and what runs anywhere but the controller's own Python;
    otherwise the items run in Ansible's worker (acr_import's action on the controller), auth still per image."""
    path = bench.workdir / "per-item-loop.yml"
    if not path.exists():
        path.write_text(yaml.safe_dump(PER_ITEM_PLAYBOOK, sort_keys=False))
    extra = None
    if as_modules:
        other = playbook_runner.other_name_of_this_python()
        if other is None:
            raise RuntimeError("no second name for %s in its directory: the loop of module runs cannot be forced" % sys.executable)
        extra = {"ansible_python_interpreter": other}
    return bench.playbook(inventory, playbook=path, extra_vars=extra, label=label)
