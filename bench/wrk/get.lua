-- SPDX-License-Identifier: Apache-2.0
-- GET the URL given to wrk. WRK_AUTHZ (optional): the Authorization header value.
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")
wrk.method = "GET"
local authz = os.getenv("WRK_AUTHZ")
if authz and authz ~= "" then wrk.headers["Authorization"] = authz end
