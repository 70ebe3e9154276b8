#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The out-of-tree example end to end (SPEC 5): a YAML file puts the example's build folder in
# plugins.paths and configures an `invite` instance of `hello`; `authd check-config` accepts it,
# the real `authd serve` runs it, and a cookie-jar curl signs a user in through the real pages
# (authorize with PKCE S256, the plugin's form, a wrong code refused, the right code accepted),
# then exchanges the code and checks the access token's amr. Called by example_plugin.sh.
#
#   example_plugin_e2e.sh <authd binary> <folder holding authd_hello.so> <authd plugins folder>
set -eu

if [ $# -ne 3 ]; then
    echo "usage: $0 <authd binary> <folder holding authd_hello.so> <authd plugins folder>" >&2
    exit 2
fi
authd=$1
example_dir=$2
plugins_dir=$3

for tool in curl jq openssl python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool is required for the example's end-to-end test" >&2
        exit 1
    fi
done
[ -x "$authd" ] || { echo "error: no authd binary at $authd" >&2; exit 1; }
for file in "$example_dir/authd_hello.so" "$plugins_dir/authd_sqlite.so"; do
    [ -f "$file" ] || { echo "error: no $file" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/authd-example-e2e.XXXXXX")
authd_pid=
cleanup() {
    if [ -n "$authd_pid" ]; then
        kill "$authd_pid" 2>/dev/null || true
        wait "$authd_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step() { printf '\n== %s\n' "$*"; }
fail() {
    echo "error: $*" >&2
    if [ -s "$work/authd.err" ]; then
        echo "--- authd stderr (last lines) ---" >&2
        tail -n 30 "$work/authd.err" >&2
    fi
    exit 1
}

# The value of the hidden input NAME in the HTML file FILE (the host writes
# <input type="hidden" name="NAME" value="...">), or nothing.
hidden() {
    grep -o "<input type=\"hidden\" name=\"$1\" value=\"[^\"]*\"" "$2" | head -n 1 |
        sed 's/.* value="\([^"]*\)"$/\1/'
}
form_action() {
    grep -o '<form [^>]*action="[^"]*"' "$1" | head -n 1 | sed 's/.*action="\([^"]*\)"$/\1/'
}
# The JSON payload of a JWT (base64url, unpadded).
jwt_payload() {
    python3 -c 'import base64, sys
p = sys.argv[1].split(".")[1]
sys.stdout.write(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())' "$1"
}

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
redirect_uri="http://127.0.0.1:9/cb"
email="ada@example.test"
invite_code=$(openssl rand -hex 16)
admin_token=$(openssl rand -hex 32)
mkdir -p "$work/data"

step "write $work/authd.yaml (plugins.paths: the example's build folder and $plugins_dir)"
cat >"$work/authd.yaml" <<EOF
server:
  listen: "127.0.0.1:$port"
  issuer: "$base"
  threads: 8
plugins:
  paths: [ "$example_dir", "$plugins_dir" ]
data_dir: "$work/data"
storage:
  plugin: sqlite
  config: { path: "$work/data/authd.db" }
authenticators:
  - id: invite
    plugin: hello
    config: { code_env: HELLO_E2E_INVITE_CODE, display_name: "Invite code" }
secrets:
  master_key_env: AUTHD_MASTER_KEY
  master_key_file: "$work/data/master.key"
  admin_token_env: AUTHD_ADMIN_TOKEN
  dev_master_key: true
password_hashing: { t_cost: 1, m_cost_kib: 8192, parallelism: 1 }
logging: { level: info }
registration: closed
EOF

# The secrets come from the environment only; an AUTHD_MASTER_KEY of the caller's is ignored so
# the run uses its own throwaway key.
run_authd() {
    env -u AUTHD_MASTER_KEY AUTHD_ADMIN_TOKEN="$admin_token" \
        HELLO_E2E_INVITE_CODE="$invite_code" "$authd" "$@"
}

step "authd check-config"
if ! run_authd check-config "$work/authd.yaml" >"$work/check.out" 2>&1; then
    cat "$work/check.out" >&2
    fail "authd check-config refused the example's config"
fi
cat "$work/check.out"
grep -q ': OK$' "$work/check.out" || fail "authd check-config did not print OK"

step "authd serve on $base"
# Started directly, not through run_authd: a backgrounded function is a subshell, and its pid
# is not authd's (the trap could not stop the server). env execs authd, so $! is authd.
env -u AUTHD_MASTER_KEY AUTHD_ADMIN_TOKEN="$admin_token" HELLO_E2E_INVITE_CODE="$invite_code" \
    "$authd" serve --config "$work/authd.yaml" >"$work/authd.out" 2>"$work/authd.err" &
authd_pid=$!
tries=0
until curl -fsS -o /dev/null "$base/.well-known/openid-configuration" 2>/dev/null; do
    kill -0 "$authd_pid" 2>/dev/null || { authd_pid=; fail "authd serve exited before listening"; }
    tries=$((tries + 1))
    [ "$tries" -lt 300 ] || fail "authd did not answer on $base within 60 s"
    sleep 0.2
done

# admin METHOD PATH JSON OUT: the admin API; prints the HTTP status.
admin() {
    curl -sS -o "$4" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $admin_token" \
        -H 'Content-Type: application/json' --data "$3" "$base/admin/api/v1$2"
}

step "create a project and a user through the admin API"
project=$(jq -cn --arg uri "$redirect_uri" \
    '{name: "Example", redirect_uris: [$uri], client_type: "confidential", skip_consent: true}')
status=$(admin POST /projects "$project" "$work/project.json")
[ "$status" = 201 ] || fail "POST /projects answered $status: $(cat "$work/project.json")"
client_id=$(jq -er .client_id "$work/project.json") || fail "no client_id in the project"
client_secret=$(jq -er .client_secret "$work/project.json") || fail "no client_secret in the project"
status=$(admin POST /users "{\"email\":\"$email\",\"name\":\"Ada Example\"}" "$work/user.json")
[ "$status" = 201 ] || fail "POST /users answered $status: $(cat "$work/user.json")"
user_id=$(jq -er .id "$work/user.json") || fail "no id in $(cat "$work/user.json")"

# browser OUT ARGS...: one request with the cookie jar, no redirects followed; prints
# "<status> <redirect url>".
browser() {
    out=$1
    shift
    curl -sS -b "$work/jar" -c "$work/jar" -o "$out" -w '%{http_code} %{redirect_url}' "$@"
}

step "authorize (PKCE S256) and reach the plugin's form"
verifier=$(openssl rand -hex 32)
challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | openssl base64 -A |
    tr '+/' '-_' | tr -d '=')
state=$(openssl rand -hex 8)
result=$(browser "$work/authorize.html" -G "$base/oauth/authorize" \
    --data-urlencode "client_id=$client_id" --data-urlencode "redirect_uri=$redirect_uri" \
    --data-urlencode response_type=code --data-urlencode scope=openid \
    --data-urlencode "state=$state" --data-urlencode "code_challenge=$challenge" \
    --data-urlencode code_challenge_method=S256)
case $result in
    "302 $base/login?req="*) login_url=${result#302 } ;;
    *) fail "authorize answered \"$result\", expected a 302 to /login?req=:" \
        "$(head -c 400 "$work/authorize.html")" ;;
esac
result=$(browser "$work/login.html" "$login_url")
[ "$result" = "200 " ] || fail "$login_url answered \"$result\""
action=$(form_action "$work/login.html")
[ "$action" = /login/invite ] ||
    fail "the login page's form posts to \"$action\", expected /login/invite"
grep -q 'name="invite_code"' "$work/login.html" || fail "the login page has no invite_code field"

# submit PAGE OUT CODE: posts the plugin's form of PAGE with the invite code CODE.
submit() {
    csrf=$(hidden csrf_token "$1")
    req=$(hidden req "$1")
    if [ -z "$csrf" ] || [ -z "$req" ]; then
        fail "no csrf_token/req hidden fields in $1"
    fi
    browser "$2" "$base/login/invite" --data-urlencode "csrf_token=$csrf" \
        --data-urlencode "req=$req" --data-urlencode "email=$email" \
        --data-urlencode "invite_code=$3"
}

step "a wrong invite code is refused with the plugin's message"
result=$(submit "$work/login.html" "$work/wrong.html" "not-the-code")
[ "$result" = "200 " ] || fail "a wrong code answered \"$result\", expected the form again (200)"
grep -q 'That email address and invite code do not match.' "$work/wrong.html" ||
    fail "the page after a wrong code lacks the failure message: $(head -c 600 "$work/wrong.html")"

step "the right invite code signs in and redirects with a code"
result=$(submit "$work/wrong.html" "$work/right.html" "$invite_code")
case $result in
    "303 $redirect_uri?"*) callback=${result#303 } ;;
    *) fail "the right code answered \"$result\", expected a 303 to $redirect_uri:" \
        "$(head -c 600 "$work/right.html")" ;;
