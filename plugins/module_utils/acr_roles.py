# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which Azure roles grant a registry's data-plane reads, tag writes and deletes, by the registry's role-assignment mode (pure; docs/auth.md).

A registry's `roleAssignmentMode` (Resource Manager) is `LegacyRegistryPermissions` (registry-wide RBAC: AcrPull and its
siblings) or `AbacRepositoryPermissions` (ABAC: the registry-wide data roles grant nothing on the data plane; the
Container Registry Repository roles do, each assignment optionally limited to repository prefixes by a condition).
Importing is a Resource Manager action in both modes (Container Registry Data Importer and Data Reader, or Contributor).
"""

from __future__ import annotations

ABAC = "AbacRepositoryPermissions"
RBAC_READ_ROLES = "AcrPull (or Container Registry Data Importer and Data Reader)"
ABAC_READ_ROLE = "Container Registry Repository Reader"
# Tag attribute changes and deletes (acr_tag, lock, prune): the token scope's action -> (what it is, RBAC role, ABAC role).
CHANGE_ROLES = {
    "metadata_write": ("changing tag attributes needs metadata write", "AcrPush",
                       "Container Registry Repository Writer (or Repository Contributor)"),
    "delete": ("deleting needs the delete permission", "AcrDelete", "Container Registry Repository Contributor"),
}


def is_abac(mode):
    return (mode or "").lower() == ABAC.lower()


def read_hint(registry, mode, repository=None):
    """What to grant so that this identity can read `repository` (tags, manifests) on the registry."""
    if is_abac(mode):
        return ("%s uses ABAC repository permissions (roleAssignmentMode %s): registry-wide roles such as AcrPull grant no reads "
                "there; assign the identity %s (or Repository Writer/Contributor) with a condition that covers %s"
                % (registry, ABAC, ABAC_READ_ROLE, "repository %s" % repository if repository else "the repositories read"))
    return "the identity needs %s on %s (reading tags needs metadata_read, which both grant)" % (RBAC_READ_ROLES, registry)


def action_hint(action, registry, mode, repository=None):
    """What to grant so that this identity can do `action` (a token scope's: metadata_read, metadata_write, delete) on the registry."""
    if action not in CHANGE_ROLES:
        return read_hint(registry, mode, repository)
    what, rbac_role, abac_role = CHANGE_ROLES[action]
    if is_abac(mode):
        return ("%s: %s uses ABAC repository permissions (roleAssignmentMode %s), where AcrPull/AcrPush/AcrDelete grant nothing; "
                "assign the identity %s with a condition that covers %s"
                % (what, registry, ABAC, abac_role, "repository %s" % repository if repository else "the repositories changed"))
    return "%s: the identity needs %s on %s" % (what, rbac_role, registry)
