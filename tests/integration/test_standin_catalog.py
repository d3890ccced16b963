# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in's repository catalogs (issue 18): ACR's /acr/v1/_catalog and /v2/_catalog paged by n/last/Link behind
registry:catalog:*, the private distribution source's own /v2/_catalog, and Docker Hub refusing the catalog."""

import urllib.parse

from standin import clients
from standin.fixture import basic_auth


def get(standin, url, **kwargs):
    with standin.proxied_session() as session:
        return session.get(url, timeout=30, **kwargs)


def walk(standin, url, headers):
    """Every page of a catalog, following Link: <...>; rel="next" (relative to the host)."""
    pages, next_url = [], url
    base = "https://" + urllib.parse.urlsplit(url).netloc
    while next_url:
        response = get(standin, next_url, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json()["repositories"])
        link = response.headers.get("Link")
        next_url = base + link.split(">")[0].lstrip("<") if link else None
        if link:
            assert link.endswith('>; rel="next"') and "last=" in link
    return pages


def test_acr_catalog_pages_with_the_sdk_and_both_routes(standin_client, unique_repo):
    standin = standin_client
    names = ["%s/%s" % (unique_repo, n) for n in ("a", "b", "c")]
    for name in names:
        standin.push("standinacr", name, "1")
    client = clients.registry_client(standin)
    pages = [list(page) for page in client.list_repository_names(results_per_page=2).by_page()]
    assert all(len(page) <= 2 for page in pages) and len(pages) >= 2
    listed = [name for page in pages for name in page]
    assert listed == sorted(listed) and set(names) <= set(listed)
    login = standin.env["registries"]["standinacr"]["login_server"]
    token = standin.acr_token("standinacr", "registry:catalog:*")
    for route in ("/acr/v1/_catalog", "/v2/_catalog"):
        pages = walk(standin, "https://%s%s?n=2" % (login, route), {"Authorization": "Bearer " + token})
        assert len(pages) >= 2 and all(len(page) <= 2 for page in pages)
        assert set(names) <= {name for page in pages for name in page}


def test_private_distribution_source_serves_a_paged_catalog(standin_client, unique_repo):
    standin = standin_client
    source = standin.env["sources"]["private"]
    names = ["%s/%s" % (unique_repo, n) for n in ("a", "b")]
    for name in names:
        standin.push("private", name, "1")
    pages = walk(standin, "https://%s/v2/_catalog?n=1" % source["host"], {"Authorization": basic_auth(source["username"], source["password"])})
    assert len(pages) >= 2 and all(len(page) == 1 for page in pages)
    assert set(names) <= {name for page in pages for name in page}


def test_docker_hub_refuses_the_catalog_with_or_without_a_token(standin_client):
    standin = standin_client
    host = standin.env["sources"]["dockerhub"]["host"]
    refused = get(standin, "https://%s/v2/_catalog" % host)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="https://%s/token",service="%s",scope="registry:catalog:*"' % (host, host)
    assert refused.json()["errors"][0]["detail"] == [{"Type": "registry", "Class": "", "Name": "catalog", "Action": "*"}]
    token = get(standin, "https://%s/token" % host, params={"service": host, "scope": "registry:catalog:*"}).json()["token"]
    again = get(standin, "https://%s/v2/_catalog" % host, headers={"Authorization": "Bearer " + token})
    assert again.status_code == 401 and again.headers["WWW-Authenticate"].endswith(',error="insufficient_scope"')
