# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated world: identity (tenant, subscriptions, principals), registries, source hosts, shared state.

Identity is kept in <state-dir>/identity.json so a restarted stand-in keeps its ids (storage survives too);
secrets are regenerated at every start.
"""

import json
import os
import secrets
import shutil
import threading
import uuid

from . import config
from .controls_state import Clock, Counters, Faults, ImportBehaviour, RequestLog, Settings
from .images import INDEX_TYPES
from .registry_policy import RegistryPolicy
from .tagstore import RepoState, TagStore
from .tokens import TokenSigner


class Principal:
    def __init__(self, name, client_id, object_id, secret, can_import, actions):
        self.name = name
        self.client_id = client_id
        self.object_id = object_id
        self.secret = secret
        self.can_import = can_import
        self.actions = tuple(actions)
        self.federated_token = None


class Registry:
    def __init__(self, name, sub_key, subscription_id, resource_group, location, sku, acr_suffix, storage, state_dir):
        self.name = name
        self.sub_key = sub_key
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.location = location
        self.sku = sku
        self.login_server = "%s.%s" % (name, acr_suffix)
        self.id = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerRegistry/registries/%s" % (
            subscription_id, resource_group, name)
        self.storage = storage
        self.tags = TagStore(os.path.join(state_dir, "tags"))
        self.referrers = ReferrersIndex(os.path.join(state_dir, "referrers"))
        self.created = "2024-01-30T04:36:09.3956721Z"
        self.policy = RegistryPolicy(sku)

    def clear(self):
        """Forget every repository (tags, manifests, referrers, locks): what imports and pushes wrote. Blobs stay in
        distribution's content store (unreachable without a repository link, as after a repository delete). The
        repositories directory is moved out of distribution's sight at once (one rename, whatever earlier tests stored) and
        removed in the background, so a reset costs a test nothing it can measure."""
        repositories = os.path.join(self.storage.root, "data", "docker", "registry", "v2", "repositories")
        if os.path.isdir(repositories):
            trash = os.path.join(self.storage.root, "removed-%s" % uuid.uuid4().hex)
            os.rename(repositories, trash)
            threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True}, daemon=True,
                             name="standin-clear").start()
        self.tags.clear()
        self.referrers.clear()

    def resource(self):
        """The registry as ARM returns it (shape of rest-examples/stable-2025-11-01/RegistryGet.json)."""
        properties = {
            "loginServer": self.login_server, "creationDate": self.created, "provisioningState": "Succeeded",
            "adminUserEnabled": False,
            "policies": {"quarantinePolicy": {"status": "disabled"}, "trustPolicy": {"type": "Notary", "status": "disabled"},
                         "retentionPolicy": {"days": 7, "lastUpdatedTime": "2024-01-30T04:36:21.0831003+00:00", "status": "disabled"},
                         "exportPolicy": {"status": "enabled"}, "azureADAuthenticationAsArmPolicy": self.policy.arm_policy()},
            "encryption": {"status": "disabled"}, "status": None, "dataEndpointEnabled": False, "dataEndpointHostNames": [],
            "privateEndpointConnections": [], "networkRuleBypassAllowedForTasks": False, "zoneRedundancy": "Disabled",
            "anonymousPullEnabled": False,
        }
        # Fields the recordings show (azure-cli's, api-version 2023-11-01-preview) that the REST example lacks.
        properties["metadataSearch"] = "Disabled"
        properties["policies"]["softDeletePolicy"] = {"retentionDays": 7, "lastUpdatedTime": "2024-01-30T04:36:21.0831434+00:00",
                                                      "status": "disabled"}
        properties.update(self.policy.properties())  # publicNetworkAccess, networkRuleSet, bypass, roleAssignmentMode
        return {"id": self.id, "name": self.name, "type": "Microsoft.ContainerRegistry/registries", "location": self.location,
                "tags": {}, "systemData": self.system_data(), "sku": {"name": self.sku, "tier": self.sku}, "properties": properties}

    def system_data(self):
        return {"createdBy": "standin@example.com", "createdByType": "User", "createdAt": self.created,
                "lastModifiedBy": "standin@example.com", "lastModifiedByType": "User", "lastModifiedAt": self.created}

    def generic_resource(self):
        """The registry as `GET /subscriptions/{sub}/resources` lists it (what azure-cli uses to find a registry by name)."""
        return {"id": self.id, "name": self.name, "type": "Microsoft.ContainerRegistry/registries",
                "sku": {"name": self.sku, "tier": self.sku}, "location": self.location, "tags": {}, "systemData": self.system_data()}


class ReferrersIndex(RepoState):
    """Which manifests of one emulated ACR have a `subject`, per repository: what the OCI 1.1 referrers API lists.

    distribution 2.8 keeps no such index and has no API to list a repository's manifests, so the stand-in records every
    manifest that enters ACR storage (the import copier, manifest PUTs through the data plane front) and, before it
    answers, reads the manifests it has not seen yet (pushes straight to storage_url, a restarted stand-in) from the
    revisions distribution's filesystem holds. Kept in <state-dir>/registries/<name>/referrers/<repo, quoted>.json.
    Per repository: {manifest digest: descriptor of that manifest (with "subject": digest) or None (no subject)}.
    """

    def known(self, repo, digest):
        return digest in self.repos.get(repo, {})

    def record(self, repo, digest, media_type, body, save=True):
        """Remember one manifest (its exact bytes): a descriptor if it names a subject, else None. Returns the descriptor."""
        descriptor = describe_referrer(digest, media_type, body)
        self.repos.setdefault(repo, {})[digest] = descriptor
        if save:
            self.save(repo)
        return descriptor

    def referrers(self, repo, subject, present=None):
        """Descriptors of the manifests of `repo` whose subject is `subject` (only those in `present`, when given), by digest."""
        found = []
        for digest, descriptor in sorted(self.repos.get(repo, {}).items()):
            if descriptor and descriptor.get("subject") == subject and (present is None or digest in present):
                found.append({k: v for k, v in descriptor.items() if k != "subject"})
        return found


def describe_referrer(digest, media_type, body):
    """The referrers-API descriptor of a manifest (mediaType, digest, size, artifactType, annotations, + its subject digest),
    or None when it has no subject. artifactType falls back to the config's mediaType, as the OCI distribution spec says."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    subject = document.get("subject") if isinstance(document, dict) else None
    if not isinstance(subject, dict) or not subject.get("digest"):
        return None
    media_type = media_type or document.get("mediaType")
    artifact_type = document.get("artifactType")
    if not artifact_type and media_type not in INDEX_TYPES:
        artifact_type = (document.get("config") or {}).get("mediaType")
    descriptor = {"mediaType": media_type, "digest": digest, "size": len(body), "subject": subject["digest"]}
    if artifact_type:
        descriptor["artifactType"] = artifact_type
    if document.get("annotations"):
        descriptor["annotations"] = document["annotations"]
    return descriptor


