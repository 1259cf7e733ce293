#!/usr/bin/env bash
# Smoke test of the loopback test servers (scripts/test-servers.sh) with curl, i.e. with the
# same libcurl the daemon uses. Needs the TS_* variables of a running set of servers; other
# tests may use the same servers at the same time, so every check looks for its own unique
# token instead of counting files.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

missing=()
for var in TS_DIR TS_CA_CERT TS_IMAP_PORT TS_IMAPS_PORT TS_IMAP_USER TS_IMAP_PASS TS_IMAP_MAILDIR \
    TS_SMTP_PORT TS_SMTPS_PORT TS_SMTP_USER TS_SMTP_PASS TS_SMTP_OUTDIR \
    TS_HTTP_PORT TS_HTTPS_PORT TS_HTTP_DOCROOT TS_HTTP_HOOKDIR; do
    [ -n "${!var:-}" ] || missing+=("$var")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "smoke_test: not set: ${missing[*]}" >&2
    echo "smoke_test: start the servers first: eval \"\$(scripts/test-servers.sh start)\"" >&2
    exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TOKEN="smoke$$x$RANDOM$RANDOM"
FAILS=0
CURL=(curl -sS --max-time 10)
H="http://127.0.0.1:$TS_HTTP_PORT"
HS="https://localhost:$TS_HTTPS_PORT"
S="smtp://127.0.0.1:$TS_SMTP_PORT"
SS="smtps://127.0.0.1:$TS_SMTPS_PORT"
I="imap://127.0.0.1:$TS_IMAP_PORT"
IS="imaps://127.0.0.1:$TS_IMAPS_PORT"
SMTP_AUTH=(-u "$TS_SMTP_USER:$TS_SMTP_PASS")
IMAP_AUTH=(-u "$TS_IMAP_USER:$TS_IMAP_PASS")

