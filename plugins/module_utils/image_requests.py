# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate what users wrote into import requests, before any network call (pure)."""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils import platform_filter, prune_plan, reference, tag_backups, tag_policy, target_naming
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.oci import parse_platform

_REQUEST_FIELDS = ("source source_registry source_acr username password tags untagged force label policy repositories platform selected_by "
                   "referrers referrers_types max_tags all_tags lock prune prune_untagged backup platforms untagged_all")


class ImageRequest(namedtuple("ImageRequest", _REQUEST_FIELDS)):
    """One image to import, from validation (source_acr still None) to the importer (AcrImport.resolve() sets it).

    source: reference.ImageReference (with source_registry, its registry is a placeholder until the source ACR is resolved,
    then that ACR's login server); source_registry: the source ACR as the user named it (name, login server or resource ID),
    or None; source_acr: arm.Registry once resolved, else None; username/password: registry credentials of the source, or None;
    tags: ((repository, tag), ...) to write; untagged: (repository, ...) to copy the manifest into without a tag; force:
    overwrite tags that hold another digest; label: names the entry in messages; policy: a tag_policy.TagPolicy (source then
    has no tag, tags is empty and repositories are the target repositories until policy_expansion turns it into one request
    per selected tag); platform: 'os/arch[/variant]' to import one child of an index; selected_by: the label of the policy
    entry that selected this tag; referrers: also copy the image's referrers; referrers_types: their artifact type
    allow-list (empty: all); max_tags: the entry's own cap on its policy's tags (None: the module's max_tags, unless
    all_tags: the entry asked for tags: all, the explicit way past the module's max_tags); lock: lock the target tags (writeEnabled and deleteEnabled
    false) once they hold the image; prune: with a policy, False, True or 'repository'; prune_untagged: with a policy, delete its
    repositories' untagged leftovers (pruner.py); backup: a tag template to keep a tag's digest under before a force overwrite
    (tag_backups.py), or None; platforms: ('os/arch[/variant]', ...) to keep of a multi-platform index (platform_filter.py), or ();
    untagged_all: with a policy on an ACR source, also copy every untagged manifest of its repository
    (untagged_manifests.py)."""

    __slots__ = ()

    @property
    def source_host(self):
        """The host the source is read from: the resolved source ACR's login server, else the reference's API host."""
        return self.source_acr.login_server if self.source_acr is not None else self.source.api_host

    @property
    def credentials(self):
        """(username, password) for the source registry, or None (anonymous, or Entra for an ACR source)."""
        return (self.username, self.password) if self.password else None

    @property
    def origin(self):
        """What two entries feeding one target tag must share to be the same image: the source (host case aside) and platform."""
        return target_naming.source_identity(self.source), self.platform or self.platforms or None

    @property
    def reads_index(self):
        """Whether the source's index must be read to know what to import (platform or platforms)."""
        return bool(self.platform or self.platforms)

    @property
    def read_key(self):
        """What identifies a read of this source: the same manifest, read with the same credentials."""
        return self.source_host, self.source.repository, self.source.reference, self.username, self.password

    def resolved(self, source_acr, source):
        """This request once Resource Manager has named its source ACR (and the reference carries its login server)."""
        return self._replace(source_acr=source_acr, source=source)

    def import_body(self, source_digest, tags, untagged, mode):
        """The importImage body: the source by digest when known (what lands is what was planned), by resource ID for a
        resolved source ACR (Entra auth, like az acr import), else by registry URI with the credentials given."""
        ref = self.source
        image = "%s@%s" % (ref.repository, source_digest) if source_digest else "%s%s" % (
            ref.repository, "@" + ref.digest if ref.digest else ":" + ref.tag)
        source = {"sourceImage": image}
        if self.source_acr is not None:
            source["resourceId"] = self.source_acr.id
        else:
            source["registryUri"] = ref.registry  # a real name, Docker Hub as docker.io
            if self.password:
                source["credentials"] = {"password": self.password}
                if self.username:
                    source["credentials"]["username"] = self.username
        body = {"source": source, "mode": mode}
        if tags:
            body["targetTags"] = list(tags)
        if untagged:
            body["untaggedTargetRepositories"] = list(untagged)
        return body


ImageRequest.__new__.__defaults__ = (None, None, None, None, (), (), False, None, None, (), None, None, False, (), None, False, False, False, False, None,
                                     (), False)


