# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters behind the acr_mirror role: inventory lists -> acr_import batch entries, and results -> summary/report.

Python rather than Jinja because the rules (normalising references, naming, merging lists from several
inventory groups, refusing conflicts with both culprits named) need real parsing and clear errors.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.acrops.registry.plugins.module_utils import planner, reference, repository_counts, target_naming
from ansible_collections.acrops.registry.plugins.module_utils.image_requests import credentials_host, looks_like_host
from ansible_collections.acrops.registry.plugins.module_utils.tag_policy import POLICY_KEYS

# An inventory entry's keys: acr_import's image keys, with `tags` (a list, or a tag policy) and `credentials` (a name in
# acr_mirror_credentials) in place of tag_policy, source_username and source_password.
ENTRY_KEYS = frozenset(("source", "targets", "tags", "source_registry", "credentials", "force", "untagged_repositories", "platform",
                        "platforms", "referrers", "referrers_types", "repositories", "max_tags", "lock", "prune",
                        "prune_untagged", "backup", "untagged"))
ACTION_ORDER = (planner.IMPORTED, planner.OVERWRITTEN, planner.WOULD_IMPORT, planner.WOULD_OVERWRITE, planner.DRIFTED, "deferred", "would_defer",
                planner.UNCHANGED, planner.EXISTS_UNVERIFIED, planner.UNKNOWN, planner.LOCKED, planner.FAILED)


def _platforms_of(entry):
    """An entry's platform choice as text (platform, or its platforms joined), or None: the same image for other platforms is
    another source."""
    platforms = entry.get("platforms")
    if platforms:
        return ", ".join(str(p) for p in platforms) if isinstance(platforms, list) else str(platforms)
    return entry.get("platform")


def _default_repository(ref, path, prefix, label):
    """The naming rule of acr_import (module_utils/target_naming.py): ref is the parsed source, or None for an image path inside
    source_registry."""
    try:
        if ref is None:
            return target_naming.source_registry_repository(path, prefix)
        return target_naming.default_repository(ref, prefix)
    except target_naming.TargetNamingError as exc:
        raise AnsibleFilterError("%s: %s" % (label, exc)) from None


