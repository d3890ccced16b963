# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest fixtures for the stand-in. tests/conftest.py does `from standin.pytest_plugin import *`.

Nothing heavy is imported here (no aiohttp, no Azure SDK): the stand-in runs in its own process.
Set STANDIN_ENV=/path/to/env.json to use an already running stand-in instead of starting one.
"""

import itertools
import os
import re

import pytest

from .fixture import attach, launch

__all__ = ["standin", "standin_clean", "standin_client", "unique_repo"]
_COUNTER = itertools.count(1)


@pytest.fixture(scope="session")
def standin(tmp_path_factory):
    """One stand-in for the whole session (stopped at the end, whatever happened)."""
    if os.environ.get("STANDIN_ENV"):
        yield attach(os.environ["STANDIN_ENV"])
        return
    running = launch(str(tmp_path_factory.mktemp("standin")))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def standin_clean(standin):  # pylint: disable=redefined-outer-name  # pytest fixtures are injected by name
    """The session stand-in after a reset: no counters, faults, import behaviour or log from earlier tests."""
    standin.control.reset()
    return standin


@pytest.fixture
def unique_repo(request):
    """A repository name no other test uses, e.g. 'test/import-digest-3'."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:60].strip("-") or "repo"
    return "test/%s-%d" % (name, next(_COUNTER))


@pytest.fixture
def standin_client(standin_clean, monkeypatch):  # pylint: disable=redefined-outer-name
    """A clean stand-in, with this process's environment set as a client's would be (proxy, CA bundle, principal)."""
    for key, value in standin_clean.client_env().items():
        monkeypatch.setenv(key, value)
    return standin_clean
