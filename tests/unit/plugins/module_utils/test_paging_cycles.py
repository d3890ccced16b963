# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A registry (or a proxy in front of one) whose Link headers page in a circle, A -> B -> C -> B: every listing (distribution
tags, ACR tags and manifests, catalogs) reads each page once and ends, instead of looping until the run's time is up. Through
the registry client's real session, with an adapter that serves the pages."""

from __future__ import annotations

import json

import requests
from requests.adapters import BaseAdapter

from ansible_collections.acrops.registry.plugins.module_utils import acr_tag_client, oci, repository_selection
from ansible_collections.acrops.registry.plugins.module_utils.errors import Redactor
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient

HOST = "registry.example.test"


class CirclingPages(BaseAdapter):
    """Serves `pages` (path without query -> three bodies); the first page links to the second, the second to the third, the
    third back to the second. Records every path asked for."""

    def __init__(self, bodies):
        super().__init__()
        self.bodies, self.asked = bodies, []

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        path = request.path_url
        self.asked.append(path)
        base, page = path.split("?")[0], int(path.split("page=")[1].split("&")[0]) if "page=" in path else 0
        following = {0: 1, 1: 2, 2: 1}[page]
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response.headers["Link"] = '<%s?page=%d&n=2>; rel="next"' % (base, following)
        response._content = json.dumps(self.bodies[base][page]).encode()  # pylint: disable=protected-access
        response.request, response.url = request, request.url
        return response

    def close(self):
        pass


def client_with(bodies):
    client = RegistryClient(Redactor())
    adapter = CirclingPages(bodies)
    client.session.mount("https://", adapter)
    return client, adapter


def test_next_page_ends_at_a_page_already_read():
    visited = {"/v2/a/tags/list?n=2"}
    assert oci.next_page('</v2/a/tags/list?page=1&n=2>; rel="next"', visited) == "/v2/a/tags/list?page=1&n=2"
    assert oci.next_page('<https://h/v2/a/tags/list?page=1&n=2>; rel="next"', visited) is None
    assert oci.next_page('</v2/a/tags/list?n=2>; rel="next"', visited) is None and oci.next_page(None, visited) is None
    assert visited == {"/v2/a/tags/list?n=2", "/v2/a/tags/list?page=1&n=2"}


def test_distribution_tags_in_a_circle_are_read_once_each():
    client, adapter = client_with({"/v2/app/tags/list": [{"tags": ["1", "2"]}, {"tags": ["3"]}, {"tags": ["4", "3"]}]})
    assert client.list_tags(HOST, "app", page_size=2) == ["1", "2", "3", "4"]
    assert adapter.asked == ["/v2/app/tags/list?n=2", "/v2/app/tags/list?page=1&n=2", "/v2/app/tags/list?page=2&n=2"]


def test_acr_manifests_and_tags_in_a_circle_are_read_once_each():
    pages = [[{"digest": "sha256:" + c * 64} for c in chunk] for chunk in ("ab", "c", "d")]
    client, adapter = client_with({"/acr/v1/app/_manifests": [{"manifests": p} for p in pages],
                                   "/acr/v1/app/_tags": [{"tags": [{"name": n, "digest": "sha256:" + "a" * 64}]} for n in ("x", "y", "z")]})
    assert [m["digest"][7] for m in acr_tag_client.list_manifests(client, HOST, "app")] == ["a", "b", "c", "d"]
    assert [name for name, state in client.acr_tags(HOST, "app")] == ["x", "y", "z"]
    assert len(adapter.asked) == 6, adapter.asked


def test_a_catalog_in_a_circle_is_read_once_each():
    client, adapter = client_with({"/v2/_catalog": [{"repositories": ["a", "b"]}, {"repositories": ["c"]}, {"repositories": ["d"]}]})
    assert repository_selection.Catalogs(client).repositories(HOST, None, None, acr=False) == ("a", "b", "c", "d")
    assert len(adapter.asked) == 3, adapter.asked