# An artifact type is a media type (RFC 6838: type/subtype, restricted name characters, at most 127 each).
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\Z")  # \Z: "$" would pass a trailing newline

# Stands in for the source ACR's login server until ARM has told us the real one: the grammar needs a domain.
_SOURCE_ACR_PLACEHOLDER = "source-registry.invalid"


def _looks_like_domain(component):
    return "." in component or ":" in component or component == "localhost"


def parse_source(text, source_registry, default_tag=reference.DEFAULT_TAG):
    """The source reference; with source_registry it is an image path inside that registry."""
    if not isinstance(text, str) or not text.strip():
        raise AcrOpsError("source is empty: write an image reference such as docker.io/library/nginx:1.25")
    if source_registry:
        first = text.split("/", 1)[0]
        if "/" in text and _looks_like_domain(first):
            raise AcrOpsError("source %r names a registry host (%s) and source_registry is set too: with source_registry write only the "
                              "image path, e.g. %r" % (text, first, text.split("/", 1)[1]))
        try:
            return reference.parse("%s/%s" % (_SOURCE_ACR_PLACEHOLDER, text), default_tag)
        except ValueError as exc:
            raise AcrOpsError("invalid source %r: %s" % (text, str(exc).replace(_SOURCE_ACR_PLACEHOLDER + "/", ""))) from None
    try:
        return reference.parse(text, default_tag)
    except ValueError as exc:
        raise AcrOpsError("invalid source: %s" % exc) from None


def default_repository(ref):
    """The source's target repository by the naming rule (target_naming); an image path inside source_registry keeps its path."""
    try:
        if ref.registry == _SOURCE_ACR_PLACEHOLDER:
            return target_naming.source_registry_repository(ref.repository)
        return target_naming.default_repository(ref)
    except target_naming.TargetNamingError as exc:
        raise AcrOpsError(str(exc)) from None


def default_target(ref):
    """The default target tag: the source's repository named by the naming rule, with the source tag."""
    if not ref.tag:
        raise AcrOpsError("source %s is given by digest only: set targets (repo:tag) or untagged_repositories, "
                          "so that no tag is written by accident" % ref)
    return default_repository(ref), ref.tag


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


def parse_platform_option(text, label):
    if text is None:
        return None
    try:
        parse_platform(text)
    except ValueError as exc:
        raise AcrOpsError("%s: %s" % (label, exc)) from None
    return text


def parse_referrers_types(types, label):
    """The artifact type allow-list: media types (application/vnd.cncf.notary.signature...), duplicates dropped; () for all."""
    if types is None:
        return ()
    if isinstance(types, str) or not isinstance(types, (list, tuple)):
        raise AcrOpsError("%s: referrers_types must be a list of artifact types, e.g. [application/vnd.cncf.notary.signature]" % label)
    parsed = []
    for text in types:
        if not isinstance(text, str) or not _MEDIA_TYPE.match(text):
            raise AcrOpsError("%s: referrers_types entry %r is not an artifact type: write a media type such as "
                              "'application/vnd.cncf.notary.signature' or 'application/spdx+json'" % (label, text))
        if text not in parsed:
            parsed.append(text)
    if not parsed:
        raise AcrOpsError("%s: referrers_types is an empty list: omit it to copy referrers of every type, or list artifact types" % label)
    return tuple(parsed)


def parse_referrers(spec, defaults, label):
    """(referrers, referrers_types) of one image: an entry's values, else the module-level ones."""
    enabled = spec.get("referrers")
    enabled = bool(defaults.get("referrers")) if enabled is None else bool(enabled)
    own_types = spec.get("referrers_types")
    types = parse_referrers_types(own_types if own_types is not None else defaults.get("referrers_types"), label)
    if own_types is not None and not enabled:
        raise AcrOpsError("%s: referrers_types is set but referrers is not: set referrers: true to copy the image's referrers" % label)
    return enabled, types


