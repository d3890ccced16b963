# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules through pytest-ansible's in-process runner (the project's harness for module calls from tests)."""

from __future__ import annotations

import os
import sys

import pytest
from collection_path import COLLECTIONS_ROOT

pytestmark = [
    pytest.mark.usefixtures("standin_clean"),
    pytest.mark.filterwarnings("ignore:Host management is deprecated"),  # pytest-ansible 26.x says this of its own fixtures
    pytest.mark.filterwarnings("ignore:AnsibleCollectionFinder has already been configured"),
]


@pytest.fixture
def local(standin, monkeypatch, request):
    """pytest-ansible's localhost, with the stand-in's client environment and the collection on its plugin path. The
    collection finder it installs (process-wide) is removed afterwards: later tests see the import system as before."""
    # pylint: disable=import-outside-toplevel
    from ansible.plugins.loader import init_plugin_loader
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    if AnsibleCollectionConfig.collection_finder is None:
        request.addfinalizer(_AnsibleCollectionFinder._remove)  # pylint: disable=protected-access
    # The import system as it was, whatever the finder or the loader add (monkeypatch puts the original lists back).
    for name in ("path", "meta_path", "path_hooks"):
        monkeypatch.setattr(sys, name, list(getattr(sys, name)))

    for name, value in standin.client_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ANSIBLE_PYTHON_INTERPRETER", sys.executable)
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_PATH", str(COLLECTIONS_ROOT))
    init_plugin_loader([str(COLLECTIONS_ROOT)])
    return request.getfixturevalue("localhost")


def test_import_and_info_in_process(standin, local, repo):
    digest = standin.push("dockerhub", "library/" + repo, "3")
    contacted = getattr(local, "acrops.registry.acr_import")(registry="standinacr", source="%s:3" % repo)
    result = contacted["localhost"]
    assert result["changed"] and result["source_digest"] == digest, dict(result)
    info = getattr(local, "acrops.registry.acr_image_info")(registry="standinacr", repository=repo, tags=["3"])["localhost"]
    assert info["images"][0]["digest"] == digest and info["images"][0]["exists"], dict(info)
    assert os.environ["ANSIBLE_COLLECTIONS_PATH"] == str(COLLECTIONS_ROOT)


IMPORT_SYSTEM = {name: list(getattr(sys, name)) for name in ("path", "meta_path", "path_hooks")}  # at collection


def test_the_in_process_runs_leave_the_import_system_as_they_found_it():
    """Runs last in this file: what the in-process tests above installed (collection finder, path entries) is gone."""
    assert {name: list(getattr(sys, name)) for name in IMPORT_SYSTEM} == IMPORT_SYSTEM
