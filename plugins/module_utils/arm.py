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
import time
from collections import namedtuple
from urllib.parse import urlsplit

from ansible_collections.acrops.registry.plugins.module_utils import oci
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.retries import (
    ARM_MIN_WAIT, DEFAULT_POLICY, RETRY_STATUSES, TRANSIENT_SERVICE_CODES)
from ansible_collections.acrops.registry.plugins.module_utils.validation import parse_registry_id

# role_assignment_mode: the registry's roleAssignmentMode (acr_roles.py), None when Resource Manager does not say.
Registry = namedtuple("Registry", "name resource_group subscription_id login_server id location role_assignment_mode")
Registry.__new__.__defaults__ = (None,)

HINTS = {
    "AuthorizationFailed": "grant the identity 'Container Registry Data Importer and Data Reader' (or Contributor) on the target registry",
    "ResourceNotFound": "check registry, resource_group and subscription_id",
    "ResourceGroupNotFound": "check resource_group and subscription_id",
    "InvalidAuthenticationToken": "the Azure credentials are not valid for this cloud: check tenant, cloud_environment and the clock",
    "ExpiredAuthenticationToken": "Resource Manager found the token expired by its clock: check this machine's clock (time sync)",
}
# Refused before any work began, and a new token may be taken: the whole operation is worth another attempt. An expired token
# happens when a request carrying it crossed its expiry on the way (or the service's clock is ahead: then the retries fail too,
# with the hint above).
RETRY_WITH_NEW_TOKEN = frozenset(("ExpiredAuthenticationToken",))
# A failed import arrives as InvalidParameters whose message carries the service's detail: hint by that detail.
DETAIL_HINTS = (
    (re.compile(r"already exists in target registry"), "set force to overwrite the tag, or choose another target"),
    (re.compile(r"Unauthorized|authentication required", re.IGNORECASE),
     "the source registry refused ACR's import service: give source_username/source_password (a token alone works), check them, "
     "and write Docker Hub official images with library/"),
    (re.compile(r"Unable to find manifest|manifest unknown", re.IGNORECASE),
     "the tag or digest does not exist in the source (any more): check it and the repository path"),
    (re.compile(r"TooManyRequests|rate limit", re.IGNORECASE),
     "the source registry rate-limited the import: give source_username/source_password to raise the limit"),
    (re.compile(r"not allowed access|aka\.ms/acr/firewall", re.IGNORECASE),
     "a registry's network rules refused ACR's import service: name a source ACR by its resource ID (source_registry) and allow "
     "trusted Azure services on it (networkRuleBypassOptions: AzureServices, 'Allow trusted Microsoft services'); a target registry "
     "with network rules needs trusted services allowed too"),
    (re.compile(r"Forbidden|DENIED"), "a target tag is locked (writeEnabled: false), or the source refused access: unlock the tag or "
     "check the source credentials"),
    (re.compile(r"manifests per image|maximum number of manifests", re.IGNORECASE),
     "the source index lists more manifests than ACR imports at once (50): set platforms to keep the platforms you need (each child "
     "is imported by digest and an index of them pushed), or platform to import one"),
)
TLS_ERROR = re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed|SSLError|SSL:", re.IGNORECASE)
TLS_HINT = "TLS verification failed: trust the endpoint's CA with ca_bundle or REQUESTS_CA_BUNDLE"
# azure-core errors that mean "no answer came back": the request may not have reached the service.
CONNECTION_ERRORS = frozenset(("ServiceRequestError", "ServiceResponseError", "ServiceRequestTimeoutError", "ServiceResponseTimeoutError"))


RESOURCE_MANAGER, IDENTITY_PROVIDER = "Resource Manager", "the identity provider"
PROXY_HINT = "a proxy or gateway may be answering for %s (%s): check HTTPS_PROXY/NO_PROXY"
# Per thread, the last answer of Resource Manager or the identity provider whose body was not JSON, as NotJson: the SDKs
# raise a bare JSONDecodeError (ARM) or "Authentication failed: Expecting value" / "HTTP Error: 502" (azure-identity) for one
# (a proxy's sign-in page with 200, a gateway's 502 page), which keeps neither the status nor what answered.
NotJson = namedtuple("NotJson", "service host status description")
_not_json = threading.local()


