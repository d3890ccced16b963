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
  - acrops.registry.auth
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
  action_group:
    description: Use C(group/acrops.registry.acr) in C(module_defaults) to set the authentication options once.
    support: full
    membership:
      - acrops.registry.acr
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
    description: Username for the source registry. Requires O(source_password).
    type: str
  source_password:
    description: Password or token for the source registry. A token alone (without O(source_username)) is accepted. Never logged.
    type: str
  targets:
    description:
      - Target tags in the registry, as C(repo[:tag]); a target without a tag gets the source tag.
      - Default, the source repository without its registry host and without Docker Hub's C(library/), with the source tag
        (C(docker.io/library/nginx:1.25) becomes C(nginx:1.25)). A source given by digest only needs explicit targets.
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
  referrers:
    description:
      - Also copy the image's referrers, which ACR's import leaves behind, into every target repository of the image. These are
        signatures (Notation, cosign), SBOMs and attestations.
      - After the image is in place (or found current), its referrers are discovered on the source. Discovery uses the OCI 1.1
        referrers API, or the referrers tag schema (C(sha256-<hex>)) on registries without it, and cosign's tags
        (C(sha256-<hex>.sig), C(.att), C(.sbom)). Referrers of referrers are followed one level (a signature of an SBOM). For a whole
        multi-platform index the referrers of the index and of each child are copied; with O(platform), those of the imported child.
      - Each referrer that the target repository does not hold yet (one C(HEAD) by digest) is imported by digest as a manifest-only copy
        (C(untaggedTargetRepositories)). Its digest, and so its link to the image, is kept, and ACR's referrers API lists it. cosign's
        tags are imported under the same tag name, since cosign finds them by tag; a cosign tag that holds the source's digest is left
        alone.
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
        description: As O(source_username).
        type: str
      source_password:
        description: As O(source_password).
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
      referrers:
        description: As O(referrers); defaults to the module-level O(referrers).
        type: bool
      referrers_types:
        description: As O(referrers_types); defaults to the module-level O(referrers_types).
        type: list
        elements: str
  concurrency:
    description: How many images of O(images) are processed at once.
    type: int
    default: 8
  keep_going:
    description: With O(images), go on with the other images when one fails (the module still fails at the end).
    type: bool
    default: true
  wait:
    description: Wait for each import to finish and verify it. V(false) submits the import and returns its operation URL unverified.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for one import. A stuck import then fails with its operation URL; the next run reads the true state.
    type: int
    default: 900
  polling_interval:
    description:
      - Seconds between polls of a running import when the service gives no retry hint (it normally does).
      - Whatever the hint, polls of one import are at least a quarter second apart (ARM throttles reads per principal).
    type: int
    default: 5
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

- name: Many images in one run, eight at a time
  acrops.registry.acr_import:
    registry: myregistry
    force: true
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
      description: One of C(imported), C(overwritten), C(unchanged), C(drifted), C(would_import), C(would_overwrite), C(locked), C(failed).
      type: str
      returned: always
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
  description: Whether every imported target was read back holding the source digest.
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
      description: C(imported), C(unchanged) (already there), C(would_import) (check mode) or C(failed).
      type: str
      returned: always
    msg: {description: Why it failed., type: str, returned: when failed}
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
    platform: {description: "The platform imported, or null for whole indexes.", type: str, returned: always}
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
  sample: [{label: "images[0] (docker.io/library/nginx)", source: docker.io/library/nginx, listed: 31, selected: ["1.26.2", "1.26.1", "1.25.3"],
            policy: {semver: ">=1.25 <1.27", latest: 3}, targets: [nginx], platform: null, notes: [], warnings: [], failed: false}]
tag_list_requests:
  description: Requests spent listing source tags in this run (counted against O(tag_list_budget)).
  returned: when a tag policy was given
  type: int
counts:
  description:
    - Target counts per action over the batch, plus C(failed), C(images) and C(changed_images).
    - With O(referrers), also C(referrers_imported), C(referrers_unchanged), C(referrers_would_import) and C(referrers_failed).
  returned: batch form
  type: dict
  sample: {imported: 3, overwritten: 1, unchanged: 7, drifted: 0, failed: 0, images: 11, changed_images: 4}
elapsed:
  description: Seconds the run took.
  returned: always
  type: float
