# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Entries that name a registry or a namespace (images[].repositories): the source's catalog, paged and cached per run,
filtered by `repositories: {regex, exclude}`, becomes one entry per selected repository with the entry's tag selection.

An entry's source is then HOST[/NAMESPACE] (with source_registry: the NAMESPACE inside that ACR, or '/' for all of it).
regex/exclude full-match the repository path below the namespace, as tag regexes full-match tags (tag_policy validates
both). Validation is pure (validate_entry, before any call); expansion lists catalogs: ACR's /acr/v1/_catalog with the
run's Entra identity, /v2/_catalog elsewhere, every page counted against the run's RequestBudget. Docker Hub serves no
catalog: such an entry is refused before any call.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils import image_requests, oci, reference, tag_policy, target_naming
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, show

CATALOG_SCOPE = "registry:catalog:*"
CATALOG_PAGE = 1000  # asked for; registries cap pages themselves (distribution at 1000, ACR lower) and Link the rest
# The per-repository entry keeps these of the catalog entry (source, targets and tags are written per repository).
_KEPT_KEYS = ("source_registry", "source_username", "source_password", "force", "platform", "platforms", "referrers", "referrers_types",
              "max_tags", "tags", "tag_policy", "untagged")


class RepositoryFilter(namedtuple("RepositoryFilter", "regex exclude")):
    """regex/exclude: tuples of compiled patterns, full-matched against the path below the entry's namespace."""

    __slots__ = ()

    def keeps(self, path):
        return (not self.regex or any(p.fullmatch(path) for p in self.regex)) and not any(p.fullmatch(path) for p in self.exclude)

    def describe(self):
        return tag_policy.describe_patterns(self.regex, self.exclude)


# One catalog entry, validated: host (None with source_registry until resolved), namespace ('' for the whole registry),
# credentials ((username, password) or None), the filter, and the entry as written (for the per-repository entries).
CatalogEntry = namedtuple("CatalogEntry", "index label host namespace source_registry credentials filter spec")


def parse_filter(value, label):
    if not isinstance(value, dict) or set(k for k in value if value[k] is not None) - {"regex", "exclude"}:
        raise AcrOpsError("%s: repositories must be a mapping with regex and/or exclude, e.g. {regex: 'team/.*', exclude: 'team/legacy'}" % label)
    try:
        return RepositoryFilter(tag_policy._patterns(value.get("regex"), "repositories.regex"),  # pylint: disable=protected-access
                                tag_policy._patterns(value.get("exclude"), "repositories.exclude"))  # pylint: disable=protected-access
    except tag_policy.PolicyError as exc:
        raise AcrOpsError("%s: %s" % (label, exc)) from None


def is_catalog_entry(spec):
    return isinstance(spec, dict) and spec.get("repositories") is not None


def validate_entry(index, spec, defaults, label):
    """A catalog entry -> CatalogEntry, or AcrOpsError before any call. A sample repository's entry is validated too, so
    that the tag selection, targets and credentials are refused now rather than after the catalog is listed."""
    flt = parse_filter(spec["repositories"], label)
    source_registry = spec.get("source_registry") or defaults.get("source_registry")
    text = spec.get("source")
    if not isinstance(text, str) or not text.strip():
        raise AcrOpsError("%s: with repositories, source names a registry or a namespace, e.g. registry.example.com/team" % label)
    text = text.strip()
    if spec.get("targets") is not None:
        raise AcrOpsError("%s: with repositories each selected repository keeps its path (docs/naming.md): drop targets" % label)
    if spec.get("untagged_repositories"):
        raise AcrOpsError("%s: untagged_repositories does not go with repositories" % label)
    if spec.get("target_prefix") is not None and not isinstance(spec["target_prefix"], str):
        raise AcrOpsError("%s: target_prefix must be a string such as 'mirror/'" % label)
    if source_registry:
        host, namespace = None, text.strip("/")
        if namespace and image_requests.looks_like_host(namespace.split("/", 1)[0]):
            raise AcrOpsError("%s: source %r names a registry host and source_registry is set too: write the namespace alone, or '/'" % (label, text))
    else:
        host, _sep, namespace = text.partition("/")
        if not image_requests.looks_like_host(host):
            raise AcrOpsError("%s: with repositories, source must start with the registry host, e.g. registry.example.com/team (got %r)"
                              % (label, text))
        if image_requests.credentials_host(host) == reference.DOCKER_HUB:
            raise AcrOpsError("%s: Docker Hub serves no repository catalog (/v2/_catalog answers 401 to everyone), so %s cannot be listed: "
                              "name the repositories, one entry each (a tag_policy or tags: all per entry)" % (label, text))
        namespace = namespace.strip("/")
    if namespace:
        try:
            reference.parse_repository_path(namespace)
        except ValueError as exc:
            raise AcrOpsError("%s: namespace %r: %s" % (label, namespace, exc)) from None
    if spec.get("tags") is None and spec.get("tag_policy") is None:
        raise AcrOpsError("%s: say which tags of each repository to import: tags: all, tags: [list], or a tag_policy" % label)
    sample = per_repository_spec(spec, host, namespace + "/sample" if namespace else "sample")
    item = image_requests.validate_image(sample, defaults, label)
    credentials = item.credentials if host else None
    return CatalogEntry(index, label, host, namespace, source_registry, credentials, flt, spec)


