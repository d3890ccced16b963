# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discover the referrers of an image (signatures, SBOMs, attestations) on a registry, without copying any bytes.

Three ways a registry can hold what refers to a manifest, tried in this order for each subject digest:

1. The OCI 1.1 referrers API: ``GET /v2/<repo>/referrers/<digest>`` answers an image index of referrer descriptors
   (ACR, and registries built on distribution 3, zot, Harbor 2.8+...). A registry without it answers 404 (distribution
   2.8), 400 or 405: then
2. the referrers tag schema (OCI distribution spec 1.1): the tag ``sha256-<hex>`` holds such an index, maintained by the
   clients that push referrers (notation, oras) to registries without the API. One HEAD says whether it exists (free of
   Docker Hub's pull quota); only then is it fetched.
3. cosign's tag convention, used whether or not the API exists (cosign before v3 pushes tags only): ``sha256-<hex>.sig``,
   ``.att`` and ``.sbom``. Each is one HEAD (digest, media type and size come from its headers); they are never fetched.
   cosign's sidecars carry no artifactType: ``COSIGN_TYPES`` gives the conventional one per suffix, for filtering.

Request economy, per subject: at most one GET (the referrers API, or the tag-schema index when its HEAD found it) and
HEADs for the tag-schema tag and the cosign tags. A host whose referrers API answered "not supported" once is not asked
again for the rest of the run (``ReferrerDiscovery.no_api_hosts``).

Recursion: one level. Referrers that pass the artifact type filter are asked for their own referrers (a signature of an
SBOM); those are not asked further. The filter applies at both levels: a signature of an SBOM that is filtered out would
be left dangling, so it is not looked for.

Everything that talks to a registry goes through a RegistryClient's public ``request`` and ``scope`` (auth, token cache,
retries); the wire facts (media types, Link paging, error bodies) are oci.py's; the rest is pure and unit-tested.
"""

from __future__ import annotations

import re
from collections import namedtuple
from urllib.parse import quote

from ansible_collections.acrops.registry.plugins.module_utils import oci
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

REFERRERS_API = "referrers-api"
TAG_SCHEMA = "tag-schema"
COSIGN_TAG = "cosign-tag"

# The Accept of a referrers API call and of the tag-schema index: an index; every manifest type for the cosign HEADs.
INDEX_ACCEPT = oci.OCI_INDEX
NOTATION_SIGNATURE = "application/vnd.cncf.notary.signature"
# cosign's tag suffixes and the artifact type a referrer found by that tag is given (cosign's sidecar manifests carry none:
# these are the names cosign uses for the same artifacts in its OCI 1.1 mode, and what registries such as zot map them to).
COSIGN_TYPES = (
    ("sig", "application/vnd.dev.cosign.artifact.sig.v1+json"),
    ("att", "application/vnd.dsse.envelope.v1+json"),
    ("sbom", "application/vnd.dev.cosign.artifact.sbom.v1+json"),
)
# Answers of a referrers API call that mean "this registry has no referrers API" (a registry that has it answers 200 with an
# empty index for a digest nothing refers to). 404 NAME_UNKNOWN means an unknown repository instead (see _api_missing).
NO_API_STATUSES = (400, 404, 405, 406, 501)
MAX_API_PAGES = 20
DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\Z")  # \Z, not $: a digest with a trailing newline must not pass

# One referrer of a subject.
#   digest, media_type, size: the referrer manifest's descriptor (size None when the registry did not say).
#   artifact_type: its artifactType (for cosign tags: COSIGN_TYPES' name for the suffix); None when unknown.
#   annotations: the descriptor's annotations (dict, possibly empty).
#   found: REFERRERS_API, TAG_SCHEMA or COSIGN_TAG: how it was discovered.
#   tag: the cosign tag name (sha256-<hex>.sig...) when found by tag, else None: import it under this tag, cosign finds it by tag.
#   subject: the digest it refers to.  depth: 1 for referrers of the image, 2 for referrers of referrers.
Referrer = namedtuple("Referrer", "digest media_type artifact_type size annotations found tag subject depth")


# ---- pure helpers --------------------------------------------------------------------------------------------------
def tag_schema_tag(digest):
    """The referrers tag schema's tag for a digest: 'sha256:<hex>' -> 'sha256-<hex>' (algorithm cut to 32, hex to 64 chars)."""
    if not isinstance(digest, str) or ":" not in digest:
        raise ValueError("not a digest: %r" % (digest,))
    algorithm, dummy, encoded = digest.partition(":")
    return "%s-%s" % (algorithm[:32], encoded[:64])


