# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The acr_import task: its options, its validation, one run over the images, and the result.

Shared by the module (plugins/modules/acr_import.py, packaged and run in a new Python as usual) and by its action plugin,
which runs it inside Ansible's worker process when the task runs on the controller with the controller's own Python.
"""

from __future__ import annotations

import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.acrops.registry.plugins.module_utils import (
    importer, image_requests, planner, policy_expansion, progress, pruner, referrer_import, repository_counts, repository_selection,
    running_imports, target_reads, untagged_manifests)
from ansible_collections.acrops.registry.plugins.module_utils.auth import AUTH_ARGUMENT_SPEC
from ansible_collections.acrops.registry.plugins.module_utils.clients import connect_azure, connect_registries
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.module_runner import Outcome, guarded, registry_summary
from ansible_collections.acrops.registry.plugins.module_utils.python_requirements import AZURE_MODULES
from ansible_collections.acrops.registry.plugins.module_utils.retries import RETRY_ARGUMENT_SPEC, RetryPolicy
from ansible_collections.acrops.registry.plugins.module_utils.source_prefetch import SourcePrefetch
from ansible_collections.acrops.registry.plugins.module_utils.source_quota import SourceQuota
from ansible_collections.acrops.registry.plugins.module_utils.policy_expansion import RequestBudget
from ansible_collections.acrops.registry.plugins.module_utils.validation import (
    check_registry_name, check_source_registry, check_strings, validate_auth)

# AnsibleModule's rules beside the argument spec (the action plugin validates with the same ones).
ARGUMENT_RULES = {"mutually_exclusive": [("source", "images")], "required_one_of": [("source", "images")]}
# The Python packages the task needs, checked before it runs (module_runner.run_module, plugin_utils/in_process.py).
REQUIREMENTS = AZURE_MODULES
# execute() takes show(line, verbosity) for live progress (plugin_utils/in_process.py passes Ansible's display).
SHOWS_PROGRESS = True
IMAGE_KEYS = ("source", "targets", "untagged_repositories", "source_registry", "source_username", "source_password", "force", "tag_policy",
              "platform", "platforms", "referrers", "referrers_types", "lock", "prune", "prune_untagged", "backup")
POLICY_OPTIONS = dict(
    regex=dict(type="raw"),
    exclude=dict(type="raw"),
    semver=dict(type="str"),
    latest=dict(type="int"),
)
VERBS = {planner.IMPORTED: "Imported", planner.OVERWRITTEN: "Overwrote", planner.WOULD_IMPORT: "Would import",
         planner.WOULD_OVERWRITE: "Would overwrite", importer.DEFERRED: "Deferred the import of",
         importer.WOULD_DEFER: "Would defer the import of"}
LOCK_VERBS = {"locked": "Locked", "would_lock": "Would lock"}
REFERRER_VERBS = {referrer_import.REFERRER_IMPORTED: "Imported", referrer_import.REFERRER_WOULD_IMPORT: "Would import"}


def argument_spec():
    spec = dict(
        registry=dict(type="str", required=True),
        resource_group=dict(type="str"),
        source=dict(type="str"),
        source_registry=dict(type="str"),
        source_username=dict(type="str"),
        source_password=dict(type="str", no_log=True),
        # {host: {username, password}}: no_log masks every value, the usernames too (a map's leaves cannot be told apart).
        source_credentials=dict(type="dict", no_log=True),
        targets=dict(type="list", elements="str"),
        untagged_repositories=dict(type="list", elements="str"),
        force=dict(type="bool", default=False),
        tag_policy=dict(type="dict", options=POLICY_OPTIONS),
        platform=dict(type="str"),
        platforms=dict(type="list", elements="str"),
        referrers=dict(type="bool", default=False),
        referrers_types=dict(type="list", elements="str"),
        max_tags=dict(type="int", default=50),
        tag_list_budget=dict(type="int", default=100),
        images=dict(type="list", elements="dict", options=dict(
            source=dict(type="str", required=True),
            targets=dict(type="list", elements="str"),
            untagged_repositories=dict(type="list", elements="str"),
            source_registry=dict(type="str"),
            source_username=dict(type="str"),
            source_password=dict(type="str", no_log=True),
            force=dict(type="bool"),
            label=dict(type="str"),
            tag_policy=dict(type="dict", options=POLICY_OPTIONS),
            platform=dict(type="str"),
            platforms=dict(type="list", elements="str"),
            referrers=dict(type="bool"),
            referrers_types=dict(type="list", elements="str"),
            repositories=dict(type="dict", options=dict(regex=dict(type="raw"), exclude=dict(type="raw"))),
            tags=dict(type="raw"),
            untagged=dict(type="str", choices=["all"]),
            max_tags=dict(type="int"),
            target_prefix=dict(type="str"),
            lock=dict(type="bool"),
            prune=dict(type="raw"),
            prune_untagged=dict(type="bool"),
            backup=dict(type="str"),
        )),
        concurrency=dict(type="int", default=8),
        keep_going=dict(type="bool", default=True),
        unreadable_source=dict(type="str", default="fail", choices=["fail", "keep", "reimport"]),
        target_reads=dict(type="str", default="auto", choices=list(target_reads.MODES)),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=900),
        polling_interval=dict(type="int", default=5),
        journal_dir=dict(type="path", default=running_imports.DEFAULT_JOURNAL_DIR, fallback=(env_fallback, ["ACROPS_JOURNAL_DIR"])),
        lock=dict(type="bool", default=False),
        prune=dict(type="raw", default=False),
        max_deletes=dict(type="int", default=10),
        prune_untagged=dict(type="bool", default=False),
        untagged_grace_hours=dict(type="int", default=24),
        backup=dict(type="str"),
        backup_keep=dict(type="int", default=3),
    )
    spec.update(AUTH_ARGUMENT_SPEC)
    spec.update(RETRY_ARGUMENT_SPEC)
    spec["progress_interval"] = dict(type="int", default=progress.DEFAULT_INTERVAL)
    spec["source_rate_limit"] = dict(type="dict", options=dict(min_remaining=dict(type="int", default=0)))
    spec["max_images"] = dict(type="int", default=1000)
    return spec


def action_lines(result):
    lines = []
    platform = " [%s]" % result["platform"] if result.get("platform") else ""
    for target in result.get("targets", []) + result.get("untagged", []):
        verb = VERBS.get(target["action"])
        if target["action"] == planner.UNKNOWN and result.get("targets") is not None:
            lines.append("Unknown for %s%s as %s: %s" % (result["source"], platform, target["name"], target.get("reason") or "not readable"))
        elif target["action"] == planner.EXISTS_UNVERIFIED:
            lines.append("Kept %s (exists, digest not compared) for %s%s" % (target["name"], result["source"], platform))
        elif verb:
            lines.append("%s %s%s (%s) as %s" % (verb, result["source"], platform, (result.get("source_digest") or "digest unknown")[:19],
                                                 target["name"]))
        filtered = result.get("filtered_index") or {}
        if verb and filtered and target["name"] in filtered.get("pushed", []) + filtered.get("would_push", []):
            lines.append("%s filtered index %s (%s of %s) under %s" % ("Would push" if target["action"].startswith("would") else "Pushed",
                                                                       filtered["digest"][:19], ", ".join(filtered["platforms"]),
                                                                       filtered["source_digest"][:19], target["name"]))
        backup = target.get("backup") or {}
        if backup.get("action") in VERBS:
            lines.append("%s %s (%s) of %s as backup %s" % (VERBS[backup["action"]], target["name"], backup["digest"][:19], result["source"],
                                                            backup["name"]))
        lock = (target.get("lock") or {}).get("action")
        if lock in LOCK_VERBS:
            lines.append("%s %s (writeEnabled and deleteEnabled false)" % (LOCK_VERBS[lock], target["name"]))
    for referrer in result.get("referrers") or []:
        verb = REFERRER_VERBS.get(referrer["action"])
        if verb:
            lines.append("%s referrer %s (%s) of %s into %s%s" % (
                verb, referrer["digest"][:19], referrer.get("artifact_type") or "unknown type", result["source"], referrer["repository"],
                " as tag " + referrer["tag"] if referrer.get("tag") else ""))
    return lines


def policy_lines(policies):
    lines = []
    for policy in policies:
        if policy.get("failed"):
            continue
        selected = policy["selected"]
        lines.append("Tag policy of %s selected %d of %d tags of %s%s" % (
            policy["label"], len(selected), policy["listed"] or 0, policy["source"], (": " + ", ".join(selected)) if selected else ""))
    return lines


def selection_lines(selections):
    return ["Repository selection of %s selected %d of %d repositories%s" % (
        s["label"], len(s["selected"]), s["listed"], (": " + ", ".join(s["selected"])) if s["selected"] else "")
        for s in selections if not s.get("failed")]


def check_max_images(requests, limit):
    """A run-level guard, before any import: an entry that names a registry can select far more than meant."""
    if len(requests) > limit:
        raise AcrOpsError("this run selects %d images, more than max_images (%d); nothing was imported: narrow the entries (repositories "
                          "regex/exclude, tag policies) or raise max_images to at least %d" % (len(requests), limit, len(requests)),
                          code="TOO_MANY_IMAGES")


def delete_lines(deleted, check_mode):
    return ["%s %s (%s), pruned" % ("Would delete" if check_mode else "Deleted", name, (digest or "")[:19]) for name, digest in sorted(deleted.items())]


def diff_of(results, deleted=None):
    before, after = {}, {}
    locks_before, locks_after = {}, {}
    for result in results:
        for target in result.get("targets", []) + result.get("untagged", []):
            before[target["name"]] = target["before"]
            after[target["name"]] = target["after"]
            if target.get("lock"):
                locks_before[target["name"]], locks_after[target["name"]] = target["lock"]["before"], target["lock"]["after"]
    for name, digest in (deleted or {}).items():
        before[name], after[name] = digest, None
    shown = {"before": {"targets": before}, "after": {"targets": after}}
    if locks_after:
        shown["before"]["locks"], shown["after"]["locks"] = locks_before, locks_after
    return shown


class AcrImport:
    """Validate everything, then build clients once, resolve registries, and run the images."""

    def __init__(self, params, check_mode, show=None):
        self.params = params
        self.check_mode = check_mode
        self.target_reads = None
        self.data_token = None
        self.show = show
        self.catalog_entries, self.defaults = [], {}
        self.source_acrs = {}  # source_registry as written -> arm.Registry: a registry's repositories resolve it once
        by_host = self.params.get("source_credentials")
        self.redactor = Redactor([self.params.get("secret"), self.params.get("source_password")]
                                 + [i.get("source_password") for i in self.params.get("images") or [] if isinstance(i, dict)]
                                 + [login.get("password") for login in (by_host.values() if isinstance(by_host, dict) else ())
                                    if isinstance(login, dict)])

    def validate(self):
        params = self.params
        check_strings(params)
        check_registry_name(params["registry"])
        for key, minimum in (("concurrency", 1), ("timeout", 1), ("polling_interval", 1), ("max_tags", 1), ("tag_list_budget", 1),
                             ("progress_interval", 0), ("max_images", 1), ("max_deletes", 0), ("untagged_grace_hours", 0),
                             ("backup_keep", 0)):
            if params[key] < minimum:
                raise AcrOpsError("%s must be at least %d" % (key, minimum))
        settings = validate_auth(params)
        RetryPolicy.from_params(params)  # bounds of retries and retry_max_wait, before any call
        if (params.get("source_rate_limit") or {}).get("min_remaining", 0) < 0:
            raise AcrOpsError("source_rate_limit.min_remaining must be at least 0")
        if params.get("source_registry"):
            check_source_registry(params["source_registry"], "source_registry")
        for index, image in enumerate(params.get("images") or []):
            if isinstance(image, dict) and image.get("source_registry"):
                check_source_registry(image["source_registry"], "images[%d].source_registry" % index)
        by_host = image_requests.parse_source_credentials(params.get("source_credentials"))
        if params.get("images") is not None:
            if not params["images"]:
                raise AcrOpsError("images is an empty list: list at least one image, or use source")
            if params.get("source_username") or params.get("source_password"):
                # They once became every entry's credentials, whatever its registry: a Docker Hub token then reached ghcr.io.
                raise AcrOpsError("source_username/source_password are the credentials of source, and images has no module-level "
                                  "source: give source_credentials: {HOST: {username, password}} (used for the entries on HOST only), "
                                  "or each entry its own source_username/source_password")
            defaults = dict((k, params.get(k)) for k in ("source_registry", "force", "platform", "platforms", "referrers", "referrers_types", "lock", "prune",
                                                         "prune_untagged", "backup"))
            defaults["source_credentials"] = by_host
            if params.get("tag_policy") is not None:
                raise AcrOpsError("tag_policy goes on each entry of images (images[N].tag_policy), not beside images: write it into the "
                                  "entries it applies to")
            pending = image_requests.validate_batch(params["images"], defaults)
            self.defaults = defaults
            self.catalog_entries = [repository_selection.validate_entry(index, spec, defaults, "images[%d] (%s)" % (index, spec.get("source")))
                                    for index, spec in enumerate(params["images"]) if repository_selection.is_catalog_entry(spec)]
        else:
            pending = [image_requests.validate_image(dict((k, params.get(k)) for k in IMAGE_KEYS), {"source_credentials": by_host}, "source")]
        return settings, pending

    @staticmethod
    def skipped(request):
        return {"source": str(request.source), "label": request.label, "changed": False, "failed": True, "skipped": True,
                "msg": "not attempted: a tag policy failed and keep_going is false", "warnings": []}

    def resolve(self, clients, pending):
        """Resolve source ACRs (name / login server / resource ID) and ACR-hosted sources to registries."""
        resolved = []
        for item in pending:
            source_acr, ref = None, item.source
            if item.source_registry:
                source_acr = self.source_acr(clients, item.source_registry)
                ref = image_requests.bind_source_registry(ref, source_acr.login_server)
            elif image_requests.is_entra_acr_source(item, clients.cloud.acr_suffix):
                matches = [r for r in clients.arm.list_registries() if (r.login_server or "").lower() == ref.registry.lower()]
                source_acr = matches[0] if matches else None
            if source_acr is not None:
                clients.registry_client.add_acr(source_acr.login_server, source_acr.role_assignment_mode, source_acr.name)
            resolved.append(item.resolved(source_acr, ref))
        return resolved

    def source_acr(self, clients, text):
        if text not in self.source_acrs:
            self.source_acrs[text] = clients.arm.resolve_registry(text)
        return self.source_acrs[text]

    def select_repositories(self, clients, budget):
        """The catalog entries' repositories -> (their ImageRequests, resolved sources, with tag policies; selection reports;
        failure results of listings that failed)."""
        specs, reports = repository_selection.expand(self.catalog_entries, repository_selection.Catalogs(clients.registry_client), budget,
                                                     lambda text: self.source_acr(clients, text), clients.cloud.acr_suffix)
        items = [image_requests.validate_image(spec, self.defaults, spec["label"]) for index in sorted(specs) for spec in specs[index]]
        failures = [repository_selection.failure_result(r) for r in reports if r["failed"]]
        # expand() reports every entry once, in order: a repository's entry label -> its selection's label (for the counts)
        owners = dict((spec["label"], report["label"]) for entry, report in zip(self.catalog_entries, reports) for spec in specs.get(entry.index, ()))
        return items, reports, failures, owners

    def scrubbed_show(self, line, verbosity):
        self.show(self.redactor.scrub(line), verbosity)

    def expand_policies(self, ctx, requests, budget):
        """policy_expansion.expand_policies, with a progress line while the tags are listed when something can show it."""
        params = self.params
        listings = sum(1 for r in requests if r.policy is not None)
        if self.show is None or not listings:
            return policy_expansion.expand_policies(ctx, requests, params["max_tags"], budget, params["concurrency"])
        told = progress.ListingProgress(listings, self.scrubbed_show, params["progress_interval"]).start()
        try:
            return policy_expansion.expand_policies(ctx, requests, params["max_tags"], budget, params["concurrency"], told.finished)
        finally:
            told.stop()

    def run_batch(self, ctx, requests):
        """importer.run_batch, told as it goes when something can show it (show, from the in-process action)."""
        params = self.params
        if self.show is None:
            return importer.run_batch(ctx, requests, params["concurrency"], params["keep_going"])
        told = progress.Progress(len(requests), self.scrubbed_show, params["progress_interval"]).start()
        try:
            return importer.run_batch(ctx, requests, params["concurrency"], params["keep_going"], told)
        finally:
            told.stop()

    def run(self):
        started = time.time()
        settings, pending = self.validate()
        params = self.params
        pool_size = max(8, params["concurrency"] * 2)
        registry_client, cloud = connect_registries(params, self.redactor, settings, pool_size)
        untagged_manifests.check_sources(pending, self.catalog_entries, cloud.acr_suffix)
        prefetch = SourcePrefetch(registry_client, params["concurrency"])
        try:
            # Source reads need nothing from Azure: they run while the credential, Entra and Resource Manager are reached.
            prefetch.start(pending, cloud.acr_suffix)
            clients = connect_azure(params, self.redactor, settings, registry_client, cloud, pool_size)
            self.data_token = clients.data_token
            target = clients.arm.get_registry(params["registry"], params.get("resource_group"))
            clients.registry_client.add_acr(target.login_server, target.role_assignment_mode, target.name)
            clients.arm.running = running_imports.RunningImports(params.get("journal_dir"))
            earlier = clients.arm.running.claim_leftovers(target.id or target.name)
            requests = self.resolve(clients, pending)
            self.target_reads = target_reads.TargetReads(params["target_reads"], target.name)
            ctx = importer.Context(clients.arm, clients.registry_client, target, self.redactor, self.check_mode,
                                   params["wait"], params["timeout"], referrer_import.RunDiscovery(clients.registry_client), prefetch,
                                   params["unreadable_source"], self.target_reads, clients.registry_client.retry_policy,
                                   SourceQuota(clients.registry_client.rate_limits, (params.get("source_rate_limit") or {}).get("min_remaining", 0)))
            budget = RequestBudget(params["tag_list_budget"])
            selections, listing_failures, rows = [], [], []
            if self.catalog_entries:
                selected, selections, listing_failures, owners = self.select_repositories(clients, budget)
                selected = self.resolve(clients, selected)
                rows = [repository_counts.row(owners[r.label], r.label, str(r.source), r.repositories[0]) for r in selected]
                requests += selected
            policy_requests = [r for r in requests if r.policy is not None]
            importer.announce(ctx, requests)  # the listings below batch their token scopes too
            untagged, untagged_reports, untagged_failures = untagged_manifests.expand(ctx, requests, budget, params["concurrency"])
            requests, policies, failures = self.expand_policies(ctx, requests, budget)
            requests += untagged
            failures = listing_failures + untagged_failures + failures
            check_max_images(requests, params["max_images"])
            if failures and not params["keep_going"]:
                results = failures + [self.skipped(r) for r in requests]
            else:
                results = failures + self.run_batch(ctx, requests) if requests else failures
            grace = params["untagged_grace_hours"] * 3600
            prune_failures, deleted = pruner.prune_policies(ctx, policy_requests, policies, results, params["max_deletes"], grace,
                                                            params["backup_keep"])
            results += prune_failures
        finally:
            prefetch.close()
        output = {"changed": any(r.get("changed") for r in results) or bool(deleted), "registry": registry_summary(target),
                  "actions": policy_lines(policies) + [line for r in results for line in action_lines(r)] + delete_lines(deleted, self.check_mode),
                  "diff": diff_of(results, deleted)}
        if any(r.prune or r.prune_untagged for r in policy_requests):
            output["would_delete" if self.check_mode else "deleted"] = sorted(deleted)
        if earlier:
            output["earlier_running_imports"] = earlier
            if not self.check_mode:  # reported by a run that read their targets: the journal can let them go
                clients.arm.running.forget_claimed()
        if policies:
            output.update(policies=policies, tag_list_requests=budget.used)
        if selections:
            counted, totals = repository_counts.tally(rows, results, importer.count)
            for selection in selections:
                if selection["label"] in totals:
                    selection["counts"] = totals[selection["label"]]
            output.update(repository_selections=selections, repository_counts=counted, tag_list_requests=budget.used)
            output["actions"] = (selection_lines(selections) + repository_counts.action_lines(selections, counted, self.check_mode)
                                 + output["actions"])
        if untagged_reports:
            output.update(untagged_selections=untagged_reports, tag_list_requests=budget.used)
            output["actions"] = untagged_manifests.report_lines(untagged_reports) + output["actions"]
        if params.get("images") is not None or params.get("tag_policy") is not None:
            output.update(results=results, counts=importer.count(results))
        else:
            output.update(results[0])
            output.pop("label", None)
            output.pop("warnings", None)  # execute() returns each one as a warning: once, not twice
        output["elapsed"] = round(time.time() - started, 3)
        return self.redactor.scrub_data(output), results


def execute(params, check_mode, diff, show=None):
    """One run -> Outcome(result, warnings, failed): the result the task returns (with msg when failed, secrets scrubbed) and
    the warnings to show. A bug is a failed result too (module_runner.guarded), so that its message and traceback pass the
    redactor. show(line, verbosity): where live progress goes (None: nowhere, as from a module)."""
    runner = AcrImport(params, check_mode, show)
    return guarded(runner.redactor, lambda: outcome_of(runner, diff))


def deferral_warnings(results, min_remaining, check_mode):
    """What the Docker Hub pull quota held back (source_quota.py): images, and referrers of imported images."""
    def listed(items):
        return ", ".join(items[:10]) + (" and %d more" % (len(items) - 10) if len(items) > 10 else "")

    warnings = []
    deferred = [r for r in results if r.get("deferred")]
    if deferred:
        warnings.append("%d image(s) %s: the Docker Hub pull quota of their credentials would not cover them "
                        "(source_rate_limit.min_remaining %d); they are reported %s, run again after %s: %s" % (
                            len(deferred), "would not be imported" if check_mode else "were not imported", min_remaining,
                            importer.WOULD_DEFER if check_mode else importer.DEFERRED, max(r["deferred_until"] for r in deferred),
                            listed([r["source"] for r in deferred])))
    held = [r for r in results if r.get("referrers_deferred_until")]
    if held:
        warnings.append("referrers of %d image(s) %s: the Docker Hub pull quota of their credentials would not cover them; run again "
                        "after %s: %s" % (len(held), "would not be copied" if check_mode else "were not copied",
                                          max(r["referrers_deferred_until"] for r in held), listed([r["source"] for r in held])))
    return warnings


def outcome_of(runner, diff):
    output, results = runner.run()
    run_warnings = (runner.data_token.warnings if runner.data_token else []) + (runner.target_reads.warnings if runner.target_reads else [])
    warnings = [runner.redactor.scrub(warning) for warning in run_warnings]
    earlier = output.get("earlier_running_imports")
    if earlier:
        warnings.append(runner.redactor.scrub(
            "an earlier run into this registry was stopped while %d import(s) ran in Azure (they go on without it): %s; what they "
            "wrote was read again and is in this run's results" % (len(earlier), ", ".join(
                "%s (operation %s, started %s)" % (e.get("source"), e.get("operation_url"), e.get("started")) for e in earlier))))
    warnings.extend(deferral_warnings(results, (runner.params.get("source_rate_limit") or {}).get("min_remaining", 0), runner.check_mode))
    for policy in output.get("policies") or []:
        warnings.extend(runner.redactor.scrub(warning) for warning in policy.get("warnings") or [])
    warnings.extend(runner.redactor.scrub(s["warning"]) for s in output.get("repository_selections") or [] if s.get("warning"))
    for result in results:
        warnings.extend(runner.redactor.scrub("%s: %s" % (result["source"], warning)) for warning in result.get("warnings") or [])
    if not diff:
        output.pop("diff", None)
    failed = [r for r in results if r.get("failed")]
    if failed:
        output.pop("failed", None)
        msg = output.pop("msg", None) if len(results) == 1 and "msg" in output else "%d of %d images failed: %s" % (
            len(failed), len(results), "; ".join("%s: %s" % (r["source"], r.get("msg")) for r in failed[:10]))
        output["msg"] = runner.redactor.scrub(msg)
    return Outcome(output, warnings, bool(failed))
