# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Container image references, parsed and normalised as Docker and the CNCF distribution project do it (pure).

No well-kept Python library implements distribution's reference grammar, so this is a stdlib port of
github.com/distribution/reference (regexp.go, reference.go, normalize.go): ParseNormalizedNamed + TagNameOnly.

Deliberate differences from distribution, each for a reason:

- Every Docker Hub alias (DOCKER_HUB_ALIASES, matched case-insensitively) becomes ``docker.io``; distribution only
  maps ``index.docker.io``. One canonical name keeps credentials, target names and duplicate checks consistent.
- Other registry hosts are kept as written, case included (hosts are case-insensitive, but distribution keeps them
  and so do we: ``Foo/bar`` is host ``Foo``, path ``bar``, exactly as ``docker pull`` reads it).
- A first component that must be a host (it has a ``.`` or ``:``) but is no valid host, e.g. ``foo_bar.com/app``,
  is rejected; distribution would return a name without any domain, which has no registry to talk to.
- sha256, sha384 and sha512 digests are supported (what docker registers); other algorithms are "unsupported".
- Input longer than MAX_REFERENCE_LENGTH characters, or with characters the grammar never allows (whitespace,
  control characters, non-ASCII look-alikes, shell metacharacters), is rejected before any regex runs.
- The 255-character limit applies to the repository path without the domain, as in distribution since 2024
  ("Exclude domain from name length check").
- parse_target() and parse_repository_path() (paths inside a registry, no distribution counterpart) refuse only
  evident hosts (host:port, localhost, ACR login servers): a dotted first component such as ``ghcr.io/org/app`` is
  a valid path, and the acr_mirror role names air-gap targets that way.

Every error is an InvalidReferenceError (a ValueError), also for input that is not a str. Messages start with
distribution's wording ("invalid reference format", "repository name must be lowercase", ...), quote the
input (ascii(), so look-alike characters show as escapes, truncated) and say what to write instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Optional, Tuple

DOCKER_HUB = "docker.io"
DOCKER_HUB_API_HOST = "registry-1.docker.io"
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})
OFFICIAL_REPOSITORY_PREFIX = "library/"
DEFAULT_TAG = "latest"
REPOSITORY_NAME_MAX_LENGTH = 255
TAG_MAX_LENGTH = 128
# Longest sensible reference: 253-character host + port, 255-character path, 128-character tag, sha512 digest
# (about 780). Checked before any regex so that huge input costs nothing.
MAX_REFERENCE_LENGTH = 1024
# go-digest's registered algorithms in docker, with their hex lengths.
DIGEST_ALGORITHMS = {"sha256": 64, "sha384": 96, "sha512": 128}
# ACR login servers (public and sovereign clouds): a target or repository path never starts with one.
ACR_LOGIN_SERVER_SUFFIXES = (".azurecr.io", ".azurecr.cn", ".azurecr.us")

_EXAMPLES = "e.g. 'nginx:1.25', 'grafana/grafana:10.2.0' or 'ghcr.io/org/app@sha256:<64 hex digits>'"

# The grammar of regexp.go, rewritten so that no two branches can match the same text (Python's re backtracks,
# RE2 does not): a domain component is "alnum, then dashes between alnums" instead of "[a-zA-Z0-9-]*[a-zA-Z0-9]".
# Go's \w is ASCII-only, hence explicit classes. Always used with fullmatch on input already capped in length.
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*"
_DOMAIN_NAME_COMPONENT = r"[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*"
_HOST = r"(?:" + _DOMAIN_NAME_COMPONENT + r"(?:\." + _DOMAIN_NAME_COMPONENT + r")*|\[[a-fA-F0-9:]+\])"
_DOMAIN = _HOST + r"(?::[0-9]+)?"

_PATH_RE = re.compile(_PATH)
_PATH_COMPONENT_RE = re.compile(_PATH_COMPONENT)
_DOMAIN_RE = re.compile(_DOMAIN)
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,%d}" % (TAG_MAX_LENGTH - 1))
_DIGEST_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}")
# Every character any part of the grammar allows; anything else is refused up front with a precise message.
_FORBIDDEN_RE = re.compile(r"[^A-Za-z0-9._:/@\[\]+-]")


class InvalidReferenceError(ValueError):
    """An image reference, tag, digest or repository path that Docker would refuse (message fit for users)."""


def _show(text):
    """The input quoted for a message: ascii() reveals look-alike characters; long input is cut."""
    if len(text) > 80:
        return "%s... (%d characters)" % (ascii(text[:72]), len(text))
    return ascii(text)