def record_answer(response, service, host):
    """Remember (or forget) this thread's last answer that was not JSON; called by the transports for every answer."""
    content_type = (response.headers.get("Content-Type") or "").lower()
    if not content_type or "json" in content_type:
        _not_json.answer = None
        return
    try:
        response.read()  # a streamed answer (an LRO's first) is read here, and kept: the SDK's own read() then finds it read
        body = response.text() or ""
    except Exception:  # pylint: disable=broad-exception-caught  # what answered is only for the message: never fail the call
        body = ""
    if oci.is_web_page(content_type, body):
        description = "a web page, not JSON: %s" % oci.web_page_words(body)
    else:
        description = "%s, not JSON: %s" % (content_type.split(";")[0], " ".join(body.split())[:200] or "(empty)")
    _not_json.answer = NotJson(service, host, response.status_code, description)


def not_json_answer():
    """This thread's last answer (a NotJson) if it was not JSON, else None."""
    return getattr(_not_json, "answer", None)


def error_from(exc, redactor, what):
    """An AcrOpsError in the service's words from any azure-core exception (or the SDK's JSONDecodeError for an answer that
    was not JSON: then in the words of what answered)."""
    answer = not_json_answer()
    undecodable = (isinstance(exc, ValueError) and getattr(exc, "status_code", None) is None) or exc.__class__.__name__ == "DecodeError"
    if answer is not None and (undecodable if answer.service == RESOURCE_MANAGER else exc.__class__.__name__ == "ClientAuthenticationError"):
        return AcrOpsError(redactor.scrub("%s failed: %s answered HTTP %s with %s" % (what, answer.service, answer.status, answer.description)),
                           hint=PROXY_HINT % (answer.service, answer.host))
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)
    status = getattr(exc, "status_code", None)
    if TLS_ERROR.search(message):
        hint = TLS_HINT
    elif (exc.__class__.__name__ == "ClientAuthenticationError" and status is None) or "AADSTS" in message:
        hint = "check client_id, secret, tenant and cloud_environment (the identity provider refused the credentials)"
    else:
        hint = HINTS.get(code) or next((h for pattern, h in DETAIL_HINTS if pattern.search(message)), None)
    text = "%s failed: %s" % (what, message.strip().splitlines()[0] if message.strip() else exc.__class__.__name__)
    if status and "HTTP" not in text:
        text += " (HTTP %s)" % status
    # Transient by the service's code (the ARM error code of the answer or of the failed operation), not by its words.
    return AcrOpsError(redactor.scrub(text), code=code, hint=hint, transient=code in TRANSIENT_SERVICE_CODES or code in RETRY_WITH_NEW_TOKEN)


def source_label(body):
    """What an importImage body imports, as a person would write it (the source ACR by name, not by resource ID)."""
    source = body.get("source") or {}
    parsed = parse_registry_id(source.get("resourceId") or "")
    return "%s/%s" % (parsed[2] if parsed else source.get("registryUri") or "", source.get("sourceImage"))


def is_transient(exc, status=None):
    """Worth another import attempt (after re-reading): no answer came back (connection reset, timeout), or a throttling or
    server status that azure-core did not retry itself (for a POST it retries only 500, 503, 504 and answers with Retry-After)."""
    if CONNECTION_ERRORS.intersection(cls.__name__ for cls in type(exc).__mro__):
        return True
    status = getattr(exc, "status_code", None) or status
    response = getattr(exc, "response", None)
    retried = status in (500, 503, 504) or bool(response is not None and getattr(response, "headers", {}).get("Retry-After"))
    return status in RETRY_STATUSES and not retried


def recording(transport_class, service):
    """The transport remembering each thread's last answer that was not JSON (record_answer), for error_from's words."""

    class RecordingTransport(transport_class):
        def send(self, request, **kwargs):
            response = super().send(request, **kwargs)
            record_answer(response, service, urlsplit(request.url).netloc)
            return response

    return RecordingTransport


