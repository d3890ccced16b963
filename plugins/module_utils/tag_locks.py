# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's `lock`: after a verified import, and on tags found current, set the target tags' writeEnabled and
deleteEnabled to false (write-once tags). Each tag's attributes are read first, so a tag locked already is unchanged.

Tags left alone are not locked: drifted ones (they hold another digest), locked ones the plan refused, failed ones.
"""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import acr_tag_client, planner, tag_lifecycle
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

LOCKABLE = frozenset((planner.IMPORTED, planner.OVERWRITTEN, planner.UNCHANGED, planner.WOULD_IMPORT, planner.WOULD_OVERWRITE))


def lock_targets(ctx, request, result, warnings):
    """Lock the image's target tags (result: importer's per-image result, changed in place: each target gains `lock`)."""
    if not ctx.wait and not ctx.check_mode:
        warnings.append("the target tags of %s were not locked: with wait=false the import is not known to have landed; run again "
                        "with wait=true to lock them" % request.source)
        return
    client, server = ctx.registry_client, ctx.target.login_server
    for target in result["targets"]:
        if target["action"] not in LOCKABLE:
            continue
        repository, tag = target["name"].rsplit(":", 1)
        facts = None
        if target["action"] != planner.WOULD_IMPORT:
            facts = acr_tag_client.read_tag(client, server, repository, tag)
            if facts is None:
                raise AcrOpsError("%s disappeared before it could be locked (someone deleted it during the run)" % target["name"])
        action, before, changes = tag_lifecycle.plan_lock(facts, ctx.check_mode)
        if action == tag_lifecycle.LOCKED_NOW:
            try:
                acr_tag_client.update_tag(client, server, repository, tag, changes)
            except AcrOpsError as exc:
                raise AcrOpsError("%s holds the image but could not be locked: %s" % (target["name"], exc.message), code=exc.code,
                                  hint=exc.hint) from None
        target["lock"] = {"action": action, "before": before, "after": dict(tag_lifecycle.LOCK)}
        if action != tag_lifecycle.LOCK_UNCHANGED:
            result["changed"] = True