def _fail(kind, text, detail):
    return InvalidReferenceError("%s: %s %s" % (kind, _show(text), detail))


def _describe_char(char):
    code = ord(char)
    if char.isspace():
        return "whitespace (%s)" % ascii(char)
    if code < 32 or code == 127:
        return "the control character %s" % ascii(char)
    if code > 127:
        name = unicodedata.name(char, "")
        return "the non-ASCII character U+%04X%s (references are plain ASCII: retype it)" % (code, " " + name if name else "")
    return "the character %r" % char


_EXAMPLE_OF = {"image reference": "'nginx:1.25' or 'ghcr.io/org/app:v2'", "target (repo:tag)": "'mirror/nginx:1.25'",
               "registry host": "'registry.example.com'", "tag": "'1.25'", "digest": "'sha256:<64 hex digits>'"}


def _article(word):
    return "an" if word[:1] in "aeiou" else "a"


def _check_text(text, what):
    """Type, emptiness, length and character set, cheapest first: a 10 MB string stops at len()."""
    if not isinstance(text, str):
        raise InvalidReferenceError("invalid reference format: %s must be a string, got %s" % (what, type(text).__name__))
    example = _EXAMPLES if what == "image reference" else "e.g. %s" % _EXAMPLE_OF.get(what, "'mirror/nginx'")
    if not text:
        raise InvalidReferenceError("empty reference: the %s is empty; write one, %s" % (what, example))
    if len(text) > MAX_REFERENCE_LENGTH:
        raise _fail("reference too long", text, "is longer than %d characters: no %s is that long" % (MAX_REFERENCE_LENGTH, what))
    if not text.strip():
        raise _fail("empty reference", text, "is blank: write %s %s, %s" % (_article(what), what, example))
    bad = _FORBIDDEN_RE.search(text)
    if bad:
        raise _fail("invalid reference format", text, "contains %s at position %d, which is not allowed in %s %s: remove or replace it" % (
            _describe_char(bad.group()), bad.start(), _article(what), what))
    if "://" in text:
        scheme, _sep, rest = text.partition("://")
        raise _fail("invalid reference format", text, "is a URL: drop the '%s://' scheme and write host/path:tag, e.g. %s" % (scheme, _show(rest)))


def _split_parts(text):
    """name[:tag][@digest] by its separators: a tag is after the last '/', a digest after the (only) '@'."""
    name_tag, at_sign, digest = text.partition("@")
    if not at_sign:
        digest = None
    elif "@" in digest:
        raise _fail("invalid reference format", text, "has more than one '@': write one digest, name[:tag]@sha256:<hex>")
    colon = name_tag.rfind(":")
    if colon > name_tag.rfind("/"):
        return name_tag[:colon], name_tag[colon + 1:], digest
    return name_tag, None, digest


def _looks_like_domain(component):
    """normalize.go's splitDockerDomain: what makes the first of several components a registry host."""
    return component == "localhost" or "." in component or ":" in component or component.lower() != component


def _split_docker_domain(name):
    """(domain, path, path as written) the way docker reads a name, Docker Hub's library/ included."""
    first, slash, rest = name.partition("/")
    if not slash:
        # Familiar one-component names ("ubuntu") are Docker Hub official images, even "localhost" (as in docker).
        return DOCKER_HUB, OFFICIAL_REPOSITORY_PREFIX + name, name
    if first.lower() in DOCKER_HUB_ALIASES:
        domain = DOCKER_HUB
    elif _looks_like_domain(first):
        domain = first
    else:
        return DOCKER_HUB, name, name
    if domain == DOCKER_HUB and "/" not in rest:
        return domain, OFFICIAL_REPOSITORY_PREFIX + rest, rest
    return domain, rest, rest


def _path_problem(path):
    """Why a repository path breaks the grammar (it is known not to match)."""
    for component in path.split("/"):
        if not component:
            return "has an empty path component (a leading, trailing or doubled '/')"
        if _PATH_COMPONENT_RE.fullmatch(component):
            continue
        if component[0] in "._-" or component[-1] in "._-":
            return "has the path component %r, which must start and end with a lowercase letter or digit" % component
        if re.search(r"[^a-z0-9._-]", component):
            return "has the path component %r, which may hold only lowercase letters, digits, '.', '_' and '-'" % component
        return ("has the path component %r, whose separators are not allowed: between letters and digits use one '.', "
                "one or two '_', or dashes ('..' is never allowed)" % component)
    return "is not a valid repository path"


