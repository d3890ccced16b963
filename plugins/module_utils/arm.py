# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Azure Resource Manager: find registries, run importImage as a long-running operation.

Built on azure-mgmt-containerregistry (its LRO poller, azure-core's retry policy); this layer only
adds what the SDK does not: finding a registry by name, login server or resource ID across
subscriptions, a timeout that names the operation, and errors in the service's own words.
"""

from __future__ import annotations

import re
import threading
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.retries import azure_retry_kwargs

Registry = namedtuple("Registry", "name resource_group subscription_id login_server id location")

REGISTRY_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.ContainerRegistry/registries/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)
REGISTRY_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}$")

HINTS = {
    "AuthorizationFailed": "grant the identity 'Container Registry Data Importer and Data Reader' (or Contributor) on the target registry",
    "ResourceNotFound": "check registry, resource_group and subscription_id",
    "ResourceGroupNotFound": "check resource_group and subscription_id",
    "InvalidAuthenticationToken": "the Azure credentials are not valid for this cloud: check tenant, cloud_environment and the clock",
}


def parse_registry_id(text):
    match = REGISTRY_ID.match(text or "")
    if not match:
        return None
    return match.group("sub"), match.group("rg"), match.group("name")


def error_from(exc, redactor, what):
    """An AcrOpsError in the service's words from any azure-core exception."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)
    status = getattr(exc, "status_code", None)
    if exc.__class__.__name__ == "ClientAuthenticationError" and status is None:
        hint = "check client_id, secret, tenant and cloud_environment (the identity provider refused the credentials)"
    else:
        hint = HINTS.get(code)
    text = "%s failed: %s" % (what, message.strip().splitlines()[0] if message.strip() else exc.__class__.__name__)
    if status and "HTTP" not in text:
        text += " (HTTP %s)" % status
    return AcrOpsError(redactor.scrub(text), code=code, hint=hint)


class ArmClient:
    """Resource Manager calls for one module run; one SDK client per subscription, created lazily."""

    def __init__(self, credential, subscription_id, cloud, redactor, transport_kwargs=None, polling_interval=5):
        self.credential = credential
        self.subscription_id = subscription_id
        self.cloud = cloud
        self.redactor = redactor
        self.transport_kwargs = dict(transport_kwargs or {})
        self.polling_interval = polling_interval
        self._clients = {}
        self._lock = threading.Lock()
        self._registry_list = {}

    def client(self, subscription_id=None):
        subscription_id = subscription_id or self.subscription_id
        with self._lock:
            if subscription_id not in self._clients:
                # Imported here: the SDK costs ~0.2 s to import and validation errors should not pay for it.
                from azure.mgmt.containerregistry import ContainerRegistryManagementClient  # pylint: disable=import-outside-toplevel
                from ansible_collections.acrops.registry.plugins.module_utils.cloud import arm_scope  # pylint: disable=import-outside-toplevel

                kwargs = dict(self.transport_kwargs)
                kwargs.update(azure_retry_kwargs())
                self._clients[subscription_id] = ContainerRegistryManagementClient(
                    self.credential, subscription_id, base_url=self.cloud.resource_manager,
                    credential_scopes=[arm_scope(self.cloud)], polling_interval=self.polling_interval, **kwargs)
            return self._clients[subscription_id]

    @staticmethod
    def _registry(model, subscription_id):
        data = model.as_dict() if hasattr(model, "as_dict") else dict(model)
        parsed = parse_registry_id(data.get("id")) or (subscription_id, None, data.get("name"))
        login_server = (data.get("properties") or {}).get("loginServer") or data.get("login_server") or getattr(model, "login_server", None)
        return Registry(data.get("name"), parsed[1], parsed[0], login_server, data.get("id"), data.get("location"))

    def list_registries(self, subscription_id=None):
        subscription_id = subscription_id or self.subscription_id
        if subscription_id not in self._registry_list:
            try:
                found = [self._registry(r, subscription_id) for r in self.client(subscription_id).registries.list()]
            except Exception as exc:  # azure-core raises HttpResponseError and its subclasses
                raise error_from(exc, self.redactor, "listing the registries of subscription %s" % subscription_id) from None
            self._registry_list[subscription_id] = found
        return self._registry_list[subscription_id]

    def get_registry(self, name, resource_group=None, subscription_id=None):
        """A registry by name (resource group found by listing the subscription when not given)."""
        subscription_id = subscription_id or self.subscription_id
        if resource_group:
            try:
                model = self.client(subscription_id).registries.get(resource_group, name)
            except Exception as exc:  # azure-core exceptions
                raise error_from(exc, self.redactor, "reading registry %s in resource group %s" % (name, resource_group)) from None
            return self._registry(model, subscription_id)
        matches = [r for r in self.list_registries(subscription_id) if r.name.lower() == name.lower()]
        if not matches:
            raise AcrOpsError("no registry named %s in subscription %s" % (name, subscription_id),
                              hint="check the name, or give resource_group and subscription_id (or a resource ID)")
        if len(matches) > 1:
            raise AcrOpsError("several registries named %s in subscription %s (resource groups: %s): set resource_group"
                              % (name, subscription_id, ", ".join(sorted(r.resource_group for r in matches))))
        return matches[0]

    def resolve_registry(self, text):
        """A registry given as an ARM resource ID, a login server or a name."""
        parsed = parse_registry_id(text)
        if parsed:
            return self.get_registry(parsed[2], parsed[1], parsed[0])
        if "." in text:
            matches = [r for r in self.list_registries() if (r.login_server or "").lower() == text.lower()]
            if not matches:
                raise AcrOpsError("no registry with login server %s in subscription %s" % (text, self.subscription_id),
                                  hint="for a registry in another subscription give its resource ID")
            return matches[0]
        return self.get_registry(text)

    def import_image(self, registry, body, wait=True, timeout=900):
        """POST importImage and (with wait) follow the operation; returns the operation URL."""
        seen = {}

        def remember_location(pipeline_response):
            location = pipeline_response.http_response.headers.get("Location")
            if location and "url" not in seen:
                seen["url"] = location

        client = self.client(registry.subscription_id)
        what = "import into %s" % registry.name
        try:
            poller = client.registries.begin_import_image(registry.resource_group, registry.name, body, polling=bool(wait),
                                                          raw_response_hook=remember_location)
            if not wait:
                return seen.get("url")
            poller.wait(timeout)
            if not poller.done():
                raise AcrOpsError("%s did not finish within %s s; it may still be running: operation %s"
                                  % (what, timeout, self.redactor.scrub(seen.get("url") or "unknown")),
                                  code="Timeout", hint="raise timeout, or run again later: the next run reads the true state",
                                  operation_url=seen.get("url"))
            poller.result()
        except AcrOpsError:
            raise
        except Exception as exc:  # azure-core exceptions, with the service's code and message
            error = error_from(exc, self.redactor, what)
            error.operation_url = seen.get("url")
            raise error from None
        return seen.get("url")