def parse_policy_targets(targets, ref, label):
    """With a tag policy, targets are repositories (each selected tag is imported into each); default: the source's."""
    if targets is None:
        return (default_repository(ref),)
    if not targets:
        raise AcrOpsError("%s: targets is an empty list: omit it to use the default repository, or list repositories" % label)
    repositories = []
    for text in targets:
        try:
            repository, tag = reference.parse_target(text, None)
        except ValueError as exc:
            raise AcrOpsError("%s: invalid target %r: %s" % (label, text, exc)) from None
        if tag is not None:
            raise AcrOpsError("%s: target %r has a tag, but the tag policy chooses the tags: write the repository alone, e.g. %r"
                              % (label, text, repository))
        if repository in repositories:
            raise AcrOpsError("%s: target repository %s is listed twice" % (label, repository))
        repositories.append(repository)
    return tuple(repositories)


def validate_policy_image(spec, label, policy_spec):
    """The parts of an entry with a tag policy: (source reference without tag, TagPolicy, target repositories)."""
    try:
        policy = tag_policy.parse_policy(policy_spec)
    except tag_policy.PolicyError as exc:
        raise AcrOpsError("%s: tag_policy: %s" % (label, exc)) from None
    ref = parse_source(spec.get("source"), spec.get("source_registry"), default_tag=None)
    if ref.tag is not None or ref.digest is not None:
        text = spec["source"].split("@", 1)[0]
        head, dummy, last = text.rpartition("/")
        bare = (head + "/" if head else "") + last.split(":", 1)[0]
        raise AcrOpsError("%s: source %r names a %s, but the tag policy chooses the tags: write the repository alone, e.g. %r"
                          % (label, spec["source"], "tag" if ref.tag else "digest", bare))
    if spec.get("untagged_repositories"):
        raise AcrOpsError("%s: untagged_repositories and tag_policy do not go together: a policy imports tags; drop one of them" % label)
    return ref, policy, parse_policy_targets(spec.get("targets"), ref, label)


def credentials_host(host):
    """A registry host as a credentials map keys it (source_credentials, the role's acr_mirror_credentials): lowercase, and
    every Docker Hub alias (docker.io, index.docker.io, registry-1.docker.io, registry.hub.docker.com) is docker.io."""
    lowered = host.strip().lower()
    return reference.DOCKER_HUB if lowered in reference.DOCKER_HUB_ALIASES else lowered


# A registry host as users key credentials: a DNS name or IPv4 address, optionally with a port (no scheme, path or spaces).
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")


def looks_like_host(key):
    """Whether a credentials map key names a registry host (docker.io, localhost:5000), not a name or a URL."""
    return isinstance(key, str) and bool(_HOST.fullmatch(key)) and _looks_like_domain(key)


def parse_source_credentials(mapping, option="source_credentials"):
    """{host: {username, password}} -> {credentials_host(host): (username or None, password)}. Raises AcrOpsError (never
    quoting a password)."""
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise AcrOpsError("%s must be a mapping of registry hosts to {username, password}, e.g. {docker.io: {username: ..., "
                          "password: ...}}" % option)
    parsed = {}
    for host, login in mapping.items():
        if not looks_like_host(host):
            raise AcrOpsError("%s: key %r is not a registry host: write the host alone, e.g. docker.io, ghcr.io or "
                              "myregistry.example.com:5000 (no scheme, no path)" % (option, host))
        if not isinstance(login, dict) or not login.get("password") or set(login) - {"username", "password"}:
            raise AcrOpsError("%s.%s must be {username, password} with a password (a token alone goes in password)" % (option, host))
        key = credentials_host(host)
        if key in parsed:
            raise AcrOpsError("%s names %s twice (Docker Hub's aliases and a host's case are one host): remove one of them" % (option, key))
        parsed[key] = (login.get("username") or None, login["password"])
    return parsed