class Source:
    def __init__(self, key, host, aliases, auth, realm_path, storage, users=None):
        self.key = key
        self.host = host
        self.aliases = list(aliases)
        self.auth = auth
        self.realm_path = realm_path
        self.storage = storage
        self.users = dict(users or {})

    @property
    def hosts(self):
        return [self.host] + self.aliases


def load_identity(path):
    """Stable ids across restarts of the same state dir."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    identity = {"tenant_id": str(uuid.uuid4()), "subscriptions": {"main": str(uuid.uuid4()), "other": str(uuid.uuid4())},
                "principals": {name: {"client_id": str(uuid.uuid4()), "object_id": str(uuid.uuid4())} for name in ("importer", "reader")}}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(identity, handle, indent=1)
    return identity


class World:
    """Everything the handlers share. Built by __main__ once storage runs."""

    def __init__(self, state_dir, cert_paths, registry_storage, source_storage, private_storage, settings_overrides):
        self.state_dir = state_dir
        self.cert_paths = cert_paths
        self.clock = Clock()
        self.signer = TokenSigner(self.clock)
        self.settings = Settings(**settings_overrides)
        self.initial_settings = dict(self.settings)
        self.counters = Counters()
        self.log = RequestLog()
        self.faults = Faults()
        self.behaviour = ImportBehaviour(self.settings["import_latency"])
        self.operations = {}
        # Marks the stand-in's own copier traffic, so byte counters can tell it from the client under test.
        self.internal_client_key = secrets.token_hex(16)
        self.front_port = None
        self.proxy_port = None
        self.http = None      # aiohttp ClientSession for plain-HTTP storage, set at start-up
        self.tls_http = None  # aiohttp ClientSession trusting the stand-in CA, for the copier's reads

        identity = load_identity(os.path.join(state_dir, "identity.json"))
        self.tenant_id = identity["tenant_id"]
        self.subscriptions = identity["subscriptions"]
        self.principals = {}
        for name, ids in identity["principals"].items():
            importer = name == "importer"
            principal = Principal(name, ids["client_id"], ids["object_id"], secrets.token_urlsafe(24), importer,
                                  config.ALL_ACTIONS if importer else config.READER_ACTIONS)
            principal.federated_token = secrets.token_urlsafe(32)
            self.principals[name] = principal
        federated_dir = os.path.join(state_dir, "federated")
        os.makedirs(federated_dir, exist_ok=True)
        for principal in self.principals.values():
            path = os.path.join(federated_dir, principal.name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(principal.federated_token)
            os.chmod(path, 0o600)

        tag_dir = os.path.join(state_dir, "registries")
        os.makedirs(tag_dir, exist_ok=True)
        self.registries = {}
        for name, (sub_key, group, location, sku) in config.REGISTRIES.items():
            self.registries[name] = Registry(name, sub_key, self.subscriptions[sub_key], group, location, sku, config.ACR_SUFFIX,
                                             registry_storage[name], os.path.join(tag_dir, name))
        self.sources = {}
        dockerhub_password = secrets.token_urlsafe(18)
        for key, spec in config.SOURCES.items():
            users = {config.DOCKERHUB_USER: dockerhub_password} if key == "dockerhub" else {}
            if key in config.TOKEN_ALONE_SOURCES:
                users = {config.DOCKERHUB_USER: "ghp_" + secrets.token_urlsafe(18)}  # a personal access token
            self.sources[key] = Source(key, spec["host"], spec["aliases"], spec["auth"], spec["realm_path"], source_storage[key], users)
        self.private = Source("private", config.PRIVATE_HOST, [], "basic", None, private_storage,
                              {config.PRIVATE_USER: private_storage.htpasswd[1]})

    # -- lookups -------------------------------------------------------------------------------------------------
    def registry_by_login(self, host):
        for registry in self.registries.values():
            if registry.login_server == host:
                return registry
        return None

    def registry_by_id(self, resource_id):
        wanted = (resource_id or "").strip().rstrip("/").lower()
        for registry in self.registries.values():
            if registry.id.lower() == wanted:
                return registry
        return None

    def registry_by_name(self, name):
        return self.registries.get((name or "").lower())

    def source_by_host(self, host):
        for source in self.sources.values():
            if host in source.hosts:
                return source
        if host == self.private.host:
            return self.private
        return None

    def principal_by_client_id(self, client_id):
        for principal in self.principals.values():
            if principal.client_id == client_id:
                return principal
        return None

    def subscription_key(self, subscription_id):
        for key, value in self.subscriptions.items():
            if value.lower() == (subscription_id or "").lower():
                return key
        return None

    def served_hosts(self):
        hosts = list(config.MANAGEMENT_HOSTS)
        hosts += [r.login_server for r in self.registries.values()]
        for source in self.sources.values():
            hosts += source.hosts
        return hosts

    @property
    def arm_endpoint(self):
        return "https://127.0.0.1:%d" % self.front_port

    def env(self):
        """The env.json document (docs/standin.md)."""
        principals = {name: {"client_id": p.client_id, "client_secret": p.secret, "tenant_id": self.tenant_id,
                             "object_id": p.object_id,
                             "federated_token_file": os.path.join(self.state_dir, "federated", name)}
                      for name, p in self.principals.items()}
        registries = {name: {"subscription_id": r.subscription_id, "subscription": r.sub_key, "resource_group": r.resource_group,
                             "login_server": r.login_server, "id": r.id, "location": r.location, "sku": r.sku,
                             "storage_url": r.storage.url}
                      for name, r in self.registries.items()}
        sources = {}
        for key, source in self.sources.items():
            sources[key] = {"host": source.host, "aliases": source.aliases, "storage_url": source.storage.url, "auth": source.auth}
            if source.users:
                user, password = next(iter(source.users.items()))
                sources[key].update({"username": user, "password": password, "private_namespace": user})
        user, password = next(iter(self.private.users.items()))
        sources["private"] = {"host": self.private.host, "aliases": [], "auth": "basic", "username": user, "password": password,
                              "storage_url": self.private.storage.url}
        return {
            "state_dir": self.state_dir,
            "ca_file": self.cert_paths["ca_file"],
            "ca_bundle": self.cert_paths["ca_bundle"],
            "proxy": "http://127.0.0.1:%d" % self.proxy_port,
            "arm_endpoint": self.arm_endpoint,
            "management_host": config.MANAGEMENT_HOST,
            "arm_audience": config.ARM_AUDIENCES[0],
            "acr_audience": config.ACR_AUDIENCE,
            "acr_suffix": config.ACR_SUFFIX,
            "tenant_id": self.tenant_id,
            "subscriptions": dict(self.subscriptions),
            "principals": principals,
            "registries": registries,
            "sources": sources,
            "control_url": "%s/_standin" % self.arm_endpoint,
            "pid": os.getpid(),
        }
