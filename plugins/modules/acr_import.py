#!/usr/bin/python
# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: acr_import
short_description: Import container images into Azure Container Registry server-side, only when needed
version_added: 0.1.0
description:
  - Copies images into an Azure Container Registry (ACR) with ACR's C(importImage) operation. The bytes go from the source registry
    (Docker Hub, GHCR, quay, MCR, another ACR, any OCI registry) straight into ACR, never through the machine that runs Ansible.
  - Idempotent and digest-aware. Before importing it reads the source's manifest digest (one C(HEAD), which Docker Hub does not count
    against its pull limit) and the state of each target tag. It imports only the targets that are missing or, with O(force), hold
    another digest, and imports by digest so that what lands is what was planned. A tag that already holds the source digest is never
    imported again, even with O(force).
  - Without O(force), a target tag that holds another digest is left alone and reported as C(drifted). A locked tag
    (C(writeEnabled=false)) that would have to change fails the image before any import.
  - Check mode reports exactly what a real run would do; diff mode shows each target's digest before and after.
  - The batch form (O(images)) imports many images in one module run, concurrently, sharing credentials, token caches and connections.
  - A tag policy (O(tag_policy), O(images[].tag_policy)) mirrors the tags of a source repository chosen by regular expression, semver
    range and/or newest N instead of a fixed list; the source's tags are listed first, then every selected tag is planned and imported
    as above.
  - O(platform) imports one platform of a multi-platform image instead of the whole index.
  - O(referrers) also copies what refers to the image (Notation and cosign signatures, SBOMs, attestations), server-side and by
    digest, so that a registry that verifies signatures accepts the mirrored image.
author:
  - acrops.registry contributors (@acrops)
extends_documentation_fragment:
  - acrops.registry.attributes
  - acrops.registry.auth
  - acrops.registry.requirements
  - acrops.registry.retries
attributes:
  check_mode:
    support: full
    description: Reads the source and targets and reports the plan (C(would_import), C(would_overwrite)); makes no change.
  diff_mode:
    support: full
    description: Shows each target's digest before and after.
  idempotent:
    support: full
    description: A second run with the same input reports C(changed=false) and calls no import.