def parse_manifest(text, origin="manifest"):
    """The seed's bulk format: `SOURCE [DEST]` per line, `#` comments and blank lines ignored."""
    entries = []
    for number, line in enumerate((text or "").splitlines(), 1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        fields = stripped.split()
        if len(fields) > 2:
            raise AnsibleFilterError("%s line %d: expected 'SOURCE [DEST]', got %d fields" % (origin, number, len(fields)))
        entry = {"source": fields[0], "_label": "%s:%d" % (origin, number)}
        if len(fields) == 2:
            entry["targets"] = [fields[1]]
        entries.append(entry)
    return entries


def _credentials_for(ref, entry, credentials, label):
    """The entry's source credentials: those it names in `credentials`, else those keyed by its registry host (case and Docker
    Hub's aliases aside), else none. A host's credentials never go to another host."""
    host = credentials_host(ref.registry)
    name = entry.get("credentials")
    if name:
        if name not in credentials:
            raise AnsibleFilterError("%s: credentials %r are not defined in acr_mirror_credentials (defined: %s)"
                                     % (label, name, ", ".join(sorted(credentials)) or "none"))
        if looks_like_host(name) and credentials_host(name) != host:
            raise AnsibleFilterError("%s: credentials %r are the ones of the registry host %s, and %s is on %s: a host's credentials go "
                                     "to that host only; add an entry for %s, or name these credentials with a word that is not a host"
                                     % (label, name, credentials_host(name), ref, host, host))
        key = name
    else:
        keys = sorted(k for k in credentials if looks_like_host(k) and credentials_host(k) == host)
        if len(keys) > 1:
            raise AnsibleFilterError("%s: acr_mirror_credentials has %s for the one host %s: keep one" % (label, " and ".join(keys), host))
        key = keys[0] if keys else None
    found = credentials[key] if key else None
    if not found:
        return {}
    if not isinstance(found, dict) or not found.get("password"):
        raise AnsibleFilterError("%s: acr_mirror_credentials entry %s needs a password (and usually a username)" % (label, key))
    return {"source_username": found.get("username"), "source_password": found["password"]}


def _expand(entry, label, prefix):
    """One inventory entry -> (source text, targets or None) per tag."""
    if isinstance(entry, str):
        entry = {"source": entry}
    if not isinstance(entry, dict) or not entry.get("source"):
        raise AnsibleFilterError("%s: each image is a reference string or a mapping with 'source'" % label)
    unknown = set(k for k in entry if not k.startswith("_")) - ENTRY_KEYS
    if unknown:
        raise AnsibleFilterError("%s: unknown keys %s (known: %s)" % (label, ", ".join(sorted(unknown)), ", ".join(sorted(ENTRY_KEYS))))
    tags = entry.get("tags")
    if isinstance(tags, dict):
        return entry, [entry["source"]], _policy(tags, entry, label)
    if tags is not None and (not isinstance(tags, list) or not tags):
        raise AnsibleFilterError("%s: tags must be a non-empty list of tags of %s, or a tag policy {regex, exclude, semver, latest}"
                                 % (label, entry["source"]))
    if entry.get("prune") not in (None, False) or entry.get("prune_untagged"):
        raise AnsibleFilterError("%s: prune and prune_untagged need a tag policy (tags: {regex, exclude, semver, latest}): an entry of listed tags owns no "
                                 "other tags, so it cannot prune" % label)
    if entry.get("untagged") is not None:
        raise AnsibleFilterError("%s: untagged: all copies the untagged manifests of whole repositories: it goes with repositories or a tag "
                                 "policy (tags: {regex: '.*'}) on an ACR source" % label)
    if tags and entry.get("targets"):
        raise AnsibleFilterError("%s: give tags (several tags, default names) or targets (explicit names), not both" % label)
    sources = [entry["source"]] if not tags else ["%s:%s" % (entry["source"].rsplit("@", 1)[0], t) for t in tags]
    return entry, sources, None


def _policy(tags, entry, label):
    """A `tags:` mapping is a tag policy: checked for shape here (the module checks the rest before any network call)."""
    unknown = sorted(set(tags) - set(POLICY_KEYS))
    if unknown:
        raise AnsibleFilterError("%s: unknown tag policy keys %s (known: %s)" % (label, ", ".join(unknown), ", ".join(POLICY_KEYS)))
    policy = dict((k, v) for k, v in tags.items() if v is not None)
    if not policy:
        raise AnsibleFilterError("%s: the tag policy of %s is empty: give regex, exclude, semver and/or latest" % (label, entry["source"]))
    if entry.get("untagged_repositories"):
        raise AnsibleFilterError("%s: a tag policy and untagged_repositories do not go together" % label)
    return policy


def _referrer_keys(entry):
    """An entry's own referrers switch (also false: it opts out of the role's default) and type allow-list, and its lock switch,
    when it sets them."""
    keys = {}
    if entry.get("referrers") is not None:
        keys["referrers"] = entry["referrers"]
    if entry.get("referrers_types"):
        keys["referrers_types"] = list(entry["referrers_types"])
    if entry.get("lock") is not None:
        keys["lock"] = entry["lock"]  # the entry's own lock switch (false opts out of acr_mirror_lock)
    if entry.get("backup"):
        keys["backup"] = entry["backup"]
    return keys


def _policy_request(entry, policy, label, prefix, credentials, force):
    """An entry with a tag policy -> one acr_import entry; the module lists the source and imports each selected tag."""
    text = entry["source"]
    ref = None
    if entry.get("source_registry"):
        if "@" in text or ":" in text.rsplit("/", 1)[-1]:
            raise AnsibleFilterError("%s: %s has a tag or digest, but the tag policy chooses the tags: write the repository alone" % (label, text))
        source_text = text
    else:
        try:
            ref = reference.parse(text, default_tag=None)
        except ValueError as exc:
            raise AnsibleFilterError("%s: %s" % (label, exc)) from None
        if ref.tag is not None or ref.digest is not None:
            raise AnsibleFilterError("%s: %s has a tag or digest, but the tag policy chooses the tags: write the repository alone (%s)"
                                     % (label, text, ref.name))
        source_text = ref.name
    targets = list(entry["targets"]) if entry.get("targets") else [_default_repository(ref, text, prefix, label)]
    request = {"source": source_text, "targets": targets, "tag_policy": policy, "force": bool(entry.get("force", force)), "label": label}
    for key_name in ("source_registry", "platform", "platforms"):
        if entry.get(key_name):
            request[key_name] = entry[key_name]
    request.update(_referrer_keys(entry))
    for key_name in ("prune", "prune_untagged", "untagged"):
        if entry.get(key_name) is not None:
            request[key_name] = entry[key_name]
    if ref is not None:
        request.update(_credentials_for(ref, entry, credentials, label))
    return request


def _catalog_request(entry, label, prefix, credentials, force):
    """An entry that names a namespace or registry (repositories) -> one acr_import entry; the module lists the catalog, and
    names each repository by the rule with the role's prefix (target_prefix). tags: all, a list, or a tag policy."""
    unknown = set(k for k in entry if not k.startswith("_")) - ENTRY_KEYS
    if unknown:
        raise AnsibleFilterError("%s: unknown keys %s (known: %s)" % (label, ", ".join(sorted(unknown)), ", ".join(sorted(ENTRY_KEYS))))
    if entry.get("targets") or entry.get("untagged_repositories"):
        raise AnsibleFilterError("%s: an entry with repositories names each repository by the naming rule: drop targets and "
                                 "untagged_repositories" % label)
    tags = entry.get("tags")
    request = {"source": entry["source"], "repositories": entry["repositories"], "force": bool(entry.get("force", force)), "label": label}
    if isinstance(tags, dict):
        request["tag_policy"] = _policy(tags, entry, label)
    elif tags is not None:
        request["tags"] = tags
    for key_name in ("source_registry", "platform", "platforms", "max_tags", "untagged"):
        if entry.get(key_name):
            request[key_name] = entry[key_name]
    if prefix:
        request["target_prefix"] = prefix
    request.update(_referrer_keys(entry))
    if not entry.get("source_registry"):
        host = str(entry["source"]).split("/", 1)[0]
        try:
            ref = reference.parse("%s/sample" % host, default_tag=None)
        except ValueError as exc:
            raise AnsibleFilterError("%s: %s" % (label, exc)) from None
        request.update(_credentials_for(ref, entry, credentials, label))
    return request


def mirror_requests(entries, prefix="", credentials=None, force=True):
    """Merged inventory entries -> acr_import `images` entries, with targets named and conflicts refused."""
    credentials = credentials or {}
    requests, owners, seen = [], {}, set()
    for index, raw in enumerate(entries or []):
        label = raw.get("_label") if isinstance(raw, dict) and raw.get("_label") else "image %d (%s)" % (
            index + 1, raw if isinstance(raw, str) else (raw or {}).get("source"))
        if isinstance(raw, dict) and raw.get("repositories") is not None:
            requests.append(_catalog_request(raw, label, prefix, credentials, force))
            continue
        entry, sources, policy = _expand(raw, label, prefix)
        if policy is not None:
            request = _policy_request(entry, policy, label, prefix, credentials, force)
            key = (request["source"], tuple(request["targets"]), repr(sorted(policy.items())), _platforms_of(request))
            if key not in seen:  # the same policy listed by two inventory groups: mirrored once
                seen.add(key)
                requests.append(request)
            continue
        for text in sources:
            if entry.get("source_registry"):
                ref, source_text = None, text
            else:
                try:
                    ref = reference.parse(text)
                except ValueError as exc:
                    raise AnsibleFilterError("%s: %s" % (label, exc)) from None
                source_text = str(ref)
            identity = target_naming.source_identity(ref) if ref is not None else text
            if entry.get("targets"):
                targets = list(entry["targets"])
            elif ref is not None and ref.tag:
                targets = ["%s:%s" % (_default_repository(ref, None, prefix, label), ref.tag)]
            elif ref is None and "@" not in text and ":" in text.rsplit("/", 1)[-1]:
                path, tag = text.rsplit(":", 1)
                targets = ["%s:%s" % (_default_repository(None, path, prefix, label), tag)]
            else:
                raise AnsibleFilterError("%s: %s has no tag to name its target: give targets" % (label, text))
            platform = _platforms_of(entry)
            key = (identity, tuple(targets), platform)
            if key in seen:
                continue  # the same image listed by two inventory groups: mirror it once
            seen.add(key)
            named = "%s (%s%s)" % (label, source_text, " for " + platform if platform else "")
            for target in targets:
                name = target if ":" in target.rsplit("/", 1)[-1] or ref is None else "%s:%s" % (target, ref.tag)
                other = owners.get(name)
                # An entry without platform takes acr_mirror_platform, unknown here: the module checks those pairs again.
                if other is not None and (other[1] != identity or (other[2] and platform and other[2] != platform)):
                    raise AnsibleFilterError("target %s is fed by two different sources: %s and %s" % (name, other[0], named))
                owners[name] = (named, identity, platform)
            request = {"source": source_text, "targets": targets, "force": bool(entry.get("force", force)), "label": label}
            for key_name in ("source_registry", "untagged_repositories", "platform", "platforms"):
                if entry.get(key_name):
                    request[key_name] = entry[key_name]
            request.update(_referrer_keys(entry))
            if ref is not None:
                request.update(_credentials_for(ref, entry, credentials, label))
            requests.append(request)
    return requests


def merge_image_lists(base, named_lists, manifest_text=None, manifest_origin="manifest"):
    """acr_mirror_images + every acr_mirror_images__* list (labelled by variable) + the manifest file's lines."""
    merged = []
    for index, entry in enumerate(base or []):
        merged.append(_labelled(entry, "acr_mirror_images[%d]" % index))
    for name in sorted(named_lists or {}):
        items = named_lists[name]
        if not isinstance(items, list):
            raise AnsibleFilterError("%s must be a list of images" % name)
        for index, entry in enumerate(items):
            merged.append(_labelled(entry, "%s[%d]" % (name, index)))
    merged.extend(parse_manifest(manifest_text, manifest_origin) if manifest_text else [])
    return merged


def _labelled(entry, label):
    if isinstance(entry, str):
        return {"source": entry, "_label": label}
    if isinstance(entry, dict):
        return dict(entry, _label=label)
    raise AnsibleFilterError("%s: each image is a reference string or a mapping with 'source'" % label)


def mirror_report(result, registry, check_mode=False):
    """The machine-readable report: per image, source, digest, targets with before/after/action, error."""
    results = result.get("results") or []
    images = []
    for item in results:
        image = {
            "label": item.get("label"), "source": item.get("source"), "source_digest": item.get("source_digest"),
            "targets": item.get("targets", []), "untagged": item.get("untagged", []), "failed": bool(item.get("failed")),
            "error": item.get("msg") if item.get("failed") else None, "warnings": item.get("warnings", []),
            "operation_url": item.get("operation_url"), "elapsed": item.get("elapsed"),
        }
        for key in ("selected_by", "platform", "source_index_digest", "filtered_index", "referrers", "deferred", "deferred_until",
                    "referrers_deferred_until"):
            if item.get(key) is not None:
                image[key] = item[key]
        images.append(image)
    report = {"registry": result.get("registry") or {"name": registry}, "check_mode": bool(check_mode),
              "counts": result.get("counts") or {}, "error": None if results or result.get("policies") else result.get("msg"),
              "images": images}
    if result.get("policies"):
        keys = ("label", "source", "policy", "targets", "platform", "platforms", "listed", "selected", "notes", "warnings", "failed", "msg")
        report["policies"] = [dict([(k, p.get(k)) for k in keys] + ([("prune", p["prune"])] if p.get("prune") else [])) for p in result["policies"]]
        report["tag_list_requests"] = result.get("tag_list_requests")
    if result.get("repository_selections"):
        report["repository_selections"] = result["repository_selections"]
        report["repository_counts"] = result.get("repository_counts") or []
        report["tag_list_requests"] = result.get("tag_list_requests")
    if result.get("deleted") is not None or result.get("would_delete") is not None:
        report["deleted"] = list(result.get("would_delete" if check_mode else "deleted") or [])
    return report


SUMMARY_CHANGES = 20  # per-target change lines a summary shows; failures are always all shown, the report has everything


def mirror_summary(report, max_changes=SUMMARY_CHANGES, report_path=""):
    """A readable summary: counts, then one line per target that changed or drifted (the first max_changes of them) and
    one per failed image (all), then how many lines were left out and where they are (the JSON report, complete)."""
    counts = report.get("counts") or {}
    registry = (report.get("registry") or {}).get("login_server") or (report.get("registry") or {}).get("name")
    head = "%s%s: %s" % ("[check mode] " if report.get("check_mode") else "", registry,
                         ", ".join("%s %d" % (k.replace("_", " "), counts.get(k, 0)) for k in ACTION_ORDER if counts.get(k)) or "nothing to do")
    if report.get("error"):
        return [head, "error: %s" % report["error"]]
    lines = [head]
    # An entry that expands to more than 20 images: one line per repository instead of lines per image and per tag listing.
    grouped, grouped_labels = repository_counts.grouped(report)
    for selection in report.get("repository_selections") or []:
        if selection.get("failed"):
            lines.append("  repositories %s: failed: %s" % (selection.get("label"), selection.get("msg")))
        elif selection.get("label") in grouped:
            lines.append("  repositories %s: %d of %d in %s selected, %d images: %s" % (
                selection.get("label"), len(selection.get("selected") or []), selection.get("listed") or 0, selection.get("source"),
                selection["counts"].get("images", 0), repository_counts.counts_text(selection["counts"], report.get("check_mode"))))
            lines.extend(repository_counts.summary_lines(selection["label"], report))
        else:
            lines.append("  repositories %s: %d of %d in %s selected" % (
                selection.get("label"), len(selection.get("selected") or []), selection.get("listed") or 0, selection.get("source")))
    for policy in report.get("policies") or []:
        if policy.get("label") in grouped_labels:
            continue
        if policy.get("failed"):
            lines.append("  policy %s: failed: %s" % (policy.get("label"), policy.get("msg")))
        elif policy.get("selected"):
            lines.append("  policy %s: %d of %d tags of %s selected: %s" % (
                policy.get("label"), len(policy["selected"]), policy.get("listed") or 0, policy.get("source"), ", ".join(policy["selected"])))
        else:
            lines.append("  policy %s: selected nothing of %s (%d tags)%s" % (
                policy.get("label"), policy.get("source"), policy.get("listed") or 0,
                ": " + "; ".join(policy["warnings"]) if policy.get("warnings") else ""))
    rows = []
    for image in report.get("images", []):
        if image.get("label") in grouped_labels:
            continue
        if image.get("failed"):
            rows.append(("failed", image.get("source"), image.get("error")))
        for target in image.get("targets", []) + image.get("untagged", []):
            if target.get("action") not in ("unchanged", "failed"):
                rows.append((target.get("action"), target.get("name"), "from %s%s" % (
                    image.get("source"), " (%s)" % target["reason"] if target.get("reason") else "")))
    rows.sort(key=lambda row: (ACTION_ORDER.index(row[0]) if row[0] in ACTION_ORDER else 99, row[1] or ""))
    changes = [row for row in rows if row[0] != "failed"]
    shown = changes[:max(0, int(max_changes))] + [row for row in rows if row[0] == "failed"]
    width = max([len(r[0]) for r in shown] + [0])
    lines.extend("  %-*s  %s  %s" % (width, action.replace("_", " "), name, detail) for action, name, detail in shown)
    if len(rows) > len(shown):
        lines.append("  and %d more: see the report%s" % (len(rows) - len(shown), " (%s)" % report_path if report_path else ""))
    until = [image["deferred_until"] for image in report.get("images", []) if image.get("deferred_until")]
    if until:
        lines.append("  %d image%s deferred by the Docker Hub pull quota: run again after %s" % (
            len(until), "" if len(until) == 1 else "s", max(until)))
    for policy in report.get("policies") or []:
        lines.extend("  %-*s  %s  %s" % (width, "locked", name, "kept: no longer selected by %s, but locked" % policy.get("label"))
                     for name in (policy.get("prune") or {}).get("locked") or [])
    lines.extend("  %-*s  %s  %s" % (width, "would delete" if report.get("check_mode") else "deleted", name, "pruned")
                 for name in report.get("deleted") or [])
    unchanged = counts.get("unchanged", 0)
    if unchanged:
        lines.append("  %d target%s already current" % (unchanged, "" if unchanged == 1 else "s"))
    return lines


class FilterModule:  # pylint: disable=too-few-public-methods
    """acrops.registry filters used by the acr_mirror role."""

    def filters(self):
        return {
            "mirror_merge": merge_image_lists,
            "mirror_requests": mirror_requests,
            "mirror_report": mirror_report,
            "mirror_summary": mirror_summary,
        }
