#!/usr/bin/env bash
# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Opt-in check: the real azure-cli (the seed's tool) against the local ACR stand-in.
# Installs azure-cli==2.91.0 into its own venv (~/.cache/acrops-registry/az-venv, reused), starts a stand-in,
# registers it as a cloud, logs in as the importer service principal and runs `az acr import` twice: the first
# succeeds, the second (NoForce onto the same tag) must fail with the service's "already exists" message.
#
# Usage: benchmarks/az_cli_check.sh            (STANDIN_PYTHON: a python with aiohttp, trustme, requests;
#                                                AZ_VENV: where azure-cli goes; PYTHON: what builds that venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AZ_VENV="${AZ_VENV:-$HOME/.cache/acrops-registry/az-venv}"
PYTHON="${PYTHON:-python3}"
STANDIN_PYTHON="${STANDIN_PYTHON:-python3}"
AZ_VERSION="2.91.0"

if ! "$STANDIN_PYTHON" -c "import aiohttp, trustme, requests" 2>/dev/null; then
    echo "az_cli_check: $STANDIN_PYTHON lacks aiohttp/trustme/requests; set STANDIN_PYTHON to the test venv's python" >&2
    exit 2
fi
if [ ! -x "$AZ_VENV/bin/az" ] || ! "$AZ_VENV/bin/az" version --output tsv 2>/dev/null | grep -q "$AZ_VERSION"; then
    echo "az_cli_check: installing azure-cli==$AZ_VERSION into $AZ_VENV (once)"
    "$PYTHON" -m venv "$AZ_VENV"
    "$AZ_VENV/bin/python" -m pip install --quiet --upgrade pip
    "$AZ_VENV/bin/python" -m pip install --quiet "azure-cli==$AZ_VERSION"
fi
AZ="$AZ_VENV/bin/az"

WORK="$(mktemp -d)"
STANDIN_PID=""
cleanup() {
    if [ -n "$STANDIN_PID" ]; then
        kill -TERM -- "-$STANDIN_PID" 2>/dev/null || true
        wait "$STANDIN_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# The stand-in in its own process group (setsid), so that cleanup ends it and its storage processes together.
PYTHONPATH="$ROOT/tests" setsid "$STANDIN_PYTHON" -m standin run --state-dir "$WORK/standin" --parent-pid $$ \
    >"$WORK/standin.out" 2>&1 &
STANDIN_PID=$!
for _ in $(seq 1 300); do
    [ -f "$WORK/standin/env.json" ] && break
    sleep 0.1
done
[ -f "$WORK/standin/env.json" ] || { echo "az_cli_check: the stand-in did not start" >&2; cat "$WORK/standin.out" >&2; exit 1; }

env_value() {
    "$STANDIN_PYTHON" -c "import json, sys; d = json.load(open(sys.argv[1])); print(eval('d' + sys.argv[2]))" \
        "$WORK/standin/env.json" "$1"
}
ARM="$(env_value '["arm_endpoint"]')"
CLIENT_ID="$(env_value '["principals"]["importer"]["client_id"]')"
SECRET="$(env_value '["principals"]["importer"]["client_secret"]')"
TENANT="$(env_value '["tenant_id"]')"
SUBSCRIPTION="$(env_value '["subscriptions"]["main"]')"
SOURCE_DIGEST="$(PYTHONPATH="$ROOT/tests" "$STANDIN_PYTHON" -c \
    "from standin.fixture import attach; print(attach('$WORK/standin/env.json').push('dockerhub', 'library/hello-world', 'latest'))")"

export AZURE_CONFIG_DIR="$WORK/az-config"
export AZURE_CORE_INSTANCE_DISCOVERY=false
export AZURE_CORE_COLLECT_TELEMETRY=false
export AZURE_CORE_ONLY_SHOW_ERRORS=true
export HTTPS_PROXY
HTTPS_PROXY="$(env_value '["proxy"]')"
export NO_PROXY="127.0.0.1,localhost"
export REQUESTS_CA_BUNDLE
REQUESTS_CA_BUNDLE="$(env_value '["ca_bundle"]')"

echo "== az cloud register (reads $ARM/metadata/endpoints?api-version=2022-09-01)"
"$AZ" cloud register --name StandIn --endpoint-resource-manager "$ARM" --output none
"$AZ" cloud set --name StandIn --output none
echo "== az login --service-principal"
"$AZ" login --service-principal --username "$CLIENT_ID" --password "$SECRET" --tenant "$TENANT" --output none
"$AZ" account set --subscription "$SUBSCRIPTION"

echo "== az acr import (expected to succeed)"
START=$(date +%s%N)
"$AZ" acr import --name standinacr --source docker.io/library/hello-world:latest --image mirror/hello-world:latest
END=$(date +%s%N)
DEST_DIGEST="$(PYTHONPATH="$ROOT/tests" "$STANDIN_PYTHON" -c \
    "from standin.fixture import attach; print(attach('$WORK/standin/env.json').storage_digest('standinacr', 'mirror/hello-world', 'latest'))")"
echo "   source $SOURCE_DIGEST"
echo "   target $DEST_DIGEST ($(( (END - START) / 1000000 )) ms)"
[ "$SOURCE_DIGEST" = "$DEST_DIGEST" ] || { echo "az_cli_check: digests differ" >&2; exit 1; }

echo "== az acr import again, NoForce (expected to fail with the service's message)"
if "$AZ" acr import --name standinacr --source docker.io/library/hello-world:latest --image mirror/hello-world:latest \
        2>"$WORK/conflict.err"; then
    echo "az_cli_check: the second import succeeded; NoForce should have refused it" >&2
    exit 1
fi
cat "$WORK/conflict.err"
grep -q "Tag mirror/hello-world:latest already exists in target registry." "$WORK/conflict.err"
echo "az_cli_check: OK (azure-cli $AZ_VERSION)"