def validate_image(spec, defaults, label):
    """One image mapping (module options or a batch entry) -> ImageRequest. Raises AcrOpsError.

    Credentials: the entry's own source_username/source_password, else those of defaults["source_credentials"] (parsed by
    parse_source_credentials) for the source's registry host, else none. Never another host's: they would reach that host's
    token service and the importImage body."""
    def get(key):
        value = spec.get(key)
        return defaults.get(key) if value is None else value

    source_registry = get("source_registry")
    username, password = spec.get("source_username"), spec.get("source_password")
    if username and not password:
        raise AcrOpsError("%s: source_username without source_password: give the password (or a token as source_password alone)" % label)
    if source_registry and password:
        raise AcrOpsError("%s: source_registry imports with Azure credentials; drop source_username/source_password, or name the "
                          "registry in source (login server) to use registry credentials instead" % label)
    # An entry's own platform or platforms outranks both module-level defaults (the role passes its own defaults as those).
    if spec.get("platform") is not None or spec.get("platforms") is not None:
        platform_value, platforms_value = spec.get("platform"), spec.get("platforms")
    else:
        platform_value, platforms_value = defaults.get("platform"), defaults.get("platforms")
    platform = parse_platform_option(platform_value, label)
    platforms = platform_filter.parse_platforms(platforms_value, label)
    if platform and platforms:
        raise AcrOpsError("%s: platform and platforms do not go together: platform imports one child manifest, platforms keeps several "
                          "in an index; use one of them" % label)
    if platforms and spec.get("untagged_repositories"):
        raise AcrOpsError("%s: platforms and untagged_repositories do not go together: a filtered index is pushed under tags only" % label)
    follow, types = parse_referrers(spec, defaults, label)
    by_host = defaults.get("source_credentials") or {}
    spec = tags_as_policy(spec, label)
    if spec.get("tag_policy") is None and (spec.get("prune") not in (None, False) or spec.get("prune_untagged")):
        raise AcrOpsError("%s: prune and prune_untagged need a tag policy (tag_policy): an entry of listed tags owns no tags beyond those it lists, so "
                          "it cannot prune; delete tags by name with acrops.registry.acr_tag" % label)
    if spec.get("tag_policy") is not None:
        prune = prune_plan.parse_prune(get("prune"), label)
        ref, policy, repositories = validate_policy_image(dict(spec, source_registry=source_registry), label, spec["tag_policy"])
        if not password and not source_registry:
            username, password = by_host.get(credentials_host(ref.registry), (None, None))
        untagged_all = parse_untagged_all(spec.get("untagged"), ref, source_registry, password, label)
        return ImageRequest(ref, source_registry, username=username, password=password, force=bool(get("force")),
                            label=spec.get("label") or label, policy=policy, repositories=repositories, platform=platform, referrers=follow,
                            referrers_types=types, max_tags=spec.get("max_tags"), all_tags=bool(spec.get("all_tags")),
                            lock=bool(get("lock")), prune=prune, prune_untagged=bool(get("prune_untagged")),
                            backup=tag_backups.check_template(get("backup"), label), platforms=platforms, untagged_all=untagged_all)
    if spec.get("untagged") is not None:
        raise AcrOpsError("%s: untagged: all copies the untagged manifests of whole repositories: it goes with repositories, tags (all or a "
                          "list) or a tag_policy on an ACR source, not with one image (for one untagged manifest use untagged_repositories "
                          "and a source by digest)" % label)
    ref = parse_source(spec.get("source"), source_registry)
    if not password and not source_registry:
        username, password = by_host.get(credentials_host(ref.registry), (None, None))
    untagged = parse_untagged(spec.get("untagged_repositories"))
    if spec.get("targets") is None and untagged and not ref.tag:
        tags = ()  # a digest-only source copied manifest-only: no tag at all
    else:
        tags = parse_targets(spec.get("targets"), ref)
    return ImageRequest(ref, source_registry, username=username, password=password, tags=tags, untagged=untagged, force=bool(get("force")),
                        label=spec.get("label") or label, platform=platform, referrers=follow, referrers_types=types, lock=bool(get("lock")),
                        backup=tag_backups.check_template(get("backup"), label), platforms=platforms)


def parse_untagged_all(value, ref, source_registry, password, label):
    """untagged: all -> True (None -> False). Only an ACR read with the run's Azure identity lists its manifests (/acr/v1/{repo}/_manifests):
    refused here for what is surely not one (registry credentials, Docker Hub); acr_import checks the host against the cloud's ACR
    suffix once the cloud is known, still before any registry call (untagged_manifests.check_sources)."""
    if value is None:
        return False
    if value != "all":
        raise AcrOpsError("%s: untagged must be 'all' (every untagged manifest of the repository, by digest), got %r" % (label, value))
    if source_registry:
        return True
    if password:
        raise AcrOpsError("%s: untagged: all lists the source ACR's manifests with the run's Azure identity: drop the source credentials "
                          "(source_username/source_password, source_credentials for %s), or name the ACR with source_registry" % (label, ref.registry))
    if credentials_host(ref.registry) == reference.DOCKER_HUB:
        raise AcrOpsError("%s: untagged: all needs an Azure Container Registry source (it lists /acr/v1/{repo}/_manifests); %s is Docker Hub, "
                          "whose untagged manifests cannot be listed" % (label, ref.registry))
    return True


