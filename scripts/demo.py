# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's main job: mirror the example inventory into the local ACR stand-in, twice, then preview a change.

Starts the stand-in (and its source registries), seeds the images the inventory lists, runs
`ansible-playbook playbooks/mirror.yml -i playbooks/inventories/mirror` as a user would, and stops
everything it started, also on failure or Ctrl-C.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from collection_path import COLLECTIONS_ROOT  # noqa: E402  pylint: disable=wrong-import-position
from standin.fixture import start  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(COLLECTIONS_ROOT))
from ansible_collections.acrops.registry.plugins.module_utils import reference  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = REPO / "playbooks" / "inventories" / "mirror"
SOURCE_NAMES = {"docker.io": "dockerhub", "mcr.microsoft.com": "mcr", "ghcr.io": "ghcr", "quay.io": "quay"}


NGINX_RELEASES = ("1.25.2", "1.25.3", "1.26.0")
NGINX_NEXT = "1.26.1"


def inventory_images():
    images = []
    for path in sorted(glob.glob(str(INVENTORY / "group_vars" / "**" / "*.yml"), recursive=True)):
        for name, value in (yaml.safe_load(Path(path).read_text()) or {}).items():
            if name.startswith("acr_mirror_images"):
                images.extend(v if isinstance(v, str) else v["source"] for v in value)
    return [reference.parse(i) for i in images]


def banner(text):
    print("\n\033[1m==> %s\033[0m" % text, flush=True)


def playbook(env, *args):
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(REPO / "playbooks" / "mirror.yml"), "-i", str(INVENTORY)] + list(args)
    print("$ ansible-playbook playbooks/mirror.yml -i playbooks/inventories/mirror %s" % " ".join(args), flush=True)
    return subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, cwd=str(REPO), check=False).returncode


def main():
    with tempfile.TemporaryDirectory(prefix="acrops-demo-") as state, start(Path(state)) as standin:
        banner("Local ACR stand-in up: ARM %s, registry %s" % (standin.env["arm_endpoint"], standin.env["registries"]["standinacr"]["login_server"]))
        images = inventory_images()
        for ref in images:
            standin.push(SOURCE_NAMES[ref.registry], ref.repository, ref.tag, seed=str(ref))
        # Releases for the inventory's nginx policy (host_vars: the newest three of >=1.25 <1.27, pruned).
        for release in NGINX_RELEASES:
            standin.push("dockerhub", "library/nginx", release, seed="nginx " + release)
        print("seeded %d upstream images: %s; nginx releases %s" % (len(images), ", ".join(str(r) for r in images), ", ".join(NGINX_RELEASES)))

        env = dict(os.environ)
        env.update(standin.client_env())
        env.update(ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT), ANSIBLE_CALLBACK_RESULT_FORMAT="yaml",
                   ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_LOCALHOST_WARNING="0", PATH="%s:%s" % (Path(sys.executable).parent, env["PATH"]),
                   ACR_MIRROR_REPORT=str(Path(state) / "mirror-report.json"))

        banner("1. First mirror: everything is imported (server-side)")
        failures = playbook(env)
        before = standin.control.counters()["import_calls"]
        banner("2. Second run: nothing changed, no import calls")
        failures += playbook(env)
        print("importImage calls during the second run: %d" % (standin.control.counters()["import_calls"] - before))

        moved = images[0]
        standin.push(SOURCE_NAMES[moved.registry], moved.repository, moved.tag, seed=str(moved) + " moved")
        standin.push("dockerhub", "library/nginx", NGINX_NEXT, seed="nginx " + NGINX_NEXT)
        banner("3. Upstream moved %s and released nginx %s: preview with --check --diff (nothing is imported or deleted; the oldest "
               "of the three nginx releases would be pruned)" % (moved, NGINX_NEXT))
        failures += playbook(env, "--check", "--diff")
        print("\nJSON report of the last run: %s" % env["ACR_MIRROR_REPORT"])
        print(Path(env["ACR_MIRROR_REPORT"]).read_text()[:1500])
        banner("Stopping the stand-in")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
