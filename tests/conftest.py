# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test set-up shared by unit and integration tests: collection import path and the stand-in's fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from collection_path import COLLECTIONS_ROOT  # noqa: E402  pylint: disable=wrong-import-position

if str(COLLECTIONS_ROOT) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_ROOT))

try:  # the stand-in's fixtures (they import nothing heavy until a test asks for the stand-in)
    from standin.pytest_plugin import *  # noqa: F401,F403,E402  pylint: disable=wildcard-import,unused-wildcard-import,wrong-import-position
except ModuleNotFoundError as exc:  # ansible-test units copies only what tests/unit needs
    if exc.name not in ("standin", "standin.pytest_plugin"):
        raise
