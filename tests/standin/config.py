# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixed facts of the emulated world: which registries, subscriptions and source hosts exist.

Everything here is data. Names, resource groups and regions are what docs/standin.md promises in env.json.
"""

ACR_SUFFIX = "azurecr.standin.test"
MANAGEMENT_HOST = "management.standin.test"
MANAGEMENT_HOSTS = ("127.0.0.1", "localhost", MANAGEMENT_HOST)

# The Entra audiences of this cloud's Resource Manager (metadata authentication.audiences). Tokens for any other
# resource are refused by ARM, as the real ARM refuses tokens minted for a wrong audience.
ARM_AUDIENCES = ("https://management.core.standin.test/", "https://management.standin.test/")
# The data plane also takes tokens for this audience (azure-containerregistry's default `audience`).
ACR_AUDIENCE = "https://containerregistry.azure.net"

# name -> (subscription key, resource group, region, sku)
REGISTRIES = {
    "standinacr": ("main", "rg-mirror", "westus", "Premium"),
    "devacr": ("main", "rg-dev", "eastus", "Standard"),
    "prodacr": ("main", "rg-prod", "westeurope", "Premium"),
    "otheracr": ("other", "rg-other", "westus2", "Standard"),
}

# Docker-Hub-like source hosts served by the front. auth: "bearer" (anonymous tokens from a realm), "none" (MCR).
SOURCES = {
    "dockerhub": {"host": "registry-1.docker.io", "aliases": ["docker.io", "index.docker.io", "registry.hub.docker.com"],
                  "auth": "bearer", "realm_path": "/token"},
    "ghcr": {"host": "ghcr.io", "aliases": [], "auth": "bearer", "realm_path": "/token"},
    "mcr": {"host": "mcr.microsoft.com", "aliases": [], "auth": "none", "realm_path": None},
    "quay": {"host": "quay.io", "aliases": [], "auth": "bearer", "realm_path": "/v2/auth"},
}
# A registry with its own TLS and htpasswd Basic auth, reached straight (the proxy tunnels to its own port).
PRIVATE_HOST = "private.registry.test"
PRIVATE_USER = "mirror-bot"

# Docker Hub account the stand-in knows: repositories under this namespace are private to it.
DOCKERHUB_USER = "standinuser"
# Sources where the same account has a private namespace reached with a token alone (a personal access token with any
# username, or none), as GHCR: env.json's "password" is that token.
TOKEN_ALONE_SOURCES = ("ghcr",)

DEFAULTS = {
    "retry_after": None,          # seconds for a Retry-After header (real service: 10); None = fast mode
    "retry_after_ms": 50,         # x-ms-retry-after-ms in fast mode
    "page_size": 2,               # ARM list page size, small so that nextLink paging is exercised
    "entra_token_lifetime": 3600,
    "acr_refresh_token_lifetime": 11700,   # what the recorded ACR refresh token carried (exp - iat)
    "acr_access_token_lifetime": 4500,     # same for the recorded ACR access token
    "source_token_lifetime": 300,          # Docker Hub's expires_in
    "import_latency": 0.0,
    "dockerhub_pull_limit": 100,           # pulls per client before 429 (Docker Hub's rule: sources.pulls_of_manifest), its anonymous limit
    "max_import_manifests": 50,
    "token_scope_limit": 0,                # >0: token services grant only the first N scopes of a request (0 = all)
    "entra_unknown_resources": [],         # resources Entra answers AADSTS500011 for (ACR's audience, as in a private cloud)
    "max_request_header_bytes": 8192,      # data-plane fronts answer 400 above this many header bytes (0 = no limit)
    "catalog_page_size": 0,                # >0: ACR's /acr/v1/_catalog caps a page at this many names whatever n asks (0 = n)
    "manifests_page_size": 0,              # >0: ACR's /acr/v1/{repo}/_manifests caps a page at this many manifests (0 = n)
}

ALL_ACTIONS = ("pull", "push", "delete", "metadata_read", "metadata_write")
READER_ACTIONS = ("pull", "metadata_read")
