# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's `backup`: before a force overwrite, keep the tag's current digest under a backup tag in the same repository.

The copy is an ACR-to-ACR import by digest from the target registry itself (server-side, no bytes through the controller),
made before the overwrite. A backup tag that holds that digest already is unchanged (idempotent, and a retried attempt does
not copy twice); check mode predicts it. The template's fields: {tag}, {before_digest12} (12 hex digits of the digest the tag
held), {before_digest} (all of them).
"""

from __future__ import annotations

import re

from ansible_collections.acrops.registry.plugins.module_utils import planner, reference
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, show

FIELDS = ("tag", "before_digest12", "before_digest")
OVERWRITING = frozenset((planner.OVERWRITTEN, planner.WOULD_OVERWRITE))


def backup_tag(template, tag, digest):
    """The backup tag for `tag` holding `digest`, or AcrOpsError naming the template."""
    hexdigits = digest.split(":", 1)[-1]
    try:
        name = template.format(tag=tag, before_digest12=hexdigits[:12], before_digest=hexdigits)
    except (KeyError, IndexError, ValueError) as exc:
        raise AcrOpsError("backup %s: only the fields {%s} can be used (%s)" % (show(template), "}, {".join(FIELDS), exc)) from None
    try:
        reference.parse_target("backup:%s" % name, None)
    except ValueError:
        raise AcrOpsError("backup %s gives %s for %s, which is not a valid tag (letters, digits, _ . -, at most 128)"
                          % (show(template), show(name), tag)) from None
    if name == tag:
        raise AcrOpsError("backup %s names the tag itself: put {before_digest12} or a suffix in it" % show(template))
    return name


def pattern(template):
    """A regex matching the backup tags a template makes, whatever the tag and digest (its literal parts must match)."""
    parts = re.split(r"(\{tag\}|\{before_digest12\}|\{before_digest\})", template)
    fields = {"{tag}": "[A-Za-z0-9_][A-Za-z0-9_.-]*", "{before_digest12}": "[0-9a-f]{12}", "{before_digest}": "[0-9a-f]{64}"}
    return re.compile("".join(fields.get(part, re.escape(part)) for part in parts))


def check_template(template, label):
    """Validation before any request: the template must give a valid tag other than the tag itself."""
    if template is None:
        return None
    if not isinstance(template, str) or not template:
        raise AcrOpsError("%s: backup must be a template string such as '{tag}-prev-{before_digest12}'" % label)
    backup_tag(template, "1.0", "sha256:" + "0" * 64)
    if "{tag}" not in template:
        raise AcrOpsError("%s: backup %s must contain {tag}, or every tag of the entry would back up under one name" % (label, show(template)))
    return template


def back_up(ctx, request, result):
    """Before the import of `result`'s plan: one import per overwritten target whose backup tag does not hold its current digest.
    Each target gains `backup` {name, digest, action}; check mode only predicts (would_import / unchanged)."""
    client, server = ctx.registry_client, ctx.target.login_server
    for target in result["targets"]:
        if target["action"] not in OVERWRITING or not target["before"]:
            continue
        repository, tag = target["name"].rsplit(":", 1)
        name = backup_tag(request.backup, tag, target["before"])
        state = client.acr_tag(server, repository, name)
        if state is not None and state.digest == target["before"]:
            action = planner.UNCHANGED
        elif ctx.check_mode:
            action = planner.WOULD_OVERWRITE if state is not None else planner.WOULD_IMPORT
        else:
            if state is not None and state.locked:
                raise AcrOpsError("the backup tag %s:%s is locked and holds %s: %s was not overwritten"
                                  % (repository, name, state.digest, target["name"]))
            body = {"source": {"resourceId": ctx.target.id, "sourceImage": "%s@%s" % (repository, target["before"])},
                    "targetTags": ["%s:%s" % (repository, name)], "mode": "Force" if state is not None else "NoForce"}
            ctx.arm.import_image(ctx.target, body, True, ctx.timeout)
            landed = client.acr_tag(server, repository, name)
            if landed is None or landed.digest != target["before"]:
                raise AcrOpsError("the backup of %s (%s) did not land as %s:%s: %s was not overwritten"
                                  % (target["name"], target["before"], repository, name, target["name"]))
            action = planner.OVERWRITTEN if state is not None else planner.IMPORTED
        target["backup"] = {"name": "%s:%s" % (repository, name), "digest": target["before"], "action": action}
        if action != planner.UNCHANGED:
            result["changed"] = True