def per_repository_spec(spec, host, path):
    """The entry for one selected repository: source HOST/PATH (or PATH in source_registry), no tag, the tag selection; with
    target_prefix (the role's acr_mirror_target_prefix) its target is the naming rule's name with that prefix."""
    entry = dict((k, spec[k]) for k in _KEPT_KEYS if spec.get(k) is not None)
    entry["source"] = "%s/%s" % (host, path) if host else path
    prefix = spec.get("target_prefix")
    if prefix:
        try:
            if host:
                entry["targets"] = [target_naming.default_repository(reference.parse(entry["source"], default_tag=None), prefix)]
            else:
                entry["targets"] = [target_naming.source_registry_repository(path, prefix)]
        except (ValueError, target_naming.TargetNamingError) as exc:
            raise AcrOpsError("%s: %s" % (spec.get("source"), exc)) from None
    return entry


class Catalogs:
    """One run's catalog listings, cached per (host, credentials): entries on one registry list it once."""

    def __init__(self, registry_client):
        self.client = registry_client
        self._cache = {}

    def repositories(self, host, credentials, budget, acr):
        key = (host, credentials)
        if key not in self._cache:
            self._cache[key] = self._list(host, credentials, budget, acr)
        return self._cache[key]

    def _list(self, host, credentials, budget, acr):
        path = "%s?n=%d" % ("/acr/v1/_catalog" if acr else "/v2/_catalog", CATALOG_PAGE)
        names, seen, visited = [], set(), {path}
        while path:
            if budget is not None:
                budget.take(host, "_catalog")
            response = self.client.request("GET", host, path, CATALOG_SCOPE, credentials)
            if response.status_code in (401, 403, 404, 405):
                raise AcrOpsError("%s serves no repository catalog to this run (%s answered %d: %s)" % (
                    host, path.split("?")[0], response.status_code, oci.error_text(response)), code="NO_CATALOG",
                    hint="name the repositories, one entry each" + (
                        "; an ACR needs a role that lists its catalog (AcrPull, or Container Registry Repository Catalog Lister "
                        "with ABAC)" if acr else ""))
            if response.status_code != 200:
                raise AcrOpsError("listing the catalog of %s answered %d: %s" % (host, response.status_code, oci.error_text(response)))
            page = oci.json_object(response, host, "the catalog", self.client.redactor).get("repositories") or []
            if not isinstance(page, list):
                raise AcrOpsError("%s answered its catalog with something that is not a repository list: %s"
                                  % (host, show(self.client.redactor.scrub(response.text[:200]))))
            names.extend(n for n in page if isinstance(n, str) and n not in seen)
            seen.update(n for n in page if isinstance(n, str))
            path = oci.next_page(response.headers.get("Link"), visited) if page else None  # a link back to a page read ends it
        return tuple(names)


def select(entry, names):
    """(selected repository paths, excluded count) of one entry from a registry's catalog."""
    prefix = entry.namespace + "/" if entry.namespace else ""
    below = [n[len(prefix):] for n in names if n.startswith(prefix)]
    kept = sorted(prefix + p for p in below if entry.filter.keeps(p))
    return kept, len(below) - len(kept)


def expand(entries, catalogs, budget, resolve_acr, acr_suffix):
    """Catalog entries -> (per-repository entry specs by images index, reports). resolve_acr(name, login server or resource
    ID) -> arm.Registry: an ACR source (source_registry, or a login server of this cloud without a password) is listed with
    the run's Entra identity. A failing listing is that entry's failure (in its report), not the run's."""
    specs, reports = {}, []
    for entry in entries:
        report = {"label": entry.spec.get("label") or entry.label, "source": entry.spec["source"], "repositories": entry.filter.describe(), "listed": None,
                  "selected": [], "failed": False}
        try:
            acr = None
            if entry.source_registry:
                acr = resolve_acr(entry.source_registry)
            elif acr_suffix and not entry.credentials and entry.host.lower().endswith("." + acr_suffix):
                acr = resolve_acr(entry.host)
            if acr is not None:
                catalogs.client.add_acr(acr.login_server, acr.role_assignment_mode, acr.name)
            host = acr.login_server if acr is not None else entry.host
            names = catalogs.repositories(host, entry.credentials, budget, acr is not None)
        except AcrOpsError as exc:
            report.update(failed=True, msg="listing the repositories of %s failed: %s" % (entry.spec["source"], exc), error_code=exc.code)
            reports.append(report)
            continue
        selected, excluded = select(entry, names)
        report.update(listed=len(selected) + excluded, selected=selected)
        if not selected:
            report["warning"] = "%s: no repository of %s passed the repositories filter (%d below the namespace)" % (
                entry.label, entry.spec["source"], excluded)
        specs[entry.index] = [dict(per_repository_spec(entry.spec, entry.host, path),
                                   label="%s %s" % (entry.spec.get("label") or entry.label, path)) for path in selected]
        reports.append(report)
    return specs, reports


def failure_result(report):
    """A failed listing as a batch result, so that counts, the summary and the module's failure include it."""
    return {"source": report["source"], "label": report["label"], "changed": False, "failed": True, "msg": report["msg"],
            "error_code": report.get("error_code"), "targets": [], "untagged": [], "warnings": []}
