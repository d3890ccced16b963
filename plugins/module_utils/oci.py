# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""OCI distribution wire facts, once (pure): media types and Accept lists, Link paging, registry error bodies, platforms.

Used by the registry client, the referrer discovery and the importer; nothing here talks to the network. Functions that
take a `response` only read what a requests.Response offers (status_code, headers, json(), text, reason).
"""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, show

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_TYPES = frozenset((OCI_INDEX, DOCKER_MANIFEST_LIST))
# Every manifest type we read, indexes first: a registry answers a multi-platform tag with its index.
MANIFEST_ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST))
ERROR_TEXT_LIMIT = 300  # characters of a registry's error body kept in a message
PROXY_HINT = "a proxy or gateway may be answering for the registry: check HTTPS_PROXY/NO_PROXY"
_HTML_START = re.compile(r"\s*<(!doctype\s+html|html)\b", re.I)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_HTML_TAG = re.compile(r"<[^>]*>")

# The manifest chosen for a platform: digest (what to import), index_digest (the index it came from, None for a plain
# manifest), platform (the child's platform as os/arch[/variant], None for a plain manifest).
PlatformChoice = namedtuple("PlatformChoice", "digest index_digest platform")

_NEXT_LINK = re.compile(r"<([^>]+)>\s*;\s*rel=\"?next\"?")
_PLATFORM_PART = re.compile(r"[a-z0-9][a-z0-9._-]*")


# ---- media types ---------------------------------------------------------------------------------------------------
def media_type(response):
    """The media type of a response (Content-Type without parameters), or None when the registry does not say."""
    value = response.headers.get("Content-Type")
    return value.split(";", 1)[0].strip() if value else None


def is_index(media_type_text, body=None):
    """An image index (OCI index or Docker manifest list): by media type, or by shape when the registry named none."""
    if media_type_text in INDEX_TYPES:
        return True
    return media_type_text is None and isinstance(body, dict) and "manifests" in body


def index_children(document):
    """Child manifest digests of an image index (every child: platforms and attestation manifests alike); [] for a manifest."""
    if not isinstance(document, dict):
        return []
    return [m["digest"] for m in document.get("manifests") or [] if isinstance(m, dict) and isinstance(m.get("digest"), str)]


# ---- paging --------------------------------------------------------------------------------------------------------
def next_link(header):
    """The next page's path from a `Link: </acr/v1/...&last=x>; rel="next"` header (absolute URLs cut to their path)."""
    if not header:
        return None
    match = _NEXT_LINK.search(header)
    if not match:
        return None
    target = match.group(1)
    if target.startswith(("https://", "http://")):
        target = "/" + target.split("/", 3)[3]
    return target


def next_page(header, visited):
    """next_link(header), or None when it names a page already read (`visited`, the paths read so far, which it extends): a
    registry or proxy that pages in a circle, A -> B -> A, ends the listing instead of looping until the run's time is up."""
    following = next_link(header)
    if following is None or following in visited:
        return None
    visited.add(following)
    return following


# ---- error bodies --------------------------------------------------------------------------------------------------
def _errors(response):
    """The distribution spec's `errors` list of a response, [] when the body is not one."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return []
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def is_web_page(content_type, text):
    """Whether an answer is a web page (a proxy's or gateway's error page), not a service's: its Content-Type or its start."""
    return "text/html" in (content_type or "").lower() or bool(_HTML_START.match(text or ""))


def is_html(response):
    """is_web_page() of a requests response."""
    return is_web_page((getattr(response, "headers", None) or {}).get("Content-Type"), getattr(response, "text", ""))


def web_page_words(text):
    """A web page's title (or its text) without markup, for a message: what a proxy's sign-in or error page says."""
    title = _HTML_TITLE.search(text or "")
    return (" ".join(_HTML_TAG.sub(" ", title.group(1) if title else text or "").split()) or "(no text)")[:ERROR_TEXT_LIMIT]