def paced(transport_class, retry_policy=DEFAULT_POLICY):
    """The transport with a floor and a ceiling under its waits: azure-core's poller and retry policy sleep through
    transport.sleep() for the service's hint (x-ms-retry-after-ms may be a few milliseconds); never shorter than
    ARM_MIN_WAIT. Hints up to the policy's max_wait (retry_max_wait; ACR sends Retry-After: 10) are kept; azure-core bounds none, so every
    answer's hint is checked here first (RetryPolicy.bound_retry_after): a longer one on a 429/503 fails the call at once,
    a malformed one (azure-core raises on "soon") is dropped."""

    class PacedTransport(recording(transport_class, RESOURCE_MANAGER)):
        def send(self, request, **kwargs):
            response = super().send(request, **kwargs)
            retry_policy.bound_retry_after(response.headers, response.status_code, "Resource Manager (%s)" % urlsplit(request.url).netloc)
            return response

        def sleep(self, duration):
            time.sleep(max(duration, ARM_MIN_WAIT))

    return PacedTransport


def requests_transport(transport_kwargs, pool_size, paced_waits=False, retry_policy=DEFAULT_POLICY):
    """azure-core's RequestsTransport over a session of ours: its HTTPS pools share the process's parsed CA bundle
    (tls.SharedContextAdapter) with the registry client, and hold pool_size connections. Used for ARM and for
    azure-identity's token calls."""
    # pylint: disable=import-outside-toplevel  # azure-core and requests load only once Azure is really needed
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from urllib3.util.retry import Retry
    from ansible_collections.acrops.registry.plugins.module_utils.tls import SharedContextAdapter

    session = requests.Session()
    # No urllib3 retries: azure-core's retry policy (azure_retry_kwargs) is the one that retries, as in its own transport.
    adapter = SharedContextAdapter(pool_connections=pool_size, pool_maxsize=pool_size,
                                   max_retries=Retry(total=False, redirect=False, raise_on_status=False))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    transport_class = paced(RequestsTransport, retry_policy) if paced_waits else recording(RequestsTransport, IDENTITY_PROVIDER)
    return transport_class(session=session, session_owner=True, **dict(transport_kwargs or {}))