def tags_as_policy(spec, label):
    """An entry's `tags` as its tag policy: tags: all (every tag, past the module's max_tags: all_tags), or a list of tags
    (each taken where the source has it: entries that name several repositories share one list). max_tags is the cap of an
    entry's policy, so it needs one."""
    tags, policy = spec.get("tags"), spec.get("tag_policy")
    if tags is not None:
        if policy is not None:
            raise AcrOpsError("%s: tags and tag_policy do not go together: write tags: all, a list of tags, or a tag_policy" % label)
        if tags == "all":
            spec = dict(spec, tag_policy={"regex": ".*"}, all_tags=True)
        elif isinstance(tags, list) and tags and all(isinstance(t, str) and t for t in tags):
            for tag in tags:
                try:
                    reference.parse("example.invalid/sample:" + tag)
                except ValueError:
                    raise AcrOpsError("%s: %r in tags is not a valid tag" % (label, tag)) from None
            spec = dict(spec, tag_policy={"regex": [re.escape(t) for t in tags]})
        else:
            raise AcrOpsError("%s: tags must be 'all' or a non-empty list of tags, e.g. [latest, '1.25']" % label)
        spec.pop("tags")
    if spec.get("max_tags") is not None:
        if spec.get("tag_policy") is None:
            raise AcrOpsError("%s: max_tags caps a tag_policy or tags: all; this entry has neither" % label)
        if spec["max_tags"] < 1:
            raise AcrOpsError("%s: max_tags must be at least 1" % label)
    return spec


def check_targets(items):
    """Refuse one target tag fed by two different sources (or by one source for two platforms); items: ImageRequests."""
    owners = {}
    for item in items:
        origin = item.origin
        named = "%s (%s%s)" % (item.label, item.source, " for " + (item.platform or ", ".join(item.platforms)) if item.reads_index else "")
        for repository, tag in item.tags:
            key = "%s:%s" % (repository, tag)
            other = owners.get(key)
            if other is not None and other[1] != origin:
                raise AcrOpsError("target %s is fed by two sources: %s and %s; give one of them other targets" % (key, other[0], named))
            owners[key] = (named, origin)


def validate_batch(images, defaults):
    """Validate every entry, and refuse one target fed from two different sources."""
    pending = []
    if defaults.get("referrers_types") is not None and not defaults.get("referrers") and not any(
            isinstance(spec, dict) and spec.get("referrers") for spec in images):
        raise AcrOpsError("referrers_types is set but referrers is not (neither for the module nor for any entry of images): set "
                          "referrers: true to copy the images' referrers")
    for index, spec in enumerate(images):
        if not isinstance(spec, dict):
            raise AcrOpsError("images[%d] must be a mapping with at least source" % index)
        if spec.get("repositories") is not None:
            continue  # names a registry or namespace: repository_selection validates it and expands it once its catalog is listed
        if spec.get("target_prefix") is not None:
            raise AcrOpsError("images[%d]: target_prefix goes with repositories (it names each selected repository's target); "
                              "write targets for one repository" % index)
        label = "images[%d] (%s)" % (index, spec.get("source"))
        pending.append(validate_image(spec, defaults, label))
    # Entries with a tag policy have no tags yet: they are checked again once the policies are expanded.
    check_targets([item._replace(label="images[%d]" % index) for index, item in enumerate(pending)])
    return pending


def is_entra_acr_source(item, acr_suffix):  # item: an ImageRequest
    """A source in an ACR of this cloud given without a password: like az acr import, it is imported by resource ID with
    Entra auth, so its registry must be found through Resource Manager first."""
    return bool(acr_suffix) and not item.password and item.source.registry.endswith("." + acr_suffix)


def bind_source_registry(ref, login_server):
    """The reference with the placeholder domain replaced by the source ACR's real login server."""
    text = str(ref)
    if text.startswith(_SOURCE_ACR_PLACEHOLDER + "/"):
        return reference.parse(login_server + text[len(_SOURCE_ACR_PLACEHOLDER):], default_tag=None)
    return ref
