#!/usr/bin/env bash
# The offline demo (README command 1): installs the dependencies, builds vulnwatch, serves the
# bundled JVN feed from a loopback HTTPS server, runs one real poll cycle, delivers to a local
# SMTP server and a local webhook receiver, and prints what arrived. Needs no internet.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "installing dependencies (Debian packages)"
bash scripts/install-deps.sh

step "building"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target vulnwatch -j"$(nproc)"
vw="$root/build/daemon/vulnwatch"

step "starting the local servers (HTTPS feed server, SMTP server, webhook receiver)"
# shellcheck source=scripts/test-servers.sh
source scripts/test-servers.sh
ts_start >/dev/null
trap 'ts_stop >/dev/null 2>&1 || true' EXIT
cp demo/feeds/jvndb_new_demo.rdf "$TS_HTTP_DOCROOT/"
work="$TS_DIR/demo"
mkdir -p "$work"
printf '%s\n' "$TS_SMTP_PASS" > "$work/smtp.secret"
printf 'demo-webhook-key\n' > "$work/webhook.secret"
cat > "$work/vulnwatch.conf" <<CONF
; written by scripts/demo.sh for the offline demo
[store]
path = $work/vulnwatch.db

[daemon]
log_level = info

[source.jvndb-new]
type = jvn-rss
url = https://127.0.0.1:$TS_HTTPS_PORT/feeds/jvndb_new_demo.rdf
interval = 15m
ca_file = $TS_CA_CERT

[notifier.mail]
type = email
smtp = smtp://127.0.0.1:$TS_SMTP_PORT
starttls = required
ca_file = $TS_CA_CERT
from = vulnwatch <vulnwatch@example.jp>
user = $TS_SMTP_USER
password_file = smtp.secret
mode = immediate

[notifier.chat]
type = webhook
url = http://127.0.0.1:$TS_HTTP_PORT/hook/psirt-channel
secret_file = webhook.secret
mode = immediate
CONF
echo "config: $work/vulnwatch.conf"
"$vw" --config "$work/vulnwatch.conf" config check >/dev/null

step "registering the example products (demo/products_demo.json)"
"$vw" --config "$work/vulnwatch.conf" products import demo/products_demo.json

step "adding version 1.9 of the gateway from its SBOM (CycloneDX)"
"$vw" --config "$work/vulnwatch.conf" products import-sbom \
    demo/sbom_gateway-1.9_written_for_vulnwatch.cdx.json \
    --product "Bedside Monitor Gateway" --version 1.9
"$vw" --config "$work/vulnwatch.conf" products list

step "vulnwatch poll --once (fetch, store, correlate, match, notify)"
"$vw" --config "$work/vulnwatch.conf" poll --once

step "what vulnwatch stored"
"$vw" --config "$work/vulnwatch.conf" advisories list
echo
"$vw" --config "$work/vulnwatch.conf" matches list

step "what arrived"
/usr/bin/python3 demo/show_deliveries.py "$TS_SMTP_OUTDIR" "$TS_HTTP_HOOKDIR"

step "the VULDEF details arrive (vulnwatch import): affected versions are compared"
# The RSS items name products but no versions, so their matches need review. The details
# (written for the project in the real VULDEF format) state the affected versions: log4j 2.14.1
# and kernel 5.10.120 are confirmed affected; gateway 1.9 (kernel 6.1.55, log4j 2.17.1) is
# evaluated not affected, which is recorded and shown with --all, never sent.
"$vw" --config "$work/vulnwatch.conf" import tests/data/vuldef/detail_written_for_vulnwatch.xml
"$vw" --config "$work/vulnwatch.conf" matches list --all

step "a second poll --once: the feed answers 304 Not Modified; the confirmations are delivered"
"$vw" --config "$work/vulnwatch.conf" poll --once
echo "e-mails received in total: $(find "$TS_SMTP_OUTDIR" -name '*.eml' | wc -l), webhook calls: $(find "$TS_HTTP_HOOKDIR" -name '*.json' | wc -l)"

step "the cases the matches opened: the notice's procedure with its clocks (cases list)"
# One case per vulnerability and product version, received now, due by the Japanese business
# calendar; SSVC says how urgent (a JPCERT/CC alert about Log4j makes it Act).
"$vw" --config "$work/vulnwatch.conf" cases list
first=$("$vw" --config "$work/vulnwatch.conf" cases list --json --limit 1 \
    --product "Example Imaging Viewer" --version 3.2 |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')

step "a triager takes case $first through its first steps (cases transition; refused without its fields)"
"$vw" --config "$work/vulnwatch.conf" cases transition "$first" confirming --by 佐藤 ||
    echo "(refused, as it must be: the assignee is missing)"
"$vw" --config "$work/vulnwatch.conf" cases transition "$first" confirming --by 佐藤 --assignee 田中
"$vw" --config "$work/vulnwatch.conf" cases transition "$first" evaluating --by 田中 \
    --finding "the viewer ships log4j-core 2.14.1 in its report server"
"$vw" --config "$work/vulnwatch.conf" cases show "$first"

step "the audit trail: every step above is a hash-chained event (audit verify)"
"$vw" --config "$work/vulnwatch.conf" audit verify