def _tag_problem(tag):
    if not tag:
        return "has an empty tag after ':' (invalid tag): write name:TAG or drop the ':'"
    if len(tag) > TAG_MAX_LENGTH:
        return "has an invalid tag: tags have at most %d characters, this one has %d" % (TAG_MAX_LENGTH, len(tag))
    if tag[0] in ".-":
        return "has an invalid tag %r: a tag cannot start with '.' or '-'" % tag
    return "has an invalid tag %r: tags hold only letters, digits, '_', '.' and '-'" % tag


def _digest_problem(digest):
    """(kind, detail) of what is wrong with a digest, following go-digest's Parse; None when it is valid."""
    if not _DIGEST_RE.fullmatch(digest):
        return ("invalid reference format", "has an invalid digest %s: write algorithm:hex, e.g. 'sha256:' and 64 lowercase hex digits"
                % ascii(digest[:80]))
    algorithm, _colon, encoded = digest.partition(":")
    size = DIGEST_ALGORITHMS.get(algorithm)
    if size is None:
        lower = " (write it in lowercase: %s)" % algorithm.lower() if algorithm.lower() in DIGEST_ALGORITHMS else ""
        return ("unsupported digest algorithm", "uses the digest algorithm %r%s; supported: %s"
                % (algorithm, lower, ", ".join(sorted(DIGEST_ALGORITHMS))))
    if len(encoded) != size:
        return ("invalid digest", "has a %s digest of %d hex digits; %s needs exactly %d (invalid checksum digest length)"
                % (algorithm, len(encoded), algorithm, size))
    if encoded.lower() != encoded:
        return ("invalid digest", "has a %s digest with uppercase hex digits: write them in lowercase (invalid checksum digest format)"
                % algorithm)
    return None


def _check_domain(domain, text):
    if not _DOMAIN_RE.fullmatch(domain):
        raise _fail("invalid reference format", text, "starts with %r, which reads as a registry host but is no valid host[:port] "
                    "(letters, digits, inner '-' and '.', or [IPv6], then an optional numeric port)" % domain)


def _check_path(path, text, written=None):
    """distribution's checks of a repository path, in Parse's order: lowercase, grammar, length."""
    written = path if written is None else written
    if path.lower() != path:
        raise _fail("repository name must be lowercase", text, "has %r: write %r instead" % (written, written.lower()))
    if not _PATH_RE.fullmatch(path):
        raise _fail("invalid reference format", text, _path_problem(written))
    if len(path) > REPOSITORY_NAME_MAX_LENGTH:
        raise _fail("repository name too long", text, "has a repository path of %d characters: it must not be more than %d characters"
                    % (len(path), REPOSITORY_NAME_MAX_LENGTH))


def _check_tag(tag, text):
    if not _TAG_RE.fullmatch(tag):
        raise _fail("invalid reference format", text, _tag_problem(tag))


def _check_digest(digest, text):
    problem = _digest_problem(digest)
    if problem:
        raise _fail(problem[0], text, problem[1])


