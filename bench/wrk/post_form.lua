-- SPDX-License-Identifier: Apache-2.0
-- POST application/x-www-form-urlencoded to the URL given to wrk.
-- WRK_BODY: the form body; WRK_AUTHZ (optional): the Authorization header value.
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local authz = os.getenv("WRK_AUTHZ")
if authz and authz ~= "" then wrk.headers["Authorization"] = authz end