def error_text(response):
    """A registry's error in its own words: 'CODE message; ...' from the errors body; for a web page its title (or its text)
    without markup; else the start of the body or reason."""
    errors = _errors(response)
    if errors:
        return "; ".join("%s %s" % (e.get("code", ""), e.get("message", "")) for e in errors)[:ERROR_TEXT_LIMIT]
    text = getattr(response, "text", "") or ""
    if is_html(response):
        return ("a web page, not a registry's answer: %s" % web_page_words(text))[:ERROR_TEXT_LIMIT]
    return (text or getattr(response, "reason", "") or "")[:ERROR_TEXT_LIMIT]


def error_code(response):
    """The first error code of a registry's error body (NAME_UNKNOWN, DENIED...), or None."""
    errors = _errors(response)
    return errors[0].get("code") if errors else None


def json_object(response, host, what, redactor):
    """The JSON object of a 200 answer; anything else (an HTML page from a proxy, a list) is a clear error naming the host
    and showing the start of what came back, scrubbed."""
    try:
        body = response.json()
    except ValueError:
        body = None
        kind = "not JSON"
    else:
        kind = "not a JSON object"
    if isinstance(body, dict):
        return body
    start = show(redactor.scrub((getattr(response, "text", "") or "")[:200]))
    raise AcrOpsError("%s answered %s with something that is %s (HTTP %s, Content-Type %s): %s"
                      % (host, what, kind, response.status_code, response.headers.get("Content-Type") or "none", start),
                      hint=PROXY_HINT)


# ---- platforms -----------------------------------------------------------------------------------------------------
def parse_platform(text):
    """'linux/amd64' or 'linux/arm/v7' -> (os, architecture, variant or None); ValueError when it is not one."""
    parts = text.split("/") if isinstance(text, str) else []
    if len(parts) not in (2, 3) or not all(_PLATFORM_PART.fullmatch(p or "") for p in parts):
        raise ValueError("platform %r is not os/architecture[/variant]: write e.g. 'linux/amd64', 'linux/arm64' or 'linux/arm/v7'" % (text,))
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def platform_text(platform):
    """A descriptor's platform mapping as 'os/arch[/variant]'."""
    text = "%s/%s" % (platform.get("os"), platform.get("architecture"))
    return text + ("/" + platform["variant"] if platform.get("variant") else "")


def is_attestation(child):
    """A buildx attestation manifest (vnd.docker.reference.type attestation-manifest, platform unknown/unknown)."""
    return ((child.get("annotations") or {}).get("vnd.docker.reference.type") == "attestation-manifest"
            or (child.get("platform") or {}).get("os") == "unknown")


def pick_platform(manifests, platform, where):
    """The child of an index for a platform -> (digest, 'os/arch[/variant]'). Attestation manifests (unknown/unknown) never match.
    Without a variant, a single child of that os/architecture matches whatever its variant (linux/arm64 finds linux/arm64/v8)."""
    wanted_os, wanted_arch, wanted_variant = parse_platform(platform)
    manifests = [m for m in manifests if isinstance(m, dict)] if isinstance(manifests, list) else []  # a registry's JSON, not trusted
    candidates = []
    for child in manifests:
        found = child.get("platform") or {}
        if is_attestation(child) or found.get("os") != wanted_os or found.get("architecture") != wanted_arch:
            continue
        if wanted_variant is not None and found.get("variant") != wanted_variant:
            continue
        candidates.append(child)
    if wanted_variant is None and len(candidates) > 1:
        plain = [c for c in candidates if not (c.get("platform") or {}).get("variant")]
        candidates = plain if len(plain) == 1 else candidates
    available = sorted(set(platform_text(c.get("platform") or {}) for c in manifests
                           if (c.get("platform") or {}).get("os") not in (None, "unknown")))
    if not candidates:
        raise AcrOpsError("%s has no %s image (it has %s)" % (where, platform, ", ".join(available) or "no platform"), code="PLATFORM_UNKNOWN",
                          hint="set platform to one of them, or drop platform to import the whole index")
    if len(candidates) > 1:
        raise AcrOpsError("%s has several %s images (%s): name the variant" % (
            where, platform, ", ".join(platform_text(c.get("platform") or {}) for c in candidates)), code="PLATFORM_AMBIGUOUS",
            hint="write the platform with its variant, e.g. linux/arm/v7")
    return candidates[0].get("digest"), platform_text(candidates[0].get("platform") or {})