'''

import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acrops.registry.plugins.module_utils import importer, image_requests, planner, policy_expansion
from ansible_collections.acrops.registry.plugins.module_utils.arm import (
    LOGIN_SERVER, REGISTRY_NAME, RESOURCE_GROUP, SUBSCRIPTION_ID, parse_registry_id)
from ansible_collections.acrops.registry.plugins.module_utils.auth import AUTH_ARGUMENT_SPEC
from ansible_collections.acrops.registry.plugins.module_utils.clients import connect_azure, connect_registries, validate_auth
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor, show
from ansible_collections.acrops.registry.plugins.module_utils.source_prefetch import SourcePrefetch
from ansible_collections.acrops.registry.plugins.module_utils.source_reads import RequestBudget

MAX_TEXT = 1024      # no name, reference, label or username is longer (image references stop at 1024 characters too)
MAX_SECRET = 65536   # passwords and tokens: an Entra access token given as a password is a few KB
SECRET_OPTIONS = frozenset(("source_password", "secret"))
# Control characters, and invisible ones (zero-width, bidirectional overrides): never part of a name, reference or label.
HIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
IMAGE_KEYS = ("source", "targets", "untagged_repositories", "source_registry", "source_username", "source_password", "force", "tag_policy",
              "platform", "referrers", "referrers_types")
POLICY_OPTIONS = dict(
    regex=dict(type="raw"),
    exclude=dict(type="raw"),
    semver=dict(type="str"),
    latest=dict(type="int"),
)
VERBS = {planner.IMPORTED: "Imported", planner.OVERWRITTEN: "Overwrote", planner.WOULD_IMPORT: "Would import",
         planner.WOULD_OVERWRITE: "Would overwrite"}
REFERRER_VERBS = {importer.REFERRER_IMPORTED: "Imported", importer.REFERRER_WOULD_IMPORT: "Would import"}


def argument_spec():
    spec = dict(
        registry=dict(type="str", required=True),
        resource_group=dict(type="str"),
        source=dict(type="str"),
        source_registry=dict(type="str"),
        source_username=dict(type="str"),
        source_password=dict(type="str", no_log=True),
        targets=dict(type="list", elements="str"),
        untagged_repositories=dict(type="list", elements="str"),
        force=dict(type="bool", default=False),
        tag_policy=dict(type="dict", options=POLICY_OPTIONS),
        platform=dict(type="str"),
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
            referrers=dict(type="bool"),
            referrers_types=dict(type="list", elements="str"),
        )),
        concurrency=dict(type="int", default=8),
        keep_going=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=900),
        polling_interval=dict(type="int", default=5),
    )
    spec.update(AUTH_ARGUMENT_SPEC)
    return spec


def action_lines(result):
    lines = []
    platform = " [%s]" % result["platform"] if result.get("platform") else ""
    for target in result.get("targets", []) + result.get("untagged", []):
        verb = VERBS.get(target["action"])
        if verb:
            lines.append("%s %s%s (%s) as %s" % (verb, result["source"], platform, (result.get("source_digest") or "digest unknown")[:19],
                                                 target["name"]))
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


def diff_of(results):
    before, after = {}, {}
    for result in results:
        for target in result.get("targets", []) + result.get("untagged", []):
            before[target["name"]] = target["before"]
            after[target["name"]] = target["after"]
    return {"before": {"targets": before}, "after": {"targets": after}}


def check_strings(value, path="", key=""):
    """Every string option, nested ones included: bounded length and, except secrets, no control or invisible characters.

    Checked first, so that no later message echoes a 10 MB value and nothing hostile reaches a URL or a report."""
    if isinstance(value, dict):
        for name, item in value.items():
            check_strings(item, "%s.%s" % (path, name) if path else name, name)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_strings(item, "%s[%d]" % (path, index), key)
    elif isinstance(value, str):
        if key in SECRET_OPTIONS:
            if len(value) > MAX_SECRET:
                raise AcrOpsError("%s is %d characters long: no password or token is longer than %d; check what the variable holds"
                                  % (path, len(value), MAX_SECRET))
            return
        if len(value) > MAX_TEXT:
            raise AcrOpsError("%s is %d characters long: no name, reference or label is longer than %d; check what the variable holds"
                              % (path, len(value), MAX_TEXT))
        bad = HIDDEN_CHARACTERS.search(value)
        if bad:
            raise AcrOpsError("%s %s contains the control or invisible character %s at position %d: remove it (names, references and "
                              "labels never contain one)" % (path, show(value), ascii(bad.group()), bad.start()))


def check_source_registry(text, where):
    parsed = parse_registry_id(text)
    if parsed:
        valid = SUBSCRIPTION_ID.match(parsed[0]) and RESOURCE_GROUP.match(parsed[1]) and REGISTRY_NAME.match(parsed[2])
    elif "." in text:
        valid = LOGIN_SERVER.match(text)
    else:
        valid = REGISTRY_NAME.match(text)
    if not valid:
        raise AcrOpsError("%s %s is not a registry name, login server or resource ID: write e.g. 'devregistry', 'devregistry.azurecr.io' "
                          "or '/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>'"
                          % (where, show(text)))


class AcrImport:
    """Validate everything, then build clients once, resolve registries, and run the images."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.redactor = Redactor([self.params.get("secret"), self.params.get("source_password")]
                                 + [i.get("source_password") for i in self.params.get("images") or []])

    def validate(self):
        params = self.params
        check_strings(params)
        if not REGISTRY_NAME.match(params["registry"] or ""):
            raise AcrOpsError("registry %s is not a registry name: use the 5-50 letters and digits of its name (not the login server, "
                              "e.g. 'myregistry', not 'myregistry.azurecr.io')" % show(params["registry"] or ""))
        for key, minimum in (("concurrency", 1), ("timeout", 1), ("polling_interval", 1), ("max_tags", 1), ("tag_list_budget", 1)):
            if params[key] < minimum:
                raise AcrOpsError("%s must be at least %d" % (key, minimum))
        settings = validate_auth(params)
        if params.get("source_registry"):
            check_source_registry(params["source_registry"], "source_registry")
        for index, image in enumerate(params.get("images") or []):
            if isinstance(image, dict) and image.get("source_registry"):
                check_source_registry(image["source_registry"], "images[%d].source_registry" % index)
        if params.get("images") is not None:
            if not params["images"]:
                raise AcrOpsError("images is an empty list: list at least one image, or use source")
            defaults = dict((k, params.get(k)) for k in ("source_registry", "source_username", "source_password", "force", "platform",
                                                         "referrers", "referrers_types"))
            if params.get("tag_policy") is not None:
                raise AcrOpsError("tag_policy goes on each entry of images (images[N].tag_policy), not beside images: write it into the "
                                  "entries it applies to")
            pending = image_requests.validate_batch(params["images"], defaults)
        else:
            pending = [image_requests.validate_image(dict((k, params.get(k)) for k in IMAGE_KEYS), {}, "source")]
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
                source_acr = clients.arm.resolve_registry(item.source_registry)
                ref = image_requests.bind_source_registry(ref, source_acr.login_server)
            elif image_requests.is_entra_acr_source(item, clients.cloud.acr_suffix):
                matches = [r for r in clients.arm.list_registries() if (r.login_server or "").lower() == ref.registry.lower()]
                source_acr = matches[0] if matches else None
            if source_acr is not None:
                clients.registry_client.add_acr(source_acr.login_server)
            resolved.append(importer.ImageRequest(ref, source_acr, item.username, item.password, item.tags,
                                                  item.untagged, item.force, item.label, item.policy, item.repositories, item.platform,
                                                  referrers=item.referrers, referrers_types=item.referrers_types))
        return resolved

    def run(self):
        started = time.time()
        settings, pending = self.validate()
        params = self.params
        pool_size = max(8, params["concurrency"] * 2)
        registry_client, cloud = connect_registries(params, self.redactor, settings, pool_size)
        prefetch = SourcePrefetch(registry_client, params["concurrency"])
        try:
            # Source reads need nothing from Azure: they run while the credential, Entra and Resource Manager are reached.
            prefetch.start(pending, cloud.acr_suffix)
            clients = connect_azure(params, self.redactor, settings, registry_client, cloud, pool_size)
            target = clients.arm.get_registry(params["registry"], params.get("resource_group"))
            clients.registry_client.add_acr(target.login_server)
            requests = self.resolve(clients, pending)
            ctx = importer.Context(clients.arm, clients.registry_client, target, self.redactor, self.module.check_mode,
                                   params["wait"], params["timeout"], set(), prefetch)
            budget = RequestBudget(params["tag_list_budget"])
            requests, policies, failures = policy_expansion.expand_policies(ctx, requests, params["max_tags"], budget, params["concurrency"])
            if failures and not params["keep_going"]:
                results = failures + [self.skipped(r) for r in requests]
            else:
                results = failures + importer.run_batch(ctx, requests, params["concurrency"], params["keep_going"]) if requests else failures
        finally:
            prefetch.close()
        registry = {"name": target.name, "resource_group": target.resource_group, "login_server": target.login_server,
                    "subscription_id": target.subscription_id}
        output = {"changed": any(r.get("changed") for r in results), "registry": registry,
                  "actions": policy_lines(policies) + [line for r in results for line in action_lines(r)], "diff": diff_of(results)}
        if policies:
            output.update(policies=policies, tag_list_requests=budget.used)
        if params.get("images") is not None or params.get("tag_policy") is not None:
            output.update(results=results, counts=importer.count(results))
        else:
            output.update(results[0])
            output.pop("label", None)
            output.pop("warnings", None)  # main() reports each one through module.warn(): once, not twice
        output["elapsed"] = round(time.time() - started, 3)
        return self.redactor.scrub_data(output), results


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("source", "images")],
        required_one_of=[("source", "images")],
        supports_check_mode=True,
    )
    runner = AcrImport(module)
    try:
        output, results = runner.run()
    except AcrOpsError as exc:
        module.fail_json(msg=runner.redactor.scrub(str(exc)), error_code=exc.code, changed=False)
    for policy in output.get("policies") or []:
        for warning in policy.get("warnings") or []:
            module.warn(runner.redactor.scrub(warning))
    for result in results:
        for warning in result.get("warnings") or []:
            module.warn(runner.redactor.scrub("%s: %s" % (result["source"], warning)))
    if not module._diff:  # pylint: disable=protected-access
        output.pop("diff", None)
    failed = [r for r in results if r.get("failed")]
    if failed:
        output.pop("failed", None)
        msg = output.pop("msg", None) if len(results) == 1 and "msg" in output else "%d of %d images failed: %s" % (
            len(failed), len(results), "; ".join("%s: %s" % (r["source"], r.get("msg")) for r in failed[:10]))
        module.fail_json(msg=runner.redactor.scrub(msg), **output)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
