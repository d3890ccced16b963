# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Python without the collection's requirements (interpreter discovery picking the system python3, a remote host, an
execution environment built without them) gets Ansible's missing_required_lib message, not "a bug" (issue 20, item 11).

Both modules run as modules (AnsiballZ) under a bare venv, as ansible_python_interpreter, in one ansible-playbook run.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

REQUIRED = "azure-identity, azure-mgmt-containerregistry, azure-mgmt-core, azure-core, requests"


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory):
    """A venv with nothing installed (no pip either; a few tenths of a second), made once per session."""
    venv = tmp_path_factory.mktemp("bare-python") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120, capture_output=True)
    python = str(venv / "bin" / "python")
    probe = subprocess.run([python, "-c", "import requests"], capture_output=True, timeout=60, check=False)
    assert probe.returncode != 0, "the bare venv imports requests: it cannot show a missing requirement"
    return python


def test_both_modules_under_a_python_without_the_requirements_say_what_to_install(standin_clean, ansible, bare_python):
    on_bare = {"ansible_python_interpreter": bare_python}
    run = ansible.tasks([
        {"acrops.registry.acr_import": {"registry": "standinacr", "source": "nginx:1.25"}, "vars": on_bare},
        {"acrops.registry.acr_image_info": {"registry": "standinacr", "repository": "nginx"}, "vars": on_bare},
    ])
    for name in ("r0", "r1"):
        result = run.results[name]
        msg = result.get("msg") or ""
        assert result.get("failed") is True and result.get("changed") is False, (name, result)
        assert "Failed to import the required Python library (%s) on " % REQUIRED in msg, (name, msg)
        assert "Python %s." % bare_python in msg and "%s -m pip install 'azure-identity>=1.19'" % bare_python in msg, (name, msg)
        assert "pip install -r requirements.txt" in msg and "ansible_python_interpreter" in msg, (name, msg)
        assert "bug" not in msg and "ModuleNotFoundError" not in msg and "Traceback" not in result.get("exception", ""), (name, result)
    assert standin_clean.control.counters()["requests"] == {}, "the check comes before any request"
