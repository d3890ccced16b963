# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate what users wrote into import requests, before any network call (pure)."""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils import reference
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

# A validated request whose source ACR (if any) is still a name/ID/login server to resolve through ARM.
PendingImage = namedtuple("PendingImage", "source source_registry username password tags untagged force label")

# Stands in for the source ACR's login server until ARM has told us the real one: the grammar needs a domain.
_SOURCE_ACR_PLACEHOLDER = "source-registry.invalid"


def _looks_like_domain(component):
    return "." in component or ":" in component or component == "localhost"


def parse_source(text, source_registry):
    """The source reference; with source_registry it is an image path inside that registry."""
    if not isinstance(text, str) or not text.strip():
        raise AcrOpsError("source is empty: write an image reference such as docker.io/library/nginx:1.25")
    if source_registry:
        first = text.split("/", 1)[0]
        if "/" in text and _looks_like_domain(first):
            raise AcrOpsError("source %r names a registry host (%s) and source_registry is set too: with source_registry write only the "
                              "image path, e.g. %r" % (text, first, text.split("/", 1)[1]))
        try:
            return reference.parse("%s/%s" % (_SOURCE_ACR_PLACEHOLDER, text))
        except ValueError as exc:
            raise AcrOpsError("invalid source %r: %s" % (text, str(exc).replace(_SOURCE_ACR_PLACEHOLDER + "/", ""))) from None
    try:
        return reference.parse(text)
    except ValueError as exc:
        raise AcrOpsError("invalid source: %s" % exc) from None


def default_target(ref):
    """The source repository without its registry host (and Docker Hub's library/), with the source tag."""
    if not ref.tag:
        raise AcrOpsError("source %s is given by digest only: set targets (repo:tag) or untagged_repositories, "
                          "so that no tag is written by accident" % ref)
    return ref.familiar_repository if ref.registry == reference.DOCKER_HUB else ref.repository, ref.tag


def parse_targets(targets, ref):
    if targets is None:
        return (default_target(ref),)
    if not targets:
        raise AcrOpsError("targets is an empty list: omit it to use the default (%s), or list repo:tag names" % (
            "%s:%s" % default_target(ref) if ref.tag else "repo:tag"))
    parsed = []
    for text in targets:
        try:
            repository, tag = reference.parse_target(text, ref.tag)
        except ValueError as exc:
            raise AcrOpsError("invalid target %r: %s" % (text, exc)) from None
        if tag is None:
            raise AcrOpsError("target %r has no tag and the source %s has none to inherit: write %s:TAG" % (text, ref, text))
        if (repository, tag) in parsed:
            raise AcrOpsError("target %s:%s is listed twice" % (repository, tag))
        parsed.append((repository, tag))
    return tuple(parsed)


def parse_untagged(repositories):
    parsed = []
    for text in repositories or ():
        try:
            parsed.append(reference.parse_repository_path(text))
        except ValueError as exc:
            raise AcrOpsError("invalid untagged repository %r: %s" % (text, exc)) from None
    return tuple(parsed)


def validate_image(spec, defaults, label):
    """One image mapping (module options or a batch entry) -> PendingImage. Raises AcrOpsError."""
    def get(key):
        value = spec.get(key)
        return defaults.get(key) if value is None else value

    source_registry = get("source_registry")
    username, password = get("source_username"), get("source_password")
    if username and not password:
        raise AcrOpsError("%s: source_username without source_password: give the password (or a token as source_password alone)" % label)
    if source_registry and password:
        raise AcrOpsError("%s: source_registry imports with Azure credentials; drop source_username/source_password, or name the "
                          "registry in source (login server) to use registry credentials instead" % label)
    ref = parse_source(spec.get("source"), source_registry)
    untagged = parse_untagged(spec.get("untagged_repositories"))
    if spec.get("targets") is None and untagged and not ref.tag:
        tags = ()  # a digest-only source copied manifest-only: no tag at all
    else:
        tags = parse_targets(spec.get("targets"), ref)
    return PendingImage(ref, source_registry, username, password, tags, untagged, bool(get("force")), spec.get("label") or label)


def validate_batch(images, defaults):
    """Validate every entry, and refuse one target fed from two different sources."""
    pending = []
    owners = {}
    for index, spec in enumerate(images):
        if not isinstance(spec, dict):
            raise AcrOpsError("images[%d] must be a mapping with at least source" % index)
        label = "images[%d] (%s)" % (index, spec.get("source"))
        item = validate_image(spec, defaults, label)
        for repository, tag in item.tags:
            key = "%s:%s" % (repository, tag)
            other = owners.get(key)
            if other is not None and other[1] != str(item.source):
                raise AcrOpsError("target %s is fed by two sources: %s and %s" % (key, other[0], label))
            owners[key] = (label, str(item.source))
        pending.append(item)
    return pending


def bind_source_registry(ref, login_server):
    """The reference with the placeholder domain replaced by the source ACR's real login server."""
    text = str(ref)
    if text.startswith(_SOURCE_ACR_PLACEHOLDER + "/"):
        return reference.parse(login_server + text[len(_SOURCE_ACR_PLACEHOLDER):])
    return ref
