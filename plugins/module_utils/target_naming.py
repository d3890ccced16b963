# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where an image lands when no target is given: the one naming rule of acr_import and the acr_mirror role (pure).

The rule (the seed's air-gap rule; users read it in docs/naming.md):

1. The source is read as host/path: Docker Hub's aliases are docker.io (reference.parse does that) and the host is
   lower-cased (hosts are case-insensitive; repository paths must be lowercase).
2. docker.io/library/, else docker.io/, else mcr.microsoft.com/ is dropped: the names everyone already uses.
3. An image in an Azure Container Registry keeps its path alone, whether its login server is written in the source or
   the registry is given as source_registry: one image, one name, and a promotion keeps its repository names.
4. Any other host stays as the first path component, so that ghcr.io/org/app and quay.io/org/app never share a name;
   a port's ':' becomes '-' (ACR path components allow only [a-z0-9] joined by '.', '_', '__' or '-').
5. The prefix (the role's acr_mirror_target_prefix) goes in front.

The result is checked against the repository path grammar (at most 255 characters): a source that cannot be named,
such as one on an IPv6 address, is refused with advice to give targets.
"""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import reference

# The seed's air-gap rule drops these (the first that matches).
STRIPPED_PREFIXES = ("docker.io/library/", "docker.io/", "mcr.microsoft.com/")


class TargetNamingError(ValueError):
    """A source whose default target repository would not be a valid repository path (message fit for users)."""


def default_repository(ref, prefix=""):
    """The target repository of a source image (a reference.ImageReference with its registry host), e.g.
    docker.io/library/nginx -> nginx, ghcr.io/org/app -> ghcr.io/org/app, registry.example.com:5000/team/api ->
    registry.example.com-5000/team/api, myacr.azurecr.io/team/app -> team/app; then the prefix."""
    host = ref.registry.lower()
    if host.startswith("["):
        raise TargetNamingError("source %s is on an IPv6 address (%s), which no repository name can hold: give targets" % (ref, ref.registry))
    if host.endswith(reference.ACR_LOGIN_SERVER_SUFFIXES):
        return source_registry_repository(ref.repository, prefix)
    name = "%s/%s" % (host.replace(":", "-"), ref.repository)
    for stripped in STRIPPED_PREFIXES:
        if name.startswith(stripped):
            name = name[len(stripped):]
            break
    return _checked((prefix or "") + name, str(ref))


def source_identity(ref):
    """A source as compared when two entries feed one target: its text with the host lower-cased (hosts are
    case-insensitive, so GHCR.io/org/app:1 and ghcr.io/org/app:1 are one image, not two sources)."""
    text = str(ref)
    return ref.registry.lower() + text[len(ref.registry):]


def source_registry_repository(path, prefix=""):
    """The target repository of an image path inside source_registry (another ACR): the path itself, then the prefix."""
    return _checked((prefix or "") + path, path)


def _checked(name, source):
    try:
        return reference.parse_repository_path(name)
    except ValueError as exc:
        raise TargetNamingError("the default target repository of %s is no valid repository name (%s): give targets" % (source, exc)) from None
