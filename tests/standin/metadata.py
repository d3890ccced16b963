# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cloud metadata document (`GET {arm}/metadata/endpoints?api-version=...`, no auth).

Shapes by api-version, as the real ARM answers: before 2019-05-01 one object in the old schema (galleryEndpoint,
graphEndpoint, authentication; msrestazure reads this), 2019-05-01 up to 2022-09-01 a LIST of clouds (azure-cli's
ARM_CLOUD_METADATA_URL reads a list), 2022-09-01 and later one cloud object (azure-cli 2.91's `az cloud register`
passes it straight to _arm_to_cli_mapper). Suffixes carry no leading dot, as on management.azure.com.
"""

from . import config
from .responses import json_response


def cloud_document(host):
    arm = "https://%s/" % host
    extra = "https://%s.standin.test/"
    return {
        "portal": extra % "portal",
        "authentication": {"loginEndpoint": arm, "audiences": list(config.ARM_AUDIENCES), "tenant": "common",
                           "identityProvider": "AAD"},
        "media": extra % "rest.media",
        "graphAudience": extra % "graph",
        "graph": extra % "graph",
        "name": "StandIn",
        "suffixes": {"azureDataLakeStoreFileSystem": "azuredatalakestore.standin.test",
                     "acrLoginServer": config.ACR_SUFFIX,
                     "sqlServerHostname": "database.standin.test",
                     "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.standin.test",
                     "keyVaultDns": "vault.standin.test",
                     "storage": "core.standin.test",
                     "azureFrontDoorEndpointSuffix": "azurefd.standin.test",
                     "storageSyncEndpointSuffix": "afs.standin.test",
                     "mhsmDns": "managedhsm.standin.test",
                     "mysqlServerEndpoint": "mysql.database.standin.test",
                     "postgresqlServerEndpoint": "postgres.database.standin.test",
                     "mariadbServerEndpoint": "mariadb.database.standin.test",
                     "synapseAnalytics": "dev.azuresynapse.standin.test",
                     "attestationEndpoint": "attest.standin.test"},
        "batch": extra % "batch",
        "resourceManager": arm,
        "vmImageAliasDoc": extra % "vm-image-aliases",
        "activeDirectoryDataLake": extra % "datalake",
        "sqlManagement": extra % "management.core",
        "microsoftGraphResourceId": extra % "graph",
        "appInsightsResourceId": extra % "api.applicationinsights",
        "appInsightsTelemetryChannelResourceId": extra % "dc.applicationinsights",
        "attestationResourceId": extra % "attest",
        "synapseAnalyticsResourceId": extra % "dev.azuresynapse",
        "logAnalyticsResourceId": extra % "api.loganalytics",
        "ossrDbmsResourceId": extra % "ossrdbms-aad.database",
        "gallery": extra % "gallery",
    }


def shape_for(api_version, document):
    version = api_version or ""
    if version and version < "2019-05-01":
        old = dict(document)
        old.update({"galleryEndpoint": document["gallery"], "graphEndpoint": document["graph"],
                    "portalEndpoint": document["portal"]})
        return old
    if "2019-05-01" <= version < "2022-09-01":
        return [document]
    return document


def endpoints(request):
    return json_response(shape_for(request.query.get("api-version"), cloud_document(request.host)))