def cosign_tags(digest):
    """[(tag, artifact type)] of cosign's sidecar tags for a digest: sha256-<hex>.sig, .att, .sbom."""
    base = tag_schema_tag(digest)
    return [("%s.%s" % (base, suffix), artifact_type) for suffix, artifact_type in COSIGN_TYPES]


def parse_index(document, found, subject, depth):
    """Referrers from an image index (a referrers API answer or a tag-schema index): one per descriptor with a digest.

    Descriptors whose artifactType is missing keep None (the API fills it in from the config's media type; a tag-schema
    index written by a client may not). Duplicates are dropped, first one kept."""
    if not isinstance(document, dict):
        raise ValueError("a referrers index must be a JSON object")
    manifests = document.get("manifests") or []
    if not isinstance(manifests, list):
        raise ValueError("a referrers index's manifests must be a list")
    result, seen = [], set()
    for entry in manifests:
        if not isinstance(entry, dict):
            continue
        digest = entry.get("digest")
        if not isinstance(digest, str) or not DIGEST_RE.match(digest) or digest in seen or digest == subject:
            continue
        seen.add(digest)
        size = entry.get("size")
        annotations = entry.get("annotations")
        result.append(Referrer(digest, entry.get("mediaType"), entry.get("artifactType") or None,
                               size if isinstance(size, int) else None, dict(annotations) if isinstance(annotations, dict) else {},
                               found, None, subject, depth))
    return result


def type_allowed(referrer, types):
    """True when no allow-list is given, or the referrer's artifact type is on it."""
    return not types or referrer.artifact_type in types


def filter_types(referrers, types):
    return [r for r in referrers if type_allowed(r, types)]


def merge(referrers):
    """One entry per digest, first discovery kept; a cosign tag seen for a digest found otherwise gives it that tag."""
    by_digest = {}
    order = []
    for referrer in referrers:
        known = by_digest.get(referrer.digest)
        if known is None:
            by_digest[referrer.digest] = referrer
            order.append(referrer.digest)
        elif known.tag is None and referrer.tag is not None:
            by_digest[referrer.digest] = known._replace(tag=referrer.tag)
    return [by_digest[d] for d in order]


