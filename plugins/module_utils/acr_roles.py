# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which Azure roles grant a registry's data-plane reads, by the registry's role-assignment mode (pure; docs/auth.md).

A registry's `roleAssignmentMode` (Resource Manager) is `LegacyRegistryPermissions` (registry-wide RBAC: AcrPull and its
siblings) or `AbacRepositoryPermissions` (ABAC: the registry-wide data roles grant nothing on the data plane; the
Container Registry Repository roles do, each assignment optionally limited to repository prefixes by a condition).
Importing is a Resource Manager action in both modes (Container Registry Data Importer and Data Reader, or Contributor).
"""

from __future__ import annotations

ABAC = "AbacRepositoryPermissions"
RBAC_READ_ROLES = "AcrPull (or Container Registry Data Importer and Data Reader)"
ABAC_READ_ROLE = "Container Registry Repository Reader"


def is_abac(mode):
    return (mode or "").lower() == ABAC.lower()


def read_hint(registry, mode, repository=None):
    """What to grant so that this identity can read `repository` (tags, manifests) on the registry."""
    if is_abac(mode):
        return ("%s uses ABAC repository permissions (roleAssignmentMode %s): registry-wide roles such as AcrPull grant no reads "
                "there; assign the identity %s (or Repository Writer/Contributor) with a condition that covers %s"
                % (registry, ABAC, ABAC_READ_ROLE, "repository %s" % repository if repository else "the repositories read"))
    return "the identity needs %s on %s (reading tags needs metadata_read, which both grant)" % (RBAC_READ_ROLES, registry)
