# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`platforms`: which children of a multi-platform index to mirror, the filtered index that references only them, and ACR's
limit of manifests per import (pure).

An index that holds only the wanted platforms (besides attestation manifests) is imported whole, as without `platforms`. Any
other is filtered: each wanted child is imported by digest, and an index naming only those children is pushed under the
target tag. Its bytes are a deterministic function of the source index (same source, same bytes, same digest), so a second
run finds the target tag at that digest and does nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils import oci
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

# ACR's documented limit ("The maximum number of manifests for an imported image is 50", learn.microsoft.com, Import
# container images, Limitations): the index and every child it lists (attestation manifests included) count.
MAX_IMPORT_MANIFESTS = 50
# The fewest bytes a child descriptor takes in an index's JSON ({"digest":"sha256:<64 hex>","size":N}, and a comma), so an
# index smaller than MAX_IMPORT_MANIFESTS of them cannot list too many: its size (from the HEAD) spares the GET that counts.
MIN_DESCRIPTOR_BYTES = 93

# The filtered index of one source index: source_digest (the source's index), platforms (as asked), children ((digest,
# 'os/arch[/variant]'), ...) kept in the source's order, media_type, body (the exact bytes to push) and digest (theirs).
FilteredIndex = namedtuple("FilteredIndex", "source_digest platforms children media_type body digest")


def parse_platforms(value, label):
    """The platforms option: a non-empty list of 'os/arch[/variant]', duplicates dropped -> tuple, or () when not set."""
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        raise AcrOpsError("%s: platforms must be a non-empty list of platforms, e.g. [linux/amd64, linux/arm64]" % label)
    parsed = []
    for text in value:
        try:
            oci.parse_platform(text)
        except ValueError as exc:
            raise AcrOpsError("%s: platforms: %s" % (label, exc)) from None
        if text not in parsed:
            parsed.append(text)
    return tuple(parsed)


def manifest_count(document):
    """How many manifests an import of this manifest copies, as ACR counts them: an index and each child it lists."""
    manifests = document.get("manifests") if isinstance(document, dict) else None
    return 1 + (len(manifests) if isinstance(manifests, list) else 0)


def may_exceed_limit(size):
    """Whether an index of `size` bytes (None: unknown) may list more manifests than ACR imports at once."""
    return size is None or size >= MAX_IMPORT_MANIFESTS * MIN_DESCRIPTOR_BYTES


def check_manifest_count(document, where):
    """Refuse, before submitting, an import ACR would refuse: more than MAX_IMPORT_MANIFESTS manifests."""
    count = manifest_count(document)
    if count > MAX_IMPORT_MANIFESTS:
        raise AcrOpsError("%s has %d manifests (the index and its %d children); ACR imports at most %d manifests per image, so this import "
                          "was not submitted" % (where, count, count - 1, MAX_IMPORT_MANIFESTS), code="TOO_MANY_MANIFESTS",
                          hint="set platforms (e.g. [linux/amd64, linux/arm64]) to import only those children by digest and push an index "
                               "of them, or platform to import one")


def select(document, platforms, where):
    """The wanted children of an index: ((digest, platform text), ...) in the source's order; AcrOpsError (PLATFORM_UNKNOWN naming
    the platforms the index has, or PLATFORM_AMBIGUOUS) when one is missing or not unique."""
    manifests = document.get("manifests") if isinstance(document, dict) else None
    chosen = {}
    for platform in platforms:
        try:
            digest, text = oci.pick_platform(manifests or [], platform, where)
        except AcrOpsError as exc:
            raise AcrOpsError(exc.message, code=exc.code, hint="set platforms to some of them, or drop platforms to import the whole "
                              "index" if exc.code == "PLATFORM_UNKNOWN" else exc.hint) from None
        chosen[digest] = text
    order = [m.get("digest") for m in manifests if isinstance(m, dict)]
    return tuple((digest, chosen[digest]) for digest in order if digest in chosen)


def holds_only(document, children):
    """Whether the index lists nothing but the chosen children and attestation manifests: then it is imported whole."""
    kept = set(digest for digest, dummy in children)
    for child in document.get("manifests") or []:
        if isinstance(child, dict) and child.get("digest") not in kept and not oci.is_attestation(child):
            return False
    return True


def serialize(document):
    """Deterministic JSON bytes: sorted keys, no spaces, ASCII (the same document always gives the same digest)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def filtered_index(source_digest, media_type, document, platforms, children):
    """The index to push: the source index's fields (mediaType, annotations, ...) with `manifests` cut to the chosen children's
    descriptors, as the source wrote them. Attestation manifests go (they are about the source index's children as a set)."""
    kept = set(digest for digest, dummy in children)
    filtered = dict(document)
    filtered["manifests"] = [m for m in document.get("manifests") or [] if isinstance(m, dict) and m.get("digest") in kept]
    kind = media_type if media_type in oci.INDEX_TYPES else document.get("mediaType")
    if kind not in oci.INDEX_TYPES:
        kind = oci.OCI_INDEX
    body = serialize(filtered)
    return FilteredIndex(source_digest, tuple(platforms), tuple(children), kind, body, "sha256:" + hashlib.sha256(body).hexdigest())


def config_platform(config, where):
    """'os/arch[/variant]' of an image config blob (a single manifest's platform)."""
    if not isinstance(config, dict) or not config.get("os") or not config.get("architecture"):
        raise AcrOpsError("%s: its image config names no os/architecture, so its platform cannot be checked against platforms" % where,
                          hint="drop platforms for this image")
    return oci.platform_text(config)


def check_single(platform, platforms, where):
    """A single-manifest source is imported as it is when its platform is one of those asked for (a variant-less ask matches any
    variant of that os/architecture, as for indexes)."""
    found_os, found_arch, found_variant = oci.parse_platform(platform)
    for wanted in platforms:
        wanted_os, wanted_arch, wanted_variant = oci.parse_platform(wanted)
        if (wanted_os, wanted_arch) == (found_os, found_arch) and wanted_variant in (None, found_variant):
            return
    raise AcrOpsError("%s is a single manifest for %s, not one of platforms (%s)" % (where, platform, ", ".join(platforms)),
                      code="PLATFORM_UNKNOWN", hint="set platforms to include %s, or drop platforms for this image" % platform)
