-- SPDX-License-Identifier: Apache-2.0
-- Refresh-token rotation as closed-loop families: every request carries the newest refresh token
-- of one family, and a rotated-out token is never sent again.
--   WRK_TOKENS_FILE  one refresh token per line (one line = one family, from a real code flow)
--   WRK_THREADS      wrk's -t (thread k takes lines k, k+T, k+2T, ...)
--   WRK_AUTHZ        client authentication header (Basic ...)
-- Each wrk thread keeps a queue of the tokens it may send; a request takes the oldest. The
-- refresh_token of a 200 answer goes to the back of the queue: a new one (rotation) replaces the
-- token that was sent, and a provider that does not rotate hands the same token back. A provider
-- that answers 200 without a refresh_token (Glewlwyd) keeps the old one valid: one of the tokens
-- in flight goes back (wrk does not say which connection answered, but for such a provider any
-- token in flight is as good as another). A failed answer loses a rotating family; once a
-- thread's queue is empty it sends "no-token-left", which the provider refuses (non-2xx). Use at
-- least as many families as connections.
-- Prints WRKJSON and, per thread, REFRESHJSON {"rotated":..,"reused":..,"lost":..}.
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")

local next_id = 0
local threads = {}
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- per-thread state (each wrk thread has its own Lua state); globals so that done() can read them
rotated, reused, lost, first_failure = 0, 0, 0, ""
local queue, head, tail = {}, 1, 0
local sent = {}     -- every token this thread has sent
local inflight, in_head, in_tail = {}, 1, 0   -- tokens sent and not answered yet, oldest first
local reusable = false                         -- the provider answered without rotating
local authz = os.getenv("WRK_AUTHZ") or ""
local path

local function push(t) tail = tail + 1; queue[tail] = t end

function init(args)
  local file = assert(io.open(os.getenv("WRK_TOKENS_FILE") or "", "r"), "WRK_TOKENS_FILE unreadable")
  local n = tonumber(os.getenv("WRK_THREADS") or "1")
  local i = 0
  for line in file:lines() do
    if line ~= "" and i % n == thread_id then push(line) end
    i = i + 1
  end
  file:close()
  path = wrk.path
  -- wrk calls request() once in its first thread to check the script's request before any
  -- connection exists; that request is never sent, so it must not take a token.
  verifying = thread_id == 0
end

function request()
  local t = "no-token-left"
  if verifying then
    verifying = false
  elseif head <= tail then
    t = queue[head]; queue[head] = nil; head = head + 1
    sent[t] = true
    in_tail = in_tail + 1; inflight[in_tail] = t
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = authz,
  }, "grant_type=refresh_token&refresh_token=" .. t)
end

local function take_inflight()
  if in_head > in_tail then return nil end
  local t = inflight[in_head]; inflight[in_head] = nil; in_head = in_head + 1
  return t
end

function response(status, headers, body)
  local answered = take_inflight()
  local successor = status == 200 and string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
  if successor and not sent[successor] then
    rotated = rotated + 1
    push(successor)
  elseif successor or (status == 200 and answered) then
    reusable = true
    reused = reused + 1
    push(successor or answered)
  elseif reusable and answered then
    -- a provider that never rotates: the token is still good after a failed answer
    lost = lost + 1
    push(answered)
  else
    lost = lost + 1
  end
  if status ~= 200 and lost == 1 then first_failure = status .. " " .. string.sub(body or "", 1, 200) end
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format('REFRESHJSON {"rotated":%d,"reused":%d,"lost":%d}\n',
      t:get("rotated"), t:get("reused"), t:get("lost")))
    if t:get("lost") > 0 then io.write("REFRESH first failure: " .. t:get("first_failure") .. "\n") end
  end
  report_done(summary, latency, requests)
end
