#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Peer for bench/run.sh: Glewlwyd (Debian package `glewlwyd`), set up from the package's own
# SQLite init script and configured through its admin REST API.
#
#   bench/peers/glewlwyd/setup.sh DATA_DIR [PORT]
#
# (Re)creates DATA_DIR: glewlwyd.db, glewlwyd.conf (loopback, PORT, default 19002), an RSA-2048
# key; starts glewlwyd once, adds the scopes, the OIDC plugin instance `oidc` (RS256), the user
# user (GLWD_USER) and the client bench-client / bench-secret, and stops it again.
# Run it afterwards with: exec glewlwyd --config-file=DATA_DIR/glewlwyd.conf
# GLWD_USER / GLWD_PASSWORD name the user (default alice / password); GLWD_REDIRECT_URI the
# client's redirect URI (default http://127.0.0.1:19099/cb). GLWD_PBKDF2=N sets the PBKDF2 iteration count of user and client secrets (unset: the
# package default, 150 000).
#   issuer     http://127.0.0.1:PORT/api/oidc
set -euo pipefail
DATA="${1:?usage: setup.sh DATA_DIR [PORT]}"
PORT="${2:-19002}"
BASE="http://127.0.0.1:$PORT"
API="$BASE/api"
REDIRECT_URI="${GLWD_REDIRECT_URI:-http://127.0.0.1:19099/cb}"
USER_NAME="${GLWD_USER:-alice}"
USER_PASSWORD="${GLWD_PASSWORD:-password}"
INIT_SQL=/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz

for tool in glewlwyd sqlite3 openssl curl python3; do
  command -v "$tool" >/dev/null || { echo "setup.sh needs $tool (apt-get install glewlwyd sqlite3 openssl curl python3)" >&2; exit 1; }
done
[ -r "$INIT_SQL" ] || { echo "missing $INIT_SQL (is the glewlwyd package installed?)" >&2; exit 1; }
if curl -s -o /dev/null "$BASE/"; then echo "port $PORT already in use; stop that server first" >&2; exit 1; fi

rm -rf "$DATA"; mkdir -p "$DATA"
zcat "$INIT_SQL" | sqlite3 "$DATA/glewlwyd.db"     # creates admin/password with scope g_admin
if [ -n "${GLWD_PBKDF2:-}" ]; then
  sqlite3 "$DATA/glewlwyd.db" "UPDATE g_user_module_instance SET gumi_parameters=json_set(gumi_parameters,'$.\"pbkdf2-iterations\"',$GLWD_PBKDF2);
                               UPDATE g_client_module_instance SET gcmi_parameters=json_set(gcmi_parameters,'$.\"pbkdf2-iterations\"',$GLWD_PBKDF2);"
fi
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$DATA/private.pem" 2>/dev/null
openssl pkey -in "$DATA/private.pem" -pubout -out "$DATA/public.pem"

# The package's /etc/glewlwyd/glewlwyd.conf, moved to loopback, PORT, DATA and a file log.
# (use_secure_connection=false makes 2.7.5 exit, so it is left out.)
cat > "$DATA/glewlwyd.conf" <<CONF
port=$PORT
bind_address="127.0.0.1"
external_url="$BASE"
login_url="login.html"
static_files_path="/usr/share/glewlwyd/webapp/"
api_prefix="api"
allow_origin="*"
log_mode="file"
log_level="WARNING"
log_file="$DATA/glewlwyd.log"
cookie_secure=0
cookie_same_site="empty"
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
add_x_frame_option_header_deny=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm = "SHA512"
database =
{
  type = "sqlite3"
  path = "$DATA/glewlwyd.db"
};
static_files_mime_types =
(
  { extension = ".html" mime_type = "text/html" },
  { extension = ".css"  mime_type = "text/css" },
  { extension = ".js"   mime_type = "application/javascript" },
  { extension = ".json" mime_type = "application/json" },
  { extension = ".png"  mime_type = "image/png" }
)
CONF