class ArmClient:
    """Resource Manager calls for one module run; one SDK client per subscription, created lazily."""

    def __init__(self, credential, subscription_id, cloud, redactor, transport_kwargs=None, polling_interval=5, pool_size=10,
                 retry_policy=DEFAULT_POLICY):
        self.retry_policy = retry_policy
        self.pool_size = pool_size
        self.credential = credential
        self.subscription_id = subscription_id
        self.cloud = cloud
        self.redactor = redactor
        self.transport_kwargs = dict(transport_kwargs or {})
        self.polling_interval = polling_interval
        self._clients = {}
        self._lock = threading.Lock()
        self._registry_list = {}
        # running_imports.RunningImports of the run (set by the task), or None: imports it has not seen finish, for a
        # stopped run's result and the journal the next run reads.
        self.running = None

    def client(self, subscription_id=None):
        subscription_id = subscription_id or self.subscription_id
        with self._lock:
            if subscription_id not in self._clients:
                # Imported here: the SDK costs ~0.2 s to import and validation errors should not pay for it.
                from azure.mgmt.containerregistry import ContainerRegistryManagementClient  # pylint: disable=import-outside-toplevel
                from ansible_collections.acrops.registry.plugins.module_utils.cloud import arm_scope  # pylint: disable=import-outside-toplevel

                kwargs = dict(self.retry_policy.azure_retry_kwargs(), transport=self._transport())
                self._clients[subscription_id] = ContainerRegistryManagementClient(
                    self.credential, subscription_id, base_url=self.cloud.resource_manager,
                    credential_scopes=[arm_scope(self.cloud)], polling_interval=self.polling_interval, **kwargs)
            return self._clients[subscription_id]

    def _transport(self):
        """azure-core's transport over a session whose pool holds a connection per concurrent import: its default pool
        keeps 10, so a batch polling more operations than that would open (and TLS-handshake) a new connection per poll."""
        return requests_transport(self.transport_kwargs, self.pool_size, paced_waits=True, retry_policy=self.retry_policy)

    @staticmethod
    def _registry(model, subscription_id):
        data = model.as_dict() if hasattr(model, "as_dict") else dict(model)
        parsed = parse_registry_id(data.get("id")) or (subscription_id, None, data.get("name"))
        login_server = (data.get("properties") or {}).get("loginServer") or data.get("login_server") or getattr(model, "login_server", None)
        mode = (data.get("properties") or {}).get("roleAssignmentMode") or data.get("role_assignment_mode") or getattr(
            model, "role_assignment_mode", None)
        return Registry(data.get("name"), parsed[1], parsed[0], login_server, data.get("id"), data.get("location"),
                        mode if isinstance(mode, str) else None)

    def list_registries(self, subscription_id=None):
        subscription_id = subscription_id or self.subscription_id
        if subscription_id not in self._registry_list:
            try:
                found = [self._registry(r, subscription_id) for r in self.client(subscription_id).registries.list()]
            except AcrOpsError:
                raise  # a throttling hint beyond what a run waits (retries.RetryAfterTooLong), already in our words
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
            except AcrOpsError:
                raise
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
        """POST importImage and (with wait) follow the operation; returns the operation URL. While it runs it is in
        self.running (when set), so that a stopped run can name it; an abandoned run starts no import and stops waiting."""
        seen = {}
        running = self.running
        what = "import into %s" % registry.name
        if running is not None and running.abandoned.is_set():
            raise AcrOpsError("%s not started: the run was stopped" % what, code="Abandoned")

        def remember_location(pipeline_response):
            seen["status"] = pipeline_response.http_response.status_code
            location = pipeline_response.http_response.headers.get("Location")
            if location and "url" not in seen:
                seen["url"] = location
                if wait and running is not None:
                    seen["key"] = running.started(registry.id or registry.name, source_label(body), self.redactor.scrub(location))

        client = self.client(registry.subscription_id)
        try:
            poller = client.registries.begin_import_image(registry.resource_group, registry.name, body, polling=bool(wait),
                                                          raw_response_hook=remember_location)
            if not wait:
                return seen.get("url")
            self._wait(poller, timeout, running)
            if not poller.done():
                raise AcrOpsError("%s did not finish within %s s; it may still be running: operation %s"
                                  % (what, timeout, self.redactor.scrub(seen.get("url") or "unknown")),
                                  code="Timeout", hint="raise timeout, or run again later: the next run reads the true state",
                                  operation_url=seen.get("url"))
            poller.result()
        except AcrOpsError as exc:
            if exc.code not in ("Timeout", "Abandoned"):  # those may still be running: they stay in the journal
                self._finished(seen, False)
            raise
        except Exception as exc:  # azure-core exceptions, with the service's code and message
            self._finished(seen, False)
            status = seen.get("status") or 0
            if isinstance(exc, ValueError) and getattr(exc, "status_code", None) is None and status >= 400 and not_json_answer() is None:
                # azure-mgmt-containerregistry 15 raises a bare JSONDecodeError for an error answer without a JSON body
                # (a gateway's 429 or 502): report the HTTP status instead of the decoder's complaint.
                error = AcrOpsError("%s failed: HTTP %s, without an error body" % (what, status))
            else:
                error = error_from(exc, self.redactor, what)
            error.operation_url = seen.get("url")
            # azure-core does not repeat a POST that got no answer (or a 429 without Retry-After): the importer re-reads
            # the targets and re-plans before trying again, so a repeat never imports twice.
            error.transient = error.transient or is_transient(exc, status)
            raise error from None
        self._finished(seen, True)
        return seen.get("url")

    def _finished(self, seen, succeeded):
        if "key" in seen:
            self.running.finished(seen.pop("key"), succeeded)

    @staticmethod
    def _wait(poller, timeout, running):
        """poller.wait(timeout), in slices while the run may be abandoned: a stopped run (task timeout) must not sit in here
        until the service finishes, since its worker process ends only when every thread has."""
        deadline = time.monotonic() + timeout
        while not poller.done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if running is not None and running.abandoned.is_set():
                raise AcrOpsError("stopped waiting for the import: the run was stopped", code="Abandoned")
            poller.wait(min(remaining, 0.5) if running is not None else remaining)