pass() { echo "ok   $1"; }
fail() {
    echo "FAIL $1${2:+: $2}"
    FAILS=$((FAILS + 1))
}
# check NAME CMD...: CMD must succeed
check() {
    local name=$1
    shift
    if "$@" >"$WORK/out" 2>"$WORK/err"; then pass "$name"; else fail "$name" "$(tail -n 3 "$WORK/err")"; fi
}
# expect_exit NAME CODE CMD...: CMD must exit with CODE
expect_exit() {
    local name=$1 want=$2 rc=0
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    if [ "$rc" = "$want" ]; then pass "$name"; else fail "$name" "exit $rc, want $want"; fi
}
# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
http_code() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@" || true; }
header() { # header NAME CURL-ARGS...: value of one response header
    local name=$1
    shift
    "${CURL[@]}" -o /dev/null -D - "$@" | tr -d '\r' |
        awk -v h="$(echo "$name" | tr '[:upper:]' '[:lower:]')" -F': ' 'tolower($1) == h { print $2 }'
}
# wait_grep DIR EXT TEXT: print the first DIR/*.EXT that contains TEXT, waiting up to 5 s
# (the servers write their files atomically, so a file that matches is complete)
wait_grep() {
    local i
    for ((i = 0; i < 50; i++)); do
        grep -l -F -- "$3" "$1"/*."$2" 2>/dev/null | head -n 1 && return 0
        sleep 0.1
    done
    return 1
}

# --- HTTP / HTTPS --------------------------------------------------------------------------
feed=$TOKEN.rdf
printf '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">%s</rdf:RDF>\n' \
    "$(printf '<item>%s-%04d</item>' "$TOKEN" {1..200})" >"$TS_HTTP_DOCROOT/$feed"
check "http feed" cmp -s <("${CURL[@]}" "$H/feeds/$feed") "$TS_HTTP_DOCROOT/$feed"
check "https feed (--cacert)" cmp -s <("${CURL[@]}" --cacert "$TS_CA_CERT" "$HS/feeds/$feed") \
    "$TS_HTTP_DOCROOT/$feed"
expect_exit "https without the CA fails (60)" 60 "${CURL[@]}" "$HS/feeds/$feed"
etag=$(header ETag "$H/feeds/$feed")
lastmod=$(header Last-Modified "$H/feeds/$feed")
if [ -n "$etag" ] && [ -n "$lastmod" ]; then pass "etag + last-modified"; else fail "etag + last-modified"; fi
expect_eq "304 with If-None-Match" "$(http_code -H "If-None-Match: $etag" "$H/feeds/$feed")" 304
expect_eq "304 with If-Modified-Since" "$(http_code -H "If-Modified-Since: $lastmod" "$H/feeds/$feed")" 304
expect_eq "200 with a stale ETag" "$(http_code -H 'If-None-Match: "stale"' "$H/feeds/$feed")" 200
expect_eq "404 for a missing feed" "$(http_code "$H/feeds/nope-$TOKEN.rdf")" 404
expect_eq "path traversal rejected" \
    "$(http_code --path-as-is "$H/feeds/../../../../etc/passwd")" 403
expect_eq "encoded path traversal rejected" "$(http_code "$H/feeds/..%2f..%2f..%2fetc%2fpasswd")" 403
expect_exit "truncate gives curl exit 18" 18 "${CURL[@]}" -o /dev/null "$H/truncate/$feed"
expect_eq "status 503" "$(http_code "$H/status/503")" 503
expect_eq "status 503 Retry-After" "$(header Retry-After "$H/status/503")" 1
expect_eq "status 429 Retry-After" "$(header Retry-After "$H/status/429")" 1
check "redirect/2 followed" cmp -s <("${CURL[@]}" -L --max-redirs 2 "$H/redirect/2/$feed") \
    "$TS_HTTP_DOCROOT/$feed"
expect_exit "redirect/3 exceeds --max-redirs 2 (47)" 47 "${CURL[@]}" -L --max-redirs 2 "$H/redirect/3/$feed"
expect_exit "slow/3 with --max-time 1 times out (28)" 28 curl -sS --max-time 1 -o /dev/null "$H/slow/3/$feed"
check "drip delivers the whole body" cmp -s <("${CURL[@]}" "$H/drip/0.3/$feed") "$TS_HTTP_DOCROOT/$feed"
stats=$("${CURL[@]}" "$H/stats")
expect_eq "stats counts GETs" \
    "$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], 0))' \
        "$stats" "/feeds/$feed")" 7

# webhooks
expect_eq "webhook POST 204" "$(http_code -H 'Content-Type: application/json' \
    -d "{\"token\":\"$TOKEN\"}" "$H/hook/smoke/$TOKEN")" 204
if hook=$(wait_grep "$TS_HTTP_HOOKDIR" json "/hook/smoke/$TOKEN"); then
    check "webhook saved (path, body, tls=false)" /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["body"] == "{\"token\":\"%s\"}" % sys.argv[2], r
assert r["tls"] is False and r["headers"]["Content-Type"] == "application/json", r' "$hook" "$TOKEN"
else
    fail "webhook saved" "no file in $TS_HTTP_HOOKDIR names /hook/smoke/$TOKEN"
fi
expect_eq "https webhook status 503" "$(http_code --cacert "$TS_CA_CERT" -d "tls-$TOKEN" \
    "$HS/hook/status/503/$TOKEN")" 503
if hook=$(wait_grep "$TS_HTTP_HOOKDIR" json "tls-$TOKEN"); then
    check "https webhook saved with tls=true" grep -q '"tls": true' "$hook"
else
    fail "https webhook saved" "no file in $TS_HTTP_HOOKDIR holds tls-$TOKEN"
fi

# --- SMTP ----------------------------------------------------------------------------------
mail=$WORK/mail.eml
make_mail() { # make_mail SUBJECT
    printf 'From: vulnwatch <vw@example.test>\r\nTo: psirt@example.test\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\nDate: %s\r\n\r\nsmoke test body %s\r\n' \
        "$1" "$1" "$(date -R)" "$1" >"$mail"
}
# smtp_saved NAME SUBJECT TLS: the .eml holding SUBJECT exists, its .json says auth test + TLS
smtp_saved() {
    local eml
    if eml=$(wait_grep "$TS_SMTP_OUTDIR" eml "$2"); then
        check "$1" /usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1][:-4] + ".json"))
assert m["auth_user"] == sys.argv[2] and m["tls"] is (sys.argv[3] == "true"), m
assert m["mail_from"] == "vw@example.test" and m["rcpt_tos"] == ["psirt@example.test"], m' \
            "$eml" "$TS_SMTP_USER" "$3"
    else
        fail "$1" "no .eml in $TS_SMTP_OUTDIR holds $2"
    fi
}
SMTP_ENV=(--mail-from vw@example.test --mail-rcpt psirt@example.test)

make_mail "starttls-$TOKEN"
check "smtp STARTTLS + AUTH" "${CURL[@]}" --ssl-reqd --cacert "$TS_CA_CERT" "${SMTP_AUTH[@]}" \
    "$S" "${SMTP_ENV[@]}" -T "$mail"
smtp_saved "smtp STARTTLS message saved as .eml" "starttls-$TOKEN" true
make_mail "smtps-$TOKEN"
check "smtps + AUTH" "${CURL[@]}" --cacert "$TS_CA_CERT" "${SMTP_AUTH[@]}" "$SS" "${SMTP_ENV[@]}" -T "$mail"
smtp_saved "smtps message saved as .eml" "smtps-$TOKEN" true
make_mail "plain-$TOKEN"
check "smtp plain + AUTH LOGIN" "${CURL[@]}" --login-options AUTH=LOGIN "${SMTP_AUTH[@]}" \
    "$S" "${SMTP_ENV[@]}" -T "$mail"
smtp_saved "smtp plain message saved as .eml" "plain-$TOKEN" false
expect_exit "smtp wrong password (67)" 67 "${CURL[@]}" -u "$TS_SMTP_USER:wrong" "$S" \
    "${SMTP_ENV[@]}" -T "$mail"
expect_exit "smtp RCPT reject* gets 550 (55)" 55 "${CURL[@]}" "$S" --mail-from vw@example.test \
    --mail-rcpt "reject-$TOKEN@example.test" -T "$mail"
cp "$WORK/err" "$WORK/rcpt.err"
check "smtp reply was 550" grep -q "RCPT failed: 550" "$WORK/rcpt.err"
expect_exit "smtp RCPT tempfail* gets 451 (55)" 55 "${CURL[@]}" "$S" --mail-from vw@example.test \
    --mail-rcpt "tempfail-$TOKEN@example.test" -T "$mail"
cp "$WORK/err" "$WORK/rcpt.err"
check "smtp reply was 451" grep -q "RCPT failed: 451" "$WORK/rcpt.err"

# --- IMAP ----------------------------------------------------------------------------------
make_mail "imap-$TOKEN"
check "deliver into the Maildir" bash "$ROOT/scripts/test-servers.sh" deliver "$mail" "$TS_IMAP_MAILDIR"
uid_search() { # uid_search URL CURL-ARGS...: the UIDs whose subject holds imap-TOKEN
    local url=$1
    shift
    "${CURL[@]}" "$@" "${IMAP_AUTH[@]}" "$url/INBOX" -X "UID SEARCH SUBJECT imap-$TOKEN" |
        tr -d '\r' | sed -n 's/^\* SEARCH *//p'
}
uid=$(uid_search "$I" --ssl-reqd --cacert "$TS_CA_CERT" || true)
if [[ "$uid" =~ ^[0-9]+$ ]]; then pass "imap STARTTLS login + UID SEARCH"; else
    fail "imap STARTTLS login + UID SEARCH" "got '$uid'"
fi
expect_eq "imaps login + UID SEARCH" "$(uid_search "$IS" --cacert "$TS_CA_CERT" || true)" "$uid"
check "imaps UID fetch" grep -q "^Subject: imap-$TOKEN" <("${CURL[@]}" --cacert "$TS_CA_CERT" \
    "${IMAP_AUTH[@]}" "$IS/INBOX;UID=${uid:-0}" | tr -d '\r')
expect_exit "imap wrong password (67)" 67 "${CURL[@]}" -u "$TS_IMAP_USER:wrong" "$I/INBOX" -X NOOP

if [ "$FAILS" -eq 0 ]; then
    echo "all ok"
else
    echo "$FAILS check(s) failed; server logs in $TS_DIR/logs"
    exit 1
fi
