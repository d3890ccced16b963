# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where this checkout is importable as ansible_collections.acrops.registry.

ansible-test copies the tree into ansible_collections/acrops/registry; a plain checkout gets a symlinked
tree outside itself (never inside: tools that walk the checkout would loop).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def collections_root():
    if REPO.parent.name == "acrops" and REPO.parent.parent.name == "ansible_collections":
        return REPO.parent.parent.parent
    # One tree per checkout: two checkouts (a CI clone and a working copy) must never re-point each other's link.
    root = Path(tempfile.gettempdir()) / ("acrops-collections-%d-%s" % (os.getuid(), hashlib.sha256(str(REPO).encode()).hexdigest()[:12]))
    link = root / "ansible_collections" / "acrops" / "registry"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not (link.is_symlink() and link.resolve() == REPO):
        tmp = link.with_name("registry.%d" % os.getpid())
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(REPO)
        os.replace(tmp, link)  # atomic, so parallel runs never see a half-made link
    return root


COLLECTIONS_ROOT = collections_root()