options:
  registry:
    description: The name of the target registry (5-50 letters and digits), not its login server.
    type: str
    required: true
  resource_group:
    description: The target registry's resource group. When omitted it is found by listing the subscription's registries.
    type: str
  source:
    description:
      - The image to import, as users write it, normalised the way Docker does it. V(nginx:1.25) is
        C(docker.io/library/nginx:1.25); V(grafana/grafana:10.2.0), V(ghcr.io/org/app:v2), V(mcr.microsoft.com/dotnet/aspnet:8.0),
        V(myacr.azurecr.io/app@sha256:...) and V(repo:tag@sha256:...) (the digest is imported) all work.
      - With O(source_registry), only the image path inside that registry (V(app:1.2), V(team/app@sha256:...)).
      - Exactly one of O(source) and O(images) is required.
    type: str
  source_registry:
    description:
      - The source is an Azure Container Registry, given as ARM resource ID, name (same subscription) or login server. The import then
        authenticates with the caller's Entra identity (no registry credentials), across subscriptions when given by resource ID.
    type: str
  source_username:
    description:
      - Username for the registry of O(source). Requires O(source_password).
      - Not with O(images), which has no module-level source; use O(source_credentials) or each entry's own credentials there.
    type: str
  source_password:
    description:
      - Password or token for the registry of O(source). A token alone (without O(source_username)) is accepted. Never logged.
      - Not with O(images) (see O(source_username)).
    type: str
  source_credentials:
    description:
      - "Source registry credentials per registry host, as C({HOST: {username, password}}), e.g.
        C({docker.io: {username: bot, password: TOKEN}, ghcr.io: {password: TOKEN}}); a token alone goes in C(password)."
      - An image (O(source), or an entry of O(images)) gets the credentials of its own registry host only. Hosts match whatever
        their case, and V(docker.io), V(index.docker.io), V(registry-1.docker.io) and V(registry.hub.docker.com) are one host
        (Docker Hub). An image on a host that is not listed gets none and is read anonymously.
      - An image's own O(source_username)/O(source_password) (O(images[].source_username)/O(images[].source_password)) win. Images
        with O(source_registry) use Azure credentials and get none.
      - Never logged. Ansible masks every value of this option in the task's output, the usernames too.
    type: dict
  targets:
    description:
      - Target tags in the registry, as C(repo[:tag]); a target without a tag gets the source tag.
      - Default, the source named by the collection's one naming rule (the same as the P(acrops.registry.acr_mirror#role) role's), with
        the source tag. C(docker.io/library/), C(docker.io/) and C(mcr.microsoft.com/) are dropped (V(docker.io/library/nginx:1.25)
        becomes C(nginx:1.25)), an image in another ACR keeps its path, any other host stays (V(ghcr.io/org/app:v1) lands in
        C(ghcr.io/org/app:v1); a port's C(:) becomes C(-)). Details and examples in the collection's C(docs/naming.md).
      - A source given by digest only needs explicit targets.
    type: list
    elements: str
  untagged_repositories:
    description: Repositories that get a manifest-only copy (no tag).
    type: list
    elements: str
  force:
    description:
      - Overwrite target tags that hold another digest (a moved upstream tag). Only those targets are overwritten.
      - Without it such tags are reported as C(drifted) and left alone.
    type: bool
    default: false
  tag_policy:
    description:
      - Mirror the tags of O(source) that this policy selects, instead of one tag. O(source) is then a repository without tag or digest
        (V(docker.io/library/nginx)) and O(targets) are repositories without tag (default, the source repository named as for a single
        image); every selected tag is imported into each of them under its own name.
      - The source's tags are read with the distribution API (C(GET /v2/<repo>/tags/list), paged), once per repository and run, counted
        against O(tag_list_budget). Then C(regex), C(exclude), C(semver) and C(latest) apply in this order; each is optional, at least one
        is required.
      - A policy that selects no tag is a warning. A policy that selects more than O(max_tags) tags fails (with the count) before any import.
      - The result lists what each policy selected (RV(policies)); check mode shows the selection and what would be imported.
      - With a policy the result has the batch form (RV(results), RV(counts)), one result per selected tag.
    type: dict
    suboptions:
      regex:
        description:
          - Keep only tags that fully match this regular expression (Python syntax), or one of these.
          - V(1\\.25\\.[0-9]+) keeps C(1.25.3) but not C(1.25.3-alpine) nor C(1.25).
        type: raw
      exclude:
        description: Drop tags that fully match this regular expression, or one of these (e.g. V(.*-(alpine|perl\))).
        type: raw
      semver:
        description:
          - Keep only tags that are versions inside this range, written as npm's node-semver does it. Tags that are not versions are
            dropped by this filter.
          - Comparators separated by spaces must all hold (V(>=1.25 <1.27)), C(||) separates alternatives, C(~1.25), C(^16), C(1.x) and
            V(*) work as in npm. A partial version stands for its whole line (V(1.25) is C(>=1.25.0 <1.26.0-0)).
          - Tags are read loosely as versions. A leading C(v) is tolerated, C(1.25) is 1.25.0, and C(22.04) is 22.4.0.
          - Everything after the first C(-) is a pre-release in semver's grammar, also C(-alpine) or C(-bookworm). As in npm a range
            excludes pre-releases unless one of its comparators names a pre-release of the same version. To mirror such variants use
            O(tag_policy.regex) with O(tag_policy.latest) and no range.
        type: str
      latest:
        description:
          - Keep the newest N of the tags left by the other filters, by semver precedence (newest first).
          - Tags that are not versions (C(latest), C(stable), C(sha-3f2a9c1)) cannot be ranked and are left out; the policy's C(notes)
            say so. They are not ranked by creation time, which would cost a manifest and a config read per tag.
          - Pre-releases are ranked too; add O(tag_policy.semver=*) to rank released versions only.
        type: int
  platform:
    description:
      - Import only this platform's image (V(linux/amd64), V(linux/arm64), V(linux/arm/v7)) of a multi-platform source. ACR imports a
        whole index (at most 50 manifests); this imports the one child manifest under the target tag instead.
      - The source's manifest is read with C(HEAD); only when it is an index is the index fetched (one C(GET), which Docker Hub counts
        against its pull limit) to pick the child. Idempotence compares the target with the child's digest.
      - What is lost is the index itself (the target is a plain single-platform manifest with another digest than the source tag),
        the other platforms, and attestations and signatures attached to the index (buildx provenance/SBOM manifests).
      - A source that is a single manifest is imported as it is, with a warning; its platform is not checked.
      - In O(images), the default for entries that set none.
    type: str
  platforms:
    description:
      - Keep only these platforms (V([linux/amd64, linux/arm64])) of a multi-platform source. Mutually exclusive with O(platform);
        not with O(untagged_repositories). In O(images), the default for entries that set neither O(platform) nor O(platforms).
      - The source is read with a C(HEAD) and its index fetched with one C(GET) (Docker Hub counts it against its pull limit), every
        run. An index that holds only these platforms (and buildx attestation manifests) is imported whole, as without this option.
      - 'Any other index is filtered: each wanted child is imported by digest, server-side, as a manifest-only copy into the
        target repository (C(untaggedTargetRepositories)); then an index that lists only those children (the source index''s
        media type and annotations kept, the other descriptors dropped) is pushed under the target tag from the machine that runs
        Ansible (a few KB, no layers). This push needs push rights on the target repository (AcrPush, or Container Registry
        Repository Writer), which import alone does not.'
      - The filtered index has another digest than the source's index (RV(filtered_index)), and the result warns about it.
        Signatures and attestations made over each platform's image still verify (O(referrers) copies them, the children's
        referrers); those made over the source index do not match the target tag. See docs/platforms.md.
      - The filtered index's bytes are the same for the same source index (sorted keys, no whitespace), so a run after it finds the
        target tag at that digest and imports and pushes nothing. Check mode reads and predicts, writes nothing.
      - A wanted platform the index lacks fails the image, naming the platforms it has. A source that is a single manifest is imported
        as it is when its platform (read from its config, one more C(GET)) is one of these, and fails otherwise.
    type: list
    elements: str
  referrers:
    description:
      - Also copy the image's referrers, which ACR's import leaves behind, into every target repository of the image. These are
        signatures (Notation, cosign), SBOMs and attestations.
      - After the image is in place (or found current), its referrers are discovered on the source. Discovery uses the OCI 1.1
        referrers API, or the referrers tag schema (C(sha256-<hex>)) on registries without it, and cosign's tags
        (C(sha256-<hex>.sig), C(.att), C(.sbom)). Referrers of referrers are followed one level (a signature of an SBOM). For a whole
        multi-platform index the referrers of the index and of each child are copied; with O(platform), those of the imported child;
        with a filtered index (O(platforms)), those of the kept children (not those of the source index, which is not in the target).
      - Each referrer that the target repository does not hold yet (one C(HEAD) by digest) is imported by digest as a manifest-only copy
        (C(untaggedTargetRepositories)). Its digest, and so its link to the image, is kept, and ACR's referrers API lists it. cosign's
        tags are imported under the same tag name, since cosign finds them by tag; a cosign tag that holds the source's digest is left
        alone, one that holds another digest (a signature added to the mirror) is reported C(drifted) and kept unless O(force) is set.
      - No image bytes pass through the machine that runs Ansible. Discovery costs C(HEAD) requests and, per image, at most one C(GET)
        of an index (Docker Hub counts it against its pull limit) and one C(GET) of the referrers list or tag-schema index per digest
        that has one.
      - A referrer that cannot be discovered or copied fails its image; the image itself stays imported.
      - Not done with O(wait=false), since the image is not known to be in place; a warning says so.
      - In O(images), the default for entries that set none.
    type: bool
    default: false
  referrers_types:
    description:
      - With O(referrers), copy only referrers of these artifact types, e.g. V(application/vnd.cncf.notary.signature) or
        V(application/spdx+json). Default, every type.
      - cosign's tags carry no artifact type; they are matched as C(application/vnd.dev.cosign.artifact.sig.v1+json) (C(.sig)),
        C(application/vnd.dsse.envelope.v1+json) (C(.att)) and C(application/vnd.dev.cosign.artifact.sbom.v1+json) (C(.sbom)).
      - A referrer of a referrer is copied only when both types are on the list.
      - In O(images), the default for entries that set none.
    type: list
    elements: str
  max_tags:
    description: The most tags one tag policy may select. A policy that selects more fails with the count, so that a typo cannot import
      a thousand tags.
    type: int
    default: 50
  tag_list_budget:
    description:
      - The most requests this run may spend listing source tags (one per page of up to 1000 tags, plus each retry after a 429 or 5xx).
        A listing that would go over fails its policy. Repositories listed twice are listed once.
      - Docker Hub may count tag listing against its rate limits; HTTP 429 answers are retried with backoff, honouring C(Retry-After).
    type: int
    default: 100
  images:
    description:
      - The batch form; each entry takes O(source), O(targets), O(untagged_repositories), O(source_registry), O(source_username),
        O(source_password), O(force) (defaulting to the module-level value), O(tag_policy), O(platform), O(referrers) and
        O(referrers_types) (defaulting to the module-level values) plus an optional C(label) echoed in its result.
      - Source credentials are never shared between registries. An entry uses its own O(images[].source_username) and
        O(images[].source_password), else the O(source_credentials) of its registry host, else none. Module-level
        O(source_username)/O(source_password) are refused beside O(images), since they once became every entry's credentials,
        whatever its registry.
      - One target fed by two different sources is an error, also when a tag policy selected it.
    type: list
    elements: dict
    suboptions:
      source:
        description: As O(source).
        type: str
        required: true
      targets:
        description: As O(targets).
        type: list
        elements: str
      untagged_repositories:
        description: As O(untagged_repositories).
        type: list
        elements: str
      source_registry:
        description: As O(source_registry).
        type: str
      source_username:
        description: Username for this entry's source registry. Requires O(images[].source_password).
        type: str
      source_password:
        description:
          - Password or token for this entry's source registry, sent to that registry only. Never logged.
          - Default, the O(source_credentials) of the entry's registry host, if any.
        type: str
      force:
        description: As O(force); defaults to the module-level O(force).
        type: bool
      label:
        description: A name for this entry, echoed in its result (the C(acr_mirror) role passes the inventory entry).
        type: str
      tag_policy:
        description: As O(tag_policy).
        type: dict
        suboptions:
          regex:
            description: As O(tag_policy.regex).
            type: raw
          exclude:
            description: As O(tag_policy.exclude).
            type: raw
          semver:
            description: As O(tag_policy.semver).
            type: str
          latest:
            description: As O(tag_policy.latest).
            type: int
      platform:
        description: As O(platform); defaults to the module-level O(platform).
        type: str
      platforms:
        description: As O(platforms); defaults to the module-level O(platforms) when the entry sets neither O(images[].platform) nor this.
        type: list
        elements: str
      referrers:
        description: As O(referrers); defaults to the module-level O(referrers).
        type: bool
      referrers_types:
        description: As O(referrers_types); defaults to the module-level O(referrers_types).
        type: list
        elements: str
      repositories:
        description:
          - Makes this entry name a registry or a namespace instead of one repository. O(images[].source) is then
            C(HOST[/NAMESPACE]) (with O(images[].source_registry), the C(NAMESPACE) inside that ACR, or C(/) for all of it).
          - The repositories come from the source's catalog, listed once per run and paged (an ACR with the run's Entra identity
            through C(/acr/v1/_catalog), which needs a role that lists the catalog; other registries through C(/v2/_catalog));
            every page counts against O(tag_list_budget). Docker Hub serves no catalog - such an entry is refused before any
            call - name its repositories instead.
          - Each selected repository keeps its path (docs/naming.md) and gets the entry's O(images[].tags) or O(images[].tag_policy),
            which one of them is required; O(images[].targets) and O(images[].untagged_repositories) do not apply.
        type: dict
        suboptions:
          regex:
            description: Keep repositories whose path below the namespace fully matches this regular expression (or one of a list).
            type: raw
          exclude:
            description: Drop repositories whose path below the namespace fully matches this regular expression (or one of a list).
            type: raw
      tags:
        description:
          - V(all) - every tag of the source repository (or of each repository of O(images[].repositories)); the explicit way
            past O(max_tags), while O(images[].max_tags) still applies when set.
          - Or a list of tags, each taken from the repositories that have it.
          - Not together with O(images[].tag_policy).
        type: raw
      untagged:
        description:
          - V(all) - also copy every untagged manifest of the source repository (of each repository of O(images[].repositories)),
            by digest and without a tag (C(untaggedTargetRepositories)) into the entry's target repository, so that a migration keeps
            the digests deployments pin. Needs O(images[].tags) or O(images[].tag_policy) and an ACR source read with the run's
            Azure identity (O(images[].source_registry), or an ACR login server without source credentials); any other source is
            refused before any call.
          - The manifests come from the source's C(/acr/v1/{repo}/_manifests) listing, paged, every page counted against
            O(tag_list_budget). Children of an index listed in the repository come with their index and, with O(images[].referrers),
            referrers of a manifest of the repository come with it, so neither is copied on its own.
          - One copy is one image (counted in O(max_images)); one already in the target repository (a C(HEAD) by digest) is
            V(unchanged), and check mode predicts each copy.
        type: str
        choices: [all]
      max_tags:
        description: The most tags this entry's O(images[].tag_policy) or O(images[].tags) may select per repository (default
          O(max_tags), none for V(all)).
        type: int
      target_prefix:
        description: With O(images[].repositories), put in front of each selected repository's target name (the C(acr_mirror) role's
          C(acr_mirror_target_prefix)).
        type: str
      lock:
        description: As O(lock); defaults to the module-level O(lock).
        type: bool
      prune:
        description: As O(prune), for this entry's O(images[].tag_policy); defaults to the module-level O(prune). An entry without a
          tag policy cannot prune.
        type: raw
      prune_untagged:
        description: As O(prune_untagged), for this entry's O(images[].tag_policy); defaults to the module-level O(prune_untagged).
        type: bool
      backup:
        description: As O(backup); defaults to the module-level O(backup).
        type: str
  concurrency:
    description: How many images of O(images) are processed at once.
    type: int
    default: 8
  unreadable_source:
    description:
      - What to do when the source's digest cannot be read from the controller (a timeout, a reset, a malformed answer, after the
        client's retries). Without the digest a current tag cannot be told from a moved one.
      - V(fail) fails that image (C(error_code) C(SOURCE_UNREADABLE)) and imports nothing.
      - V(keep) plans on tag existence, for a source that only ACR can reach. Absent tags are imported, existing ones are kept
        (reported C(exists_unverified), with a warning), whatever O(force) says.
      - V(reimport) plans on tag existence and re-imports every existing tag with C(Force), unverified, on every run (a locked tag
        fails the image).
      - A source written by digest needs no read and never falls under this option; with O(platform) an unreadable source always fails.
      - A source ACR found through Resource Manager whose network rules refuse the controller (HTTP 403 C(DENIED), firewall or private
        endpoint) is planned as with V(keep) whatever this option says, with a warning; ACR's import reaches it by resource ID when it
        allows trusted Azure services (C(networkRuleBypassOptions) C(AzureServices)); otherwise the import fails with a hint naming
        both settings. See docs/network.md.
    type: str
    choices: [fail, keep, reimport]
    default: fail
  target_reads:
    description:
      - Whether the target registry's data plane (its tags, read to compare digests and verify) is read from the controller. A registry
        behind a firewall or a private endpoint refuses those reads (HTTP 403 C(DENIED), "client with IP ... is not allowed access")
        while its import, a Resource Manager call, still works. See docs/network.md.
      - V(auto) reads it; the first network refusal or connection failure switches the rest of the run to planning without reads,
        with one warning naming the cause and the ways out (run inside the network, or allow the controller's IP address).
      - Planning without reads imports every tag with C(NoForce) (C(Force) with O(force), digests not compared); a tag the service
        says exists is reported C(exists_unverified), never C(unchanged) or C(imported); nothing is C(verified); check mode reports
        C(unknown) per target with the reason. Referrers are not copied.
      - V(never) plans without reads from the start and sends no request to the target's data plane. V(always) fails an image whose
        target cannot be read.
    type: str
    choices: [auto, always, never]
    default: auto
  keep_going:
    description: With O(images), go on with the other images when one fails (the module still fails at the end).
    type: bool
    default: true
  wait:
    description: Wait for each import to finish and verify it. V(false) submits the import and returns its operation URL unverified.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for one import. A stuck import then fails with its operation URL; the next run reads the true state.
      - This is not the task keyword C(timeout), which bounds the whole task; when that stops the task (on the controller, where
        the module runs in-process), the failed result still lists the imports left running in Azure in RV(running_imports).
    type: int
    default: 900
  polling_interval:
    description:
      - Seconds between polls of a running import when the service gives no retry hint (it normally does).
      - Whatever the hint, polls of one import are at least a quarter second apart (ARM throttles reads per principal).
    type: int
    default: 5
  journal_dir:
    description:
      - A directory where each run records the imports it has submitted and not yet seen finish (one small JSON file per run,
        deleted when nothing runs), on the host the module runs on.
      - An import goes on in Azure when the run that asked for it is stopped (Ctrl-C, SIGTERM from a CI job's time limit, a
        killed controller). The next run into the same registry finds the file its stopped predecessor left, reports those
        imports in RV(earlier_running_imports) and a warning, and reads what they wrote like any other state.
      - An empty string turns the journal off. If not set, the environment variable E(ACROPS_JOURNAL_DIR) is used when set.
    type: path
    default: ~/.ansible/acrops/running-imports
  progress_interval:
    description:
      - Seconds between two progress lines while the images are read and imported - done/total, imported, unchanged,
        failed, running, and an estimate of the time left from the pace observed so far. With C(-v), one line per
        finished image too. C(0) turns progress off.
      - "Before the imports, while the tags of tag policies are listed (many repositories, maybe many pages each), the line
        says how many listings have ended, for example C(acr_import: listing tags: 12/40 repositories)."
      - Shown only when the task runs in-process (on the controller, in the controller's own Python, the usual case for
        C(ansible_connection=local) and the P(acrops.registry.acr_mirror#role) role), through Ansible's display, so that the lines
        reach the console and C(log_path) while the task runs. Run as a module (another host or interpreter, become,
        async), a module's output is read only when it ends, so it cannot print live - nothing is shown and the result is
        the same. Never shown for a task with C(no_log), nor when the console hides ok results (the stdout callback's
        C(display_ok_hosts), E(ANSIBLE_DISPLAY_OK_HOSTS=false)).
    type: int
    default: 10
  source_rate_limit:
    description:
      - Docker Hub pull quota awareness, for images from C(docker.io) with credentials (O(source_credentials),
        O(source_username)/O(source_password)). The account's remaining pulls are read from the C(ratelimit-remaining) header
        of the C(HEAD) that reads each source digest anyway (a C(HEAD) is free of quota); ACR's import then pulls with the same
        credentials. When fewer pulls remain than the imports need, the images that fit are submitted and the others are
        reported C(deferred) with RV(deferred_until) (the latest time the window resets), in a warning, and in
        C(counts.deferred) - instead of failing one after another with HTTP 429.
      - Pulls are counted as Docker Hub documents them (a version check - C(HEAD) - is free, a single manifest is one
        pull, a multi-arch image one pull per architecture) - an image with a single manifest, or one O(platform), costs
        one; a whole index costs one per platform it holds (attestation manifests not counted), read from the index (one
        C(GET), only for images to import). With O(referrers), each referrer imported costs one more; a referrer that does
        not fit is reported C(deferred) (RV(referrers_deferred_until)), and the referrers of a deferred image are
        deferred with it.
      - On by default. An account whose answers carry no quota (unlimited) is never held back. Check mode predicts the
        same deferrals (targets C(would_defer)) from the same reads, and spends no pull.
      - Anonymous imports are not checked - ACR pulls them from its own addresses, whose quota the controller cannot read
        (a C(HEAD) from the controller shows the controller's own address's quota); give credentials for Docker Hub.
    type: dict
    suboptions:
      min_remaining:
        description: Pulls to leave unspent for others using the account (CI jobs, developers); C(0) spends all.
        type: int
        default: 0
  max_images:
    description:
      - The most images (source tags) one run may select, counted once every entry is expanded; above it the run fails
        before any import, with the count. Raise it for a deliberate registry-wide migration.
    type: int
    default: 1000
  lock:
    description:
      - Lock the target tags (C(writeEnabled) and C(deleteEnabled) false, write-once) after a verified import, and tags found
        current. Each tag's attributes are read first, so a tag locked already is C(unchanged); a locked tag that holds the source
        digest stays C(unchanged), never a failure. Drifted, refused and failed targets are not locked.
      - Check mode reports C(would_lock) and diff mode shows the attributes before and after (C(locks)). With O(wait=false) nothing
        is locked (a warning says so). Untagged copies have no tag to lock.
      - Needs metadata write on the registry (AcrPush, or Container Registry Repository Writer in ABAC mode); a refusal fails the
        image after its import, naming the roles. M(acrops.registry.acr_tag) unlocks (or deletes) a locked tag.
    type: bool
    default: false
  prune:
    description:
      - With a tag policy (O(tag_policy), O(images[].tag_policy)), delete target tags the policy owns but no longer selects (they
        fell out of C(latest), or out of a changed range). V(true) owns the tags of the target repositories that the policy's
        filters match (C(regex), C(exclude), C(semver); with C(latest), versions only), so a hand-pushed tag such as C(debug) is
        never touched. V(repository) declares the target repositories owned by the entry; every tag outside the selection goes.
        A tag that another entry of the same run writes is never pruned.
      - Deletes only after the run's imports succeeded and were verified. Nothing is pruned for a policy that failed or selected
        nothing, with O(wait=false), in a repository where an import of this run failed, or when the target's tags cannot be listed
        (a warning, once). A locked candidate (C(writeEnabled) or C(deleteEnabled) false) is reported in C(policies[].prune.locked)
        and never unlocked. An entry that would delete more than O(max_deletes) tags fails before any delete.
      - Deleting a tag leaves its manifest, untagged. Check mode lists RV(would_delete) and diff mode shows the tags removed.
      - Needs delete on the registry (AcrDelete, or Container Registry Repository Contributor in ABAC mode).
    type: raw
    default: false
  max_deletes:
    description:
      - With O(prune) or O(prune_untagged), an entry that would delete more than this in one run (tags and untagged manifests
        together) fails, naming the count, before any delete.
    type: int
    default: 10
  prune_untagged:
    description:
      - With a tag policy, delete the manifests of the entry's target repositories that have no tag (left behind by force
        overwrites, or by O(prune)), with the same safety rails as O(prune), counted in O(max_deletes).
      - Never deleted, whatever their age - manifests with a tag that stays, children of a kept index (platform manifests,
        attestation manifests), referrers whose subject is kept (signatures, SBOMs and attestations copied by O(referrers) are
        untagged by design), to any depth; manifests younger than O(untagged_grace_hours) or whose age cannot be read; locked ones
        (reported in C(policies[].prune.locked)).
      - Reads the repository's manifest list and, for each untagged manifest not otherwise kept, the manifest itself (its
        C(subject)). Deleted as C(repository@digest) in RV(deleted).
    type: bool
    default: false
  untagged_grace_hours:
    description: With O(prune_untagged), an untagged manifest younger than this (by its C(createdTime)) is kept, so that a concurrent
      run's fresh import is never caught.
    type: int
    default: 24
  backup:
    description:
      - Before a O(force) overwrite, keep the digest the tag holds under a backup tag in the same repository, named by this
        template; fields C({tag}), C({before_digest12}) (12 hex digits of that digest) and C({before_digest}), e.g.
        V({tag}-prev-{before_digest12}).
      - The copy is an import by digest from the target registry itself (server-side), made before the overwrite; a backup tag
        that holds the digest already is C(unchanged). Check mode predicts it. Each overwritten target gains C(backup) (C(name),
        C(digest), C(action)).
      - On a tag-policy entry with O(prune), the entry's backup tags (those the template makes) are never ordinary prune candidates;
        per repository the newest O(backup_keep) of them (by creation time) stay and the older ones are pruned.
    type: str
  backup_keep:
    description: With O(backup) and O(prune), how many backup tags of an entry stay in each target repository (the newest).
    type: int
    default: 3
seealso:
  - module: acrops.registry.acr_image_info
  - name: Import container images to a container registry
    description: ACR's import feature, its permissions and limits.
    link: https://learn.microsoft.com/azure/container-registry/container-registry-import-images
'''

EXAMPLES = r'''
- name: Mirror an official Docker Hub image (nginx:1.25 lands as nginx:1.25)
  acrops.registry.acr_import:
    registry: myregistry
    source: nginx:1.25

- name: Follow upstream - re-import when the tag moved on Docker Hub, with credentials to avoid its rate limit
  acrops.registry.acr_import:
    registry: myregistry
    source: docker.io/grafana/grafana:10.2.0
    targets: [mirror/grafana:10.2.0]
    source_username: "{{ dockerhub_user }}"
    source_password: "{{ dockerhub_token }}"
    force: true

- name: A private GHCR image, with a token alone
  acrops.registry.acr_import:
    registry: myregistry
    source: ghcr.io/my-org/app:v2
    source_password: "{{ ghcr_token }}"

- name: Several tags of one image, and a manifest-only copy
  acrops.registry.acr_import:
    registry: myregistry
    source: mcr.microsoft.com/dotnet/aspnet:8.0
    targets: [dotnet/aspnet:8.0, dotnet/aspnet:lts]
    untagged_repositories: [archive/aspnet]

- name: Promote a build from the dev ACR (same subscription) by digest
  acrops.registry.acr_import:
    registry: prodregistry
    source_registry: devregistry
    source: app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    targets: [app:1234, app:latest]
    force: true

- name: From an ACR in another subscription, by resource ID
  acrops.registry.acr_import:
    registry: prodregistry
    source_registry: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/Microsoft.ContainerRegistry/registries/devregistry
    source: app:1234

- name: Many images in one run, eight at a time; the Docker Hub login goes to the Docker Hub images only
  acrops.registry.acr_import:
    registry: myregistry
    force: true
    source_credentials:
      docker.io: {username: "{{ dockerhub_user }}", password: "{{ dockerhub_token }}"}
    images:
      - source: redis:7
      - source: postgres:16
      - source: quay.io/prometheus/prometheus:v2.48.0
        targets: [prometheus:v2.48.0]
  register: mirror

- name: The newest three 1.25/1.26 patch releases of nginx (variants such as 1.25.3-alpine are pre-releases to semver, so left out)
  acrops.registry.acr_import:
    registry: myregistry
    source: docker.io/library/nginx
    tag_policy:
      semver: ">=1.25 <1.27"
      regex: '[0-9]+\.[0-9]+\.[0-9]+'
      latest: 3
  register: nginx

- name: Policies in a batch, into a mirror/ prefix, and one platform only for an air-gapped registry
  acrops.registry.acr_import:
    registry: airgapregistry
    platform: linux/amd64
    max_tags: 20
    images:
      - source: docker.io/library/node
        targets: [mirror/node]
        tag_policy: {semver: "^20", latest: 2}
      - source: docker.io/library/postgres
        tag_policy: {regex: '16\.[0-9]+-alpine', latest: 1}
      - source: quay.io/prometheus/prometheus:v2.48.0

- name: With its signatures (Notation, cosign) and attestations, for a cluster that verifies them
  acrops.registry.acr_import:
    registry: airgapregistry
    source: ghcr.io/my-org/app:v2
    referrers: true

- name: Only Notation signatures and cosign signatures, not SBOMs
  acrops.registry.acr_import:
    registry: airgapregistry
    referrers: true
    referrers_types:
      - application/vnd.cncf.notary.signature
      - application/vnd.dev.cosign.artifact.sig.v1+json
    images:
      - source: ghcr.io/my-org/app:v2
      - source: docker.io/library/redis:7
        referrers: false

- name: Into a registry behind a firewall, from a hosted runner outside its network (imports only; existing tags exists_unverified)
  acrops.registry.acr_import:
    registry: privateregistry
    target_reads: never
    images:
      - source: docker.io/library/nginx:1.25

- name: Every repository of a team's namespace in another ACR, every tag and every untagged manifest (a migration)
  acrops.registry.acr_import:
    registry: newregistry
    tag_list_budget: 2000
    images:
      - source: team
        source_registry: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-old/providers/Microsoft.ContainerRegistry/registries/oldregistry
        repositories: {regex: ".*"}
        tags: all
        untagged: all
        referrers: true

- name: Set authentication once for every module of the collection
  module_defaults:
    group/acrops.registry.acr:
      cloud_environment: AzureCloud
      subscription_id: "{{ subscription }}"
  block:
    - name: Import
      acrops.registry.acr_import:
        registry: myregistry
        source: alpine:3.19
'''

RETURN = r'''
changed:
  description: Whether anything was (or, in check mode, would be) imported.
  returned: always
  type: bool
source:
  description: The canonical source reference.
  returned: single form
  type: str
  sample: docker.io/library/nginx:1.25
source_digest:
  description: The source's manifest digest, as read before importing (null when the source cannot be read from here).
  returned: single form
  type: str
  sample: sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31
registry:
  description: The target registry.
  returned: always
  type: dict
  contains:
    name: {description: Registry name., type: str, returned: always}
    resource_group: {description: Resource group., type: str, returned: always}
    login_server: {description: "Login server (read from Resource Manager).", type: str, returned: always}
    subscription_id: {description: Subscription., type: str, returned: always}
targets:
  description: One entry per target tag.
  returned: single form
  type: list
  elements: dict
  contains:
    name: {description: C(repo:tag)., type: str, returned: always}
    before: {description: Digest before (null = absent)., type: str, returned: always}
    after: {description: Digest after (read back after the import)., type: str, returned: always}
    action:
      description:
        - One of C(imported), C(overwritten), C(unchanged), C(drifted), C(would_import), C(would_overwrite), C(locked), C(failed),
          C(deferred), C(would_defer) (check mode) (see O(source_rate_limit)).
        - Without reads of the target (O(target_reads)), also C(exists_unverified) (the service kept an existing tag; its digest was
          not compared) and C(unknown) (check mode, or an untagged copy whose previous state is not known).
      type: str
      returned: always
    backup:
      description: With O(backup), for an overwritten target, the backup tag C(name) (C(repository:tag)), the C(digest) it keeps and
        C(action) (V(imported), V(overwritten), V(unchanged), V(would_import), V(would_overwrite)).
      type: dict
      returned: with O(backup), for overwritten targets
    lock:
      description:
        - With O(lock), C(action) (V(locked), V(would_lock) or V(unchanged)) and the tag's C(writeEnabled) and C(deleteEnabled)
          C(before) (null for a tag still to be imported) and C(after).
      type: dict
      returned: with O(lock), for the targets it applies to
    reason:
      description: Without reads of the target (O(target_reads)), what could not be known about this target.
      type: str
      returned: when the target registry was not read
deleted:
  description: With O(prune), the target tags deleted (C(repository:tag)); in check mode RV(would_delete) instead.
  returned: when an entry prunes, not in check mode
  type: list
  elements: str
would_delete:
  description: With O(prune) in check mode, the target tags a real run would delete.
  returned: when an entry prunes, in check mode
  type: list
  elements: str
untagged:
  description: One entry per untagged repository, like O(targets).
  returned: single form
  type: list
  elements: dict
import_mode:
  description: C(NoForce) or C(Force) as sent to ACR, or null when nothing was imported.
  returned: single form
  type: str
operation_url:
  description: The URL of the import operation (always with O(wait=false)).
  returned: when an import was submitted
  type: str
verified:
  description:
    - Whether every imported target was read back holding the source digest.
    - V(false) with a warning when the import completed but reading the targets back failed (the targets are still reported
      C(imported)/C(overwritten) and C(changed)), and when the source digest was unknown (O(unreadable_source=reimport)).
  returned: when an import ran
  type: bool
actions:
  description: What was done (or would be), one line per change.
  returned: always
  type: list
  elements: str
  sample: ["Imported docker.io/library/nginx:1.25 (sha256:0d17b565c37b) as nginx:1.25"]
platform:
  description: The platform of the child manifest that was imported (as C(os/arch[/variant])).
  returned: with O(platform)
  type: str
  sample: linux/amd64
source_index_digest:
  description: With O(platform), the digest of the source's index the child came from (null when the source was a single manifest).
    RV(source_digest) is then the child's digest, the one imported and compared.
  returned: with O(platform)
  type: str
filtered_index:
  description:
    - With O(platforms), when the source's index holds other platforms too, the index that was (or would be) pushed under the target
      tags. Its digest differs from the source's (RV(source_digest) is the source index's); signatures over the source index do
      not match it.
  returned: with O(platforms) and a filtered index
  type: dict
  contains:
    source_digest: {description: The source index's digest., type: str}
    digest: {description: "The filtered index's digest: what the target tags hold.", type: str}
    media_type: {description: "The source index's media type, kept.", type: str}
    platforms: {description: The platforms asked for., type: list, elements: str}
    children:
      description: One entry per kept child and target repository, with its digest, platform, repository and action (unchanged, imported,
        would_import); a child this run imported stays imported when the push after it failed.
      type: list
      elements: dict
    pushed:
      description: The target tags the index was pushed under, each push answered with its digest (not in check mode; empty when the push failed).
      type: list
      elements: str
    would_push: {description: "In check mode, the target tags it would be pushed under.", type: list, elements: str}
referrers:
  description:
    - With O(referrers), one entry per referrer found on the source and target repository it goes into.
    - Empty when the image has none (of the allowed types), or with O(wait=false).
  returned: with O(referrers)
  type: list
  elements: dict
  contains:
    digest: {description: The referrer's manifest digest (kept by the copy)., type: str, returned: always}
    artifact_type: {description: "Its artifact type (for cosign tags see O(referrers_types)); null when unknown.", type: str, returned: always}
    media_type: {description: Its manifest media type., type: str, returned: always}
    found_by: {description: "How it was found: C(referrers-api), C(tag-schema) or C(cosign-tag).", type: str, returned: always}
    subject: {description: "The digest it refers to (the image, a child of its index, or another referrer).", type: str, returned: always}
    depth: {description: "1 for a referrer of the image, 2 for a referrer of a referrer.", type: int, returned: always}
    repository: {description: The target repository., type: str, returned: always}
    tag: {description: "The cosign tag (C(sha256-<hex>.sig)...) it is imported under.", type: str, returned: for cosign tags}
    action:
      description:
        - C(imported), C(unchanged) (already there), C(would_import) (check mode) or C(failed).
        - C(drifted) for a cosign tag that holds another digest in the target, left alone without O(force) (overwritten with it).
        - C(deferred) (C(would_defer) in check mode) when the Docker Hub pull quota does not cover its import (O(source_rate_limit)).
      type: str
      returned: always
    deferred_until: {description: "With C(deferred), the latest time (UTC, ISO 8601) the account's quota window resets.", type: str,
                     returned: when deferred}
    msg: {description: Why it failed or drifted., type: str, returned: when failed or drifted}
results:
  description:
    - One result per O(images) entry, each shaped like the single form's result (plus C(label), C(failed), C(msg)).
    - An entry with a tag policy gives one result per selected tag, with C(selected_by) (the entry's label), or one failed result
      (C(error_code) C(TOO_MANY_TAGS), C(BUDGET_EXHAUSTED), or a listing error) when the policy failed.
  returned: batch form, or with O(tag_policy)
  type: list
  elements: dict
policies:
  description: One entry per tag policy, saying what it selected.
  returned: when a tag policy was given
  type: list
  elements: dict
  contains:
    label: {description: The entry's label., type: str, returned: always}
    source: {description: The source repository., type: str, returned: always}
    policy: {description: "The policy as given (regex, exclude, semver, latest).", type: dict, returned: always}
    targets: {description: Target repositories., type: list, elements: str, returned: always}
    platform: {description: "The platform imported (O(images[].platform)), or null.", type: str, returned: always}
    platforms:
      description: The platforms kept (O(images[].platforms)), or null when the entry keeps whole indexes or one O(images[].platform).
      type: list
      elements: str
      returned: always
    listed: {description: How many tags the source has (null when listing failed)., type: int, returned: always}
    selected:
      description: The selected tags, newest version first (tags that are not versions follow, by name).
      type: list
      elements: str
      returned: always
    notes: {description: What the selection left out and why (e.g. tags that C(latest) could not rank)., type: list, elements: str, returned: always}
    warnings: {description: E.g. that the policy selected nothing., type: list, elements: str, returned: always}
    failed: {description: "Whether the policy failed (too many tags, budget spent, listing refused).", type: bool, returned: always}
    msg: {description: Why it failed., type: str, returned: when failed}
    prune:
      description:
        - With O(prune), C(mode) (V(filters) or V(repository)), C(deleted) (C(repository:tag) deleted, or that would be in check
          mode), C(locked) (candidates left because they are locked) and C(skipped) (repositories not pruned, with the reason).
      type: dict
      returned: when the entry prunes
  sample: [{label: "images[0] (docker.io/library/nginx)", source: docker.io/library/nginx, listed: 31, selected: ["1.26.2", "1.26.1", "1.25.3"],
            policy: {semver: ">=1.25 <1.27", latest: 3}, targets: [nginx], platform: null, platforms: null, notes: [], warnings: [], failed: false}]
tag_list_requests:
  description: Requests spent listing source tags and catalogs in this run (counted against O(tag_list_budget)).
  returned: when a tag policy or O(images[].repositories) was given
  type: int
repository_selections:
  description: One entry per O(images[].repositories) entry, saying which repositories of the source's catalog it selected.
  returned: when O(images[].repositories) was given
  type: list
  elements: dict
  contains:
    label: {description: The entry's label., type: str, returned: always}
    source: {description: The registry or namespace., type: str, returned: always}
    repositories: {description: "The filter as given (regex, exclude).", type: dict, returned: always}
    listed: {description: How many repositories are below the namespace (null when listing failed)., type: int, returned: always}
    selected: {description: The selected repository paths., type: list, elements: str, returned: always}
    failed: {description: Whether listing the catalog failed., type: bool, returned: always}
    msg: {description: Why it failed., type: str, returned: when failed}
    counts:
      description: The entry's totals over its selected repositories, shaped like RV(counts) (C(images) is how many images it expanded to).
      type: dict
      returned: when it selected at least one repository
repository_counts:
  description:
    - One entry per selected repository of the O(images[].repositories) entries, in their order, so that a registry-wide
      preview reads by repository (C(would_import), C(unchanged), C(drifted) in check mode; C(imported), C(unchanged),
      C(failed) in a normal run). The entry's totals are RV(repository_selections[].counts); every image stays in RV(results).
    - The module's RV(actions) show the same, one line per repository after each entry's totals.
  returned: when O(images[].repositories) was given
  type: list
  elements: dict
  contains:
    selection: {description: "The label of the entry that selected it (RV(repository_selections[].label)).", type: str, returned: always}
    label: {description: "The label of the repository's own entry, which its results carry (C(label), C(selected_by)).", type: str, returned: always}
    source_repository: {description: The source repository (host and path)., type: str, returned: always}
    target_repository: {description: The target repository., type: str, returned: always}
    counts: {description: "Counts over the repository's images, shaped like RV(counts).", type: dict, returned: always}
  sample: [{selection: team, label: team team/api, source_repository: registry.example.com/team/api, target_repository: registry.example.com/team/api,
            counts: {images: 10, would_import: 8, unchanged: 1, drifted: 1, failed: 0}}]
untagged_selections:
  description: One entry per entry with O(images[].untagged) (per selected repository), saying how many untagged manifests it copies.
  returned: when O(images[].untagged) was given
  type: list
  elements: dict
  contains:
    label: {description: The entry's label., type: str, returned: always}
    source: {description: The source repository., type: str, returned: always}
    targets: {description: The target repositories., type: list, elements: str, returned: always}
    listed: {description: How many manifests the source repository lists., type: int, returned: unless failed}
    untagged: {description: How many untagged manifests are copied (index children and followed referrers left out)., type: int, returned: unless failed}
    failed: {description: Whether listing the manifests failed., type: bool, returned: always}
    msg: {description: Why it failed., type: str, returned: when failed}
counts:
  description:
    - Target counts per action over the batch (C(exists_unverified) and C(unknown) included), plus C(failed), C(images) and
      C(changed_images).
    - With O(referrers), also C(referrers_imported), C(referrers_unchanged), C(referrers_would_import), C(referrers_failed) and C(referrers_drifted).
    - When imports were (or in check mode would be) deferred (O(source_rate_limit)), also C(deferred) and C(would_defer); when
      referrers were, C(referrers_deferred) or C(referrers_would_defer).
  returned: batch form
  type: dict
  sample: {imported: 3, overwritten: 1, unchanged: 7, drifted: 0, failed: 0, images: 11, changed_images: 4}
elapsed:
  description: Seconds the run took.
  returned: always
  type: float
earlier_running_imports:
  description:
    - Imports into this registry that an earlier run submitted and was stopped before it saw them finish (from O(journal_dir)).
      They went on in Azure; what they wrote is part of this run's read. Not removed from the journal in check mode.
  returned: when an earlier stopped run left some
  type: list
  elements: dict
  contains:
    registry: {description: The target registry's resource ID., type: str}
    source: {description: What was imported., type: str}
    operation_url: {description: The import's operation URL (Resource Manager)., type: str}
    started: {description: "When it was submitted (UTC, ISO 8601).", type: str}
  sample: [{registry: /subscriptions/.../registries/myacr, source: docker.io/library/nginx@sha256:..., started: "2026-12-04T18:03:11Z",
            operation_url: "https://management.azure.com/subscriptions/.../operationResults/..."}]
running_imports:
  description:
    - When the task keyword C(timeout) stopped the task, the imports it had submitted that were still running in Azure (same
      keys as RV(earlier_running_imports)); they finish on their own.
  returned: when the task timed out, on the controller
  type: list
  elements: dict
timedout:
  description: Set when the task keyword C(timeout) stopped the task, as Ansible sets it; C(period) is that timeout.
  returned: when the task timed out, on the controller
  type: dict
  sample: {period: 60}
deferred:
  description:
    - V(true) when the image's import was not submitted because the Docker Hub pull quota of its credentials would not cover
      it (O(source_rate_limit)); its targets that were to change are C(deferred) (C(would_defer) in check mode), nothing changed.
      Run again after RV(deferred_until). Its referrers are deferred with it (not looked for).
  returned: when deferred (single form, or in each of RV(results))
  type: bool
referrers_deferred_until:
  description:
    - With O(referrers), when some referrers of an imported image were deferred (their entries' action C(deferred)) - the latest
      time (UTC, ISO 8601) the quota window resets. Run again after it to copy them.
  returned: when referrers were deferred (single form, or in each of RV(results))
  type: str
deferred_until:
  description: The latest time (UTC, ISO 8601) the account's quota window resets - when the quota was read plus the window C(w).
  returned: when deferred
  type: str
  sample: "2026-12-05T00:51:56Z"
'''

from ansible_collections.acrops.registry.plugins.module_utils.acr_import_task import ARGUMENT_RULES, REQUIREMENTS, argument_spec, execute
from ansible_collections.acrops.registry.plugins.module_utils.module_runner import run_module


def main():
    run_module(argument_spec(), ARGUMENT_RULES, execute, REQUIREMENTS)


if __name__ == "__main__":
    main()