# ---- discovery -----------------------------------------------------------------------------------------------------
class ReferrerDiscovery:
    """Discovers referrers through a RegistryClient. One instance per run: it remembers hosts without a referrers API.

    client: a RegistryClient (only ``request`` and ``scope`` are used). credentials: (username, password) for the host,
    or None. types: an allow-list of artifact types (None or empty: all). cosign: also look for cosign's tags.
    recurse: also find the referrers of the referrers found (one level)."""

    def __init__(self, client, credentials=None, types=None, cosign=True, recurse=True):
        self.client = client
        self.credentials = credentials
        self.types = tuple(types or ())
        self.cosign = cosign
        self.recurse = recurse
        self.no_api_hosts = set()
        self.requests = {"referrers-api": 0, "tag-schema-head": 0, "tag-schema-get": 0, "cosign-head": 0}

    def discover(self, host, repository, subjects):
        """Referrers of one or more subject digests (an index and its children, say) in one repository, merged by digest:
        depth 1 for each subject, then (recurse) depth 2 for each depth-1 referrer that passes the filter."""
        if isinstance(subjects, str):
            subjects = [subjects]
        first = []
        for subject in subjects:
            first.extend(self.referrers_of(host, repository, subject, 1))
        first = merge(first)
        found = list(first)
        if self.recurse:
            known = set(r.digest for r in first) | set(subjects)
            for referrer in first:
                found.extend(r for r in self.referrers_of(host, repository, referrer.digest, 2) if r.digest not in known)
        return merge(found)

    def referrers_of(self, host, repository, subject, depth=1):
        """Referrers of one digest (no recursion), filtered by type."""
        found = self._from_api(host, repository, subject, depth)
        if found is None:
            found = self._from_tag_schema(host, repository, subject, depth)
        if self.cosign:
            found = found + self._from_cosign_tags(host, repository, subject, depth)
        return filter_types(merge(found), self.types)

    # -- the three ways ---------------------------------------------------------------------------------------------
    def _get(self, method, host, path, repository, accept):
        return self.client.request(method, host, path, self.client.scope(host, repository), self.credentials, headers={"Accept": accept})

    def _from_api(self, host, repository, subject, depth):
        """Referrers from the referrers API, or None when the host has none (then remembered for the run)."""
        if host in self.no_api_hosts:
            return None
        path = "/v2/%s/referrers/%s" % (repository, subject)
        if len(self.types) == 1:
            path += "?artifactType=%s" % quote(self.types[0], safe="")  # filtered by the registry if it can; again here
        found, pages = [], 0
        while path and pages < MAX_API_PAGES:
            pages += 1
            self.requests["referrers-api"] += 1
            response = self._get("GET", host, path, repository, INDEX_ACCEPT)
            if response.status_code in NO_API_STATUSES and pages == 1:
                if not (response.status_code == 404 and oci.error_code(response) in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")):
                    self.no_api_hosts.add(host)
                # NAME_UNKNOWN: an unknown repository on a registry that may well have the API (ACR says so): the tag schema
                # is asked this once (one HEAD), and the API is asked again for the next subject.
                return None
            if response.status_code != 200:
                raise self._failure(response, host, "the referrers of %s@%s" % (repository, subject))
            found.extend(self._parse(response, REFERRERS_API, subject, depth, host, repository))
            path = oci.next_link(response.headers.get("Link"))
        return found

    def _from_tag_schema(self, host, repository, subject, depth):
        tag = tag_schema_tag(subject)
        path = "/v2/%s/manifests/%s" % (repository, tag)
        self.requests["tag-schema-head"] += 1
        head = self._get("HEAD", host, path, repository, oci.MANIFEST_ACCEPT)
        if head.status_code == 404:
            return []
        if head.status_code != 200:
            raise self._failure(head, host, "%s:%s" % (repository, tag))
        self.requests["tag-schema-get"] += 1
        response = self._get("GET", host, path, repository, oci.MANIFEST_ACCEPT)
        if response.status_code == 404:
            return []  # removed between HEAD and GET
        if response.status_code != 200:
            raise self._failure(response, host, "%s:%s" % (repository, tag))
        return self._parse(response, TAG_SCHEMA, subject, depth, host, repository)

    def _from_cosign_tags(self, host, repository, subject, depth):
        found = []
        for tag, artifact_type in cosign_tags(subject):
            self.requests["cosign-head"] += 1
            response = self._get("HEAD", host, "/v2/%s/manifests/%s" % (repository, tag), repository, oci.MANIFEST_ACCEPT)
            if response.status_code == 404:
                continue
            if response.status_code != 200:
                raise self._failure(response, host, "%s:%s" % (repository, tag))
            digest = response.headers.get("Docker-Content-Digest")
            if not digest or not DIGEST_RE.match(digest):
                raise AcrOpsError("%s answered HEAD %s:%s without a Docker-Content-Digest" % (host, repository, tag))
            length = response.headers.get("Content-Length")
            found.append(Referrer(digest, oci.media_type(response), artifact_type, int(length) if length and length.isdigit() else None,
                                  {}, COSIGN_TAG, tag, subject, depth))
        return found

    # -- answers ------------------------------------------------------------------------------------------------------
    def _parse(self, response, found, subject, depth, host, repository):
        try:
            return parse_index(response.json(), found, subject, depth)
        except ValueError as exc:
            raise AcrOpsError("%s answered the referrers of %s@%s with something that is not an image index: %s"
                              % (host, repository, subject, exc)) from None

    @staticmethod
    def _failure(response, host, what):
        status = response.status_code
        codes = {401: "UNAUTHORIZED", 403: "DENIED", 429: "TOOMANYREQUESTS"}
        return AcrOpsError("%s answered HTTP %s for %s: %s" % (host, status, what, oci.error_text(response)), code=codes.get(status),
                           transient=status == 429 or status >= 500)
