# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The comparison behind playbooks/migrate.yml: two registries' digest lists (acr_image_info's `repositories`) -> what differs."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def _by_name(repositories, which):
    if not isinstance(repositories, list) or not all(isinstance(r, dict) and isinstance(r.get("name"), str) for r in repositories):
        raise AnsibleFilterError("digest_differences: the %s must be a list of {name, tags, untagged} (acr_image_info's repositories)" % which)
    return dict((r["name"], r) for r in repositories)


def digest_differences(source, target):
    """One line per source repository the target does not hold as the source does: missing, tags absent or on another digest,
    untagged digests absent. What the target holds beyond the source is not a difference."""
    there = _by_name(target, "target")
    lines = []
    for name, repository in sorted(_by_name(source, "source").items()):
        other = there.get(name)
        if other is None:
            counts = (len(repository.get("tags") or {}), len(repository.get("untagged") or []))
            lines.append("%s: missing in the target (%d tags, %d untagged)" % ((name,) + counts))
            continue
        tags, other_tags = repository.get("tags") or {}, other.get("tags") or {}
        problems = []
        absent = sorted(t for t in tags if t not in other_tags)
        moved = sorted(t for t in tags if t in other_tags and other_tags[t] != tags[t])
        untagged = sorted(set(repository.get("untagged") or []) - set(other.get("untagged") or []) - set(other_tags.values()))
        if absent:
            problems.append("tags missing: %s" % ", ".join(absent))
        if moved:
            problems.append("tags on another digest: %s" % ", ".join("%s (%s, source %s)" % (t, other_tags[t][:19], tags[t][:19]) for t in moved))
        if untagged:
            problems.append("untagged manifests missing: %s" % ", ".join(untagged))
        if problems:
            lines.append("%s: %s" % (name, "; ".join(problems)))
    return lines


class FilterModule:  # pylint: disable=too-few-public-methods
    """acrops.registry filters used by playbooks/migrate.yml."""

    def filters(self):
        return {"digest_differences": digest_differences}