@dataclass(frozen=True)
class ImageReference:
    """A validated, normalised image reference. Build one with parse(); the constructor validates and normalises too.

    registry: the host[:port] as written (case kept, like distribution), except that every Docker Hub alias is "docker.io".
    repository: the path inside the registry; on Docker Hub one-component names get "library/".
    tag, digest: either, both or (with parse(..., default_tag=None)) neither; str(ref) shows both.
    """

    registry: str
    repository: str
    tag: Optional[str] = None
    digest: Optional[str] = None

    def __post_init__(self):
        for field, value, optional in (("registry", self.registry, False), ("repository", self.repository, False),
                                       ("tag", self.tag, True), ("digest", self.digest, True)):
            if not (isinstance(value, str) or (optional and value is None)):
                raise InvalidReferenceError("invalid reference format: %s must be a string%s, got %s"
                                            % (field, " or None" if optional else "", type(value).__name__))
        _check_text(self.registry, "registry host")
        registry = DOCKER_HUB if self.registry.lower() in DOCKER_HUB_ALIASES else self.registry
        if not _DOMAIN_RE.fullmatch(registry):
            raise _fail("invalid reference format", registry, "is not a valid registry host[:port]")
        if not _looks_like_domain(registry):
            # str() of such a reference would parse back as a Docker Hub namespace.
            raise _fail("invalid reference format", registry, "would read as a Docker Hub namespace, not a registry host: give a host "
                        "with a '.' or a port (e.g. 'registry.example.com', 'myhost:5000') or 'localhost'")
        _check_text(self.repository, "repository path")
        repository = self.repository
        if registry == DOCKER_HUB and "/" not in repository:
            repository = OFFICIAL_REPOSITORY_PREFIX + repository
        _check_path(repository, self.repository, self.repository)
        if self.tag is not None:
            if self.tag:  # an empty tag is reported as an invalid tag below
                _check_text(self.tag, "tag")
            _check_tag(self.tag, self.tag)
        if self.digest is not None:
            if self.digest:
                _check_text(self.digest, "digest")
            _check_digest(self.digest, self.digest)
        # Frozen: normalised values can only be stored this way.
        object.__setattr__(self, "registry", registry)
        object.__setattr__(self, "repository", repository)

    def __str__(self):
        return self.name + (":" + self.tag if self.tag is not None else "") + ("@" + self.digest if self.digest is not None else "")

    @property
    def name(self):
        """registry/repository, e.g. docker.io/library/nginx."""
        return "%s/%s" % (self.registry, self.repository)

    @property
    def api_host(self):
        """The host whose /v2/ API serves this repository (Docker Hub's is not docker.io)."""
        return DOCKER_HUB_API_HOST if self.registry == DOCKER_HUB else self.registry

    @property
    def reference(self):
        """What to ask the registry's manifests endpoint for: the digest if any (it pins), else the tag, else "latest"."""
        if self.digest is not None:
            return self.digest
        return self.tag if self.tag is not None else DEFAULT_TAG

    @property
    def familiar_repository(self):
        """The repository as docker shows it: Docker Hub's "library/nginx" is "nginx" (nested library/ paths stay)."""
        if self.registry == DOCKER_HUB and self.repository.startswith(OFFICIAL_REPOSITORY_PREFIX):
            rest = self.repository[len(OFFICIAL_REPOSITORY_PREFIX):]
            if "/" not in rest:
                return rest
        return self.repository

    def with_tag(self, tag):
        """The same reference with this tag (None removes it); a digest is kept."""
        return replace(self, tag=tag)

    def with_digest(self, digest):
        """The same reference with this digest (None removes it); a tag is kept."""
        return replace(self, digest=digest)


def parse(text: str, default_tag: Optional[str] = DEFAULT_TAG) -> ImageReference:
    """Parse and normalise like docker (ParseNormalizedNamed, then TagNameOnly with default_tag).

    'nginx' -> docker.io/library/nginx:latest; 'grafana/grafana:10.2.0' -> docker.io/grafana/grafana:10.2.0;
    'ghcr.io/org/app@sha256:<hex>' gets no tag; 'repo:tag@digest' keeps both. default_tag=None adds no tag.
    Raises InvalidReferenceError (a ValueError) for anything docker would refuse.
    """
    _check_text(text, "image reference")
    if default_tag is not None and (not isinstance(default_tag, str) or not _TAG_RE.fullmatch(default_tag)):
        raise InvalidReferenceError("invalid tag: default_tag %s is not a valid tag" % _show(str(default_tag)))
    if _IDENTIFIER_RE.fullmatch(text):
        raise _fail("invalid reference format", text, "is a 64-digit hex image ID: cannot specify 64-byte hexadecimal strings as a "
                    "repository name; write the image by name, or name@sha256:<hex> for a digest")
    name, tag, digest = _split_parts(text)
    if not name:
        raise _fail("invalid reference format", text, "has no repository name before the %s: write name%s, %s"
                    % ("':'" if tag is not None else "'@'", ":tag" if tag is not None else "@digest", _EXAMPLES))
    domain, path, written = _split_docker_domain(name)
    # ParseNormalizedNamed checks the remote name's case before anything else.
    if written.lower() != written:
        raise _fail("repository name must be lowercase", text, "has %r: write %r instead" % (written, written.lower()))
    try:
        if domain != DOCKER_HUB:
            _check_domain(domain, text)
        if not _PATH_RE.fullmatch(path):
            raise _fail("invalid reference format", text, _path_problem(written))
        if tag is not None:
            _check_tag(tag, text)
        if digest is not None and not _DIGEST_RE.fullmatch(digest):
            _check_digest(digest, text)
    except InvalidReferenceError:
        # As distribution's Parse: input that would be valid in lowercase is a case error, not a format error
        # (e.g. 'FOO_BAR/app'). Only said when the lowercase form really parses, so the advice works.
        if text.lower() != text and _parses(text.lower()):
            raise _fail("repository name must be lowercase", text, "has uppercase letters where only lowercase is allowed: "
                        "write %s instead" % _show(text.lower())) from None
        raise
    _check_path(path, text, written)
    if digest is not None:
        _check_digest(digest, text)
    if tag is None and digest is None:
        tag = default_tag
    return ImageReference(domain, path, tag, digest)