esac
query=${callback#*\?}
code=$(printf '%s\n' "$query" | tr '&' '\n' | sed -n 's/^code=//p')
returned_state=$(printf '%s\n' "$query" | tr '&' '\n' | sed -n 's/^state=//p')
[ -n "$code" ] || fail "the callback $callback carries no code"
[ "$returned_state" = "$state" ] ||
    fail "the callback's state \"$returned_state\" is not \"$state\""

step "exchange the code and check the access token's amr"
status=$(curl -sS -o "$work/token.json" -w '%{http_code}' -u "$client_id:$client_secret" \
    --data-urlencode grant_type=authorization_code --data-urlencode "code=$code" \
    --data-urlencode "redirect_uri=$redirect_uri" --data-urlencode "code_verifier=$verifier" \
    "$base/oauth/token")
[ "$status" = 200 ] || fail "the token endpoint answered $status: $(cat "$work/token.json")"
access_token=$(jq -er .access_token "$work/token.json") || fail "no access_token in the response"
jwt_payload "$access_token" >"$work/claims.json" || fail "the access token is not a JWT"
jq -e '.amr | index("hello") != null' "$work/claims.json" >/dev/null ||
    fail "the access token's amr lacks \"hello\": $(cat "$work/claims.json")"
jq -e --arg sub "$user_id" '.sub == $sub' "$work/claims.json" >/dev/null ||
    fail "the access token's sub is not the user $user_id: $(cat "$work/claims.json")"
jq -c '{sub, amr}' "$work/claims.json"

step "ok: authd loads the out-of-tree example through YAML and signs a user in with it"