glewlwyd --config-file="$DATA/glewlwyd.conf" > "$DATA/setup-server.out" 2>&1 &
GPID=$!
trap 'kill -TERM $GPID 2>/dev/null || true; wait $GPID 2>/dev/null || true' EXIT
ok=0
for _ in $(seq 1 200); do
  if curl -sf -o /dev/null "$BASE/config"; then ok=1; break; fi
  kill -0 "$GPID" 2>/dev/null || break
  sleep 0.05
done
[ "$ok" = 1 ] || { echo "glewlwyd did not start; see $DATA/setup-server.out and $DATA/glewlwyd.log" >&2; exit 1; }

JAR="$DATA/admin.cookies"
api() { # METHOD PATH [JSON]
  local code
  code=$(curl -s -o "$DATA/last.json" -w '%{http_code}' -b "$JAR" -c "$JAR" -X "$1" \
    -H 'Content-Type: application/json' ${3:+--data "$3"} "$API$2")
  if [ "$code" != 200 ]; then echo "glewlwyd API $1 $2 -> $code: $(cat "$DATA/last.json")" >&2; exit 1; fi
}
api POST /auth/ '{"username":"admin","password":"password"}'

# openid, g_admin and g_profile come from the init script; these three need no extra factor,
# so the password session of the login covers them.
for s in email profile offline_access; do
  api POST /scope/ "{\"name\":\"$s\",\"display_name\":\"$s\",\"description\":\"$s\",\"password_required\":false,\"scheme\":{}}"
done

pem_json() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$1"; }
api POST /mod/plugin/ "$(cat <<JSON
{
  "module": "oidc", "name": "oidc", "display_name": "OpenID Connect", "enabled": true,
  "parameters": {
    "iss": "$API/oidc",
    "jwt-type": "rsa", "jwt-key-size": "256", "key": $(pem_json "$DATA/private.pem"), "cert": $(pem_json "$DATA/public.pem"),
    "jwks-show": true,
    "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
    "refresh-token-rolling": true, "refresh-token-one-use": "never",
    "allow-non-oidc": true,
    "auth-type-code-enabled": true, "auth-type-token-enabled": false, "auth-type-none-enabled": true,
    "auth-type-password-enabled": false, "auth-type-client-enabled": true,
    "auth-type-device-enabled": false, "auth-type-refresh-enabled": true,
    "auth-type-code-revoke-replayed": true,
    "subject-type": "public",
    "allowed-scope": ["openid", "email", "profile", "offline_access"],
    "name-claim": "mandatory", "name-claim-scope": ["profile"],
    "email-claim": "mandatory", "email-claim-scope": ["email"],
    "scope-claim": "no",
    "claims": [],
    "address-claim": {"type": "no"},
    "pkce-allowed": true, "pkce-method-plain-allowed": false,
    "introspection-revocation-allowed": true, "introspection-revocation-allow-target-client": true,
    "introspection-revocation-auth-scope": [],
    "request-parameter-allow": true,
    "session-management-allowed": false
  }
}
JSON
)"
api POST /user/ "{\"username\":\"$USER_NAME\",\"password\":\"$USER_PASSWORD\",\"name\":\"Alice Example\",\"email\":\"alice@example.test\",\"enabled\":true,\"scope\":[\"openid\",\"g_profile\",\"email\",\"profile\",\"offline_access\"]}"
api POST /client/ "{\"client_id\":\"bench-client\",\"name\":\"bench client\",\"enabled\":true,\"confidential\":true,\"password\":\"bench-secret\",
  \"redirect_uri\":[\"$REDIRECT_URI\"],
  \"authorization_type\":[\"code\",\"refresh_token\",\"client_credentials\",\"delete_token\"],
  \"token_endpoint_auth_method\":[\"client_secret_basic\",\"client_secret_post\"],
  \"scope\":[\"openid\",\"email\",\"profile\",\"offline_access\"]}"
curl -sf "$API/oidc/.well-known/openid-configuration" > "$DATA/discovery.json"
rm -f "$JAR"
echo "glewlwyd configured in $DATA (issuer $API/oidc)"