def _parses(text):
    try:
        parse(text, default_tag=None)
    except InvalidReferenceError:
        return False
    return True


def parse_canonical(text: str) -> ImageReference:
    """Parse a reference that must already be canonical (distribution's ParseNamed), e.g. docker.io/library/nginx:1.25."""
    ref = parse(text, default_tag=None)
    if str(ref) != text:
        raise _fail("repository name must be canonical", text, "is not in canonical form: write %r" % str(ref))
    return ref


def _check_no_host(path, text, what):
    """A repository path inside a registry cannot start with a registry host[:port] (ACR login server, localhost)."""
    first, slash, _rest = path.partition("/")
    lowered = first.lower()
    if slash and (":" in first or lowered == "localhost" or lowered.endswith(ACR_LOGIN_SERVER_SUFFIXES)):
        raise _fail("invalid reference format", text, "starts with the registry host %r: a %s is a path inside the registry, "
                    "write %r" % (first, what, text[len(first) + 1:]))


def parse_repository_path(text: str) -> str:
    """Validate a bare repository path inside a registry (no host, tag or digest), e.g. 'mirror/nginx'; returns it.

    Dotted first components ('ghcr.io/org/app') are allowed: they are valid paths, and mirrors name targets that way.
    Hosts with a port, 'localhost' and ACR login servers are refused.
    """
    what = "repository path"
    _check_text(text, what)
    if "@" in text:
        raise _fail("invalid reference format", text, "has a digest: a %s has none, write %r" % (what, text.partition("@")[0]))
    _check_no_host(text, text, what)
    if ":" in text:
        bare = text.partition(":")[0].lower()
        raise _fail("invalid reference format", text, "has a tag: a %s has none, write %s" % (what, _show(bare) if bare else "only the path"))
    if _IDENTIFIER_RE.fullmatch(text):
        raise _fail("invalid reference format", text, "is a 64-digit hex image ID: cannot specify 64-byte hexadecimal strings as a "
                    "repository name")
    _check_path(text, text)
    return text


def parse_target(text: str, default_tag: Optional[str]) -> Tuple[str, Optional[str]]:
    """A target 'repo[:tag]' inside a registry (e.g. an ACR): (repository, tag, or default_tag when none is written).

    Digests and registry hosts are refused: a target names a tag to write. default_tag may be None.
    """
    what = "target (repo:tag)"
    _check_text(text, what)
    if "@" in text:
        raise _fail("invalid reference format", text, "has a digest: a target is a repo:tag to write, not a digest; write %r"
                    % text.partition("@")[0])
    _check_no_host(text, text, "target")
    repository, tag = text, None
    colon = text.rfind(":")
    if colon > text.rfind("/"):
        repository, tag = text[:colon], text[colon + 1:]
    if not repository:
        raise _fail("invalid reference format", text, "has no repository before ':': write repo:tag, e.g. 'mirror/nginx:1.25'")
    if ":" in repository:
        raise _fail("invalid reference format", text, "has more than one ':': write repo:tag")
    if _IDENTIFIER_RE.fullmatch(repository):
        raise _fail("invalid reference format", text, "names a 64-digit hex image ID: cannot specify 64-byte hexadecimal strings as a "
                    "repository name")
    _check_path(repository, text)
    if tag is not None:
        _check_tag(tag, text)
        return repository, tag
    if default_tag is not None and (not isinstance(default_tag, str) or not _TAG_RE.fullmatch(default_tag)):
        raise InvalidReferenceError("invalid tag: default tag %s for target %s is not a valid tag" % (_show(str(default_tag)), _show(text)))
    return repository, default_tag


def is_digest(text) -> bool:
    """Whether text is a valid digest of a supported algorithm, e.g. 'sha256:' and 64 lowercase hex digits."""
    return (isinstance(text, str) and len(text) <= MAX_REFERENCE_LENGTH and _DIGEST_RE.fullmatch(text) is not None
            and _digest_problem(text) is None)
