-- wrk script: HTTP BitTorrent tracker load (announce or scrape), the same for every tracker.
--
--   wrk -t2 -c64 -d15s --latency -s tracker_load.lua http://127.0.0.1:PORT \
--       -- MODE SWARMS_FILE [NSWARMS]
--
--   MODE         announce          left=0: every peer is a new seeder (as the opentracker
--                                  reference figures were measured)
--                announce_leechers left>0: every peer is a new leecher, so every answer
--                                  carries a full peer list (numwant 50) from every tracker
--                scrape            one info_hash per request
--   SWARMS_FILE  one 40-hex-digit info_hash per line (tracker_bench.sh writes it; it is also
--                opentracker's whitelist)
--   NSWARMS      use the first N hashes (default: all)
--
-- announce: GET /announce?info_hash=<20 bytes as %XX>&peer_id=-LB0001-<12 random bytes as %XX>
--           &port=<random 1024..65535>&uploaded=0&downloaded=0&left=L&compact=1&event=started
--           info_hash uniform over the swarms; trackers key peers by address and port, and all
--           requests come from 127.0.0.1, so the random port makes nearly every request a new
--           live peer (1000 swarms x 64,512 ports: collisions are rare).
-- scrape:   GET /scrape?info_hash=<20 bytes as %XX>
--
-- Environment: CHECK_BODIES=1 also reads every answer body and counts the ones that are not a
-- successful tracker answer ("failure reason", or no "peers"/"files" key): a correctness pass.
-- It costs wrk CPU, so the timed runs leave it off. CONNECTION_CLOSE=1 sends
-- "Connection: close", so a keep-alive tracker also serves one request per connection (as
-- opentracker always does, and as most clients use a tracker: one announce per connection).
--
-- At the end prints one line: "RESULT mode=... rps=... lat_p50_ms=... lat_p99_ms=...
-- non2xx=... err_connect=... err_read=... err_write=... err_timeout=... bad_bodies=...".
-- (A tracker that closes the connection after each answer, as opentracker does, makes wrk
-- count one socket read error per request: those are not failed requests.)

mode = "announce"   -- global: done() reads it from the threads with thread:get
local hashes, nhashes = {}, 0
local pct = {}
for i = 0, 255 do pct[i] = string.format("%%%02X", i) end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end

function init(args)
  mode = args[1] or "announce"
  assert(mode == "announce" or mode == "announce_leechers" or mode == "scrape",
         "MODE must be announce, announce_leechers or scrape")
  local file = assert(args[2], "SWARMS_FILE missing")
  local limit = tonumber(args[3] or "") or math.huge
  for line in io.lines(file) do
    local hex = line:match("^%s*(%x+)%s*$")
    if hex and #hex == 40 then
      local t = {}
      for i = 1, 40, 2 do t[#t + 1] = pct[tonumber(hex:sub(i, i + 1), 16)] end
      hashes[#hashes + 1] = table.concat(t)
      if #hashes >= limit then break end
    end
  end
  nhashes = #hashes
  assert(nhashes > 0, "no info_hash in " .. file)
  math.randomseed(os.time() + (id or 0) * 7919 + math.floor(os.clock() * 1e6))
end

local headers = nil
if os.getenv("CONNECTION_CLOSE") == "1" then headers = { ["Connection"] = "close" } end

local r = math.random
function request()
  local h = hashes[r(nhashes)]
  if mode == "scrape" then
    return wrk.format("GET", "/scrape?info_hash=" .. h, headers)
  end
  local left = "0"
  if mode == "announce_leechers" then left = tostring(r(1, 1000000000)) end
  return wrk.format("GET", "/announce?info_hash=" .. h ..
    "&peer_id=-LB0001-" ..
    pct[r(0, 255)] .. pct[r(0, 255)] .. pct[r(0, 255)] .. pct[r(0, 255)] ..
    pct[r(0, 255)] .. pct[r(0, 255)] .. pct[r(0, 255)] .. pct[r(0, 255)] ..
    pct[r(0, 255)] .. pct[r(0, 255)] .. pct[r(0, 255)] .. pct[r(0, 255)] ..
    "&port=" .. r(1024, 65535) ..
    "&uploaded=0&downloaded=0&left=" .. left .. "&compact=1&event=started", headers)
end

bad_bodies = 0
if os.getenv("CHECK_BODIES") == "1" then
  -- Defined only when asked: wrk then hands every answer to Lua (slower).
  function response(status, headers, body)
    if status ~= 200 or body:find("failure reason", 1, true) or
       not (body:find("5:peers", 1, true) or body:find("5:files", 1, true)) then
      bad_bodies = bad_bodies + 1
    end
  end
end

function done(summary, latency, requests)
  -- done() runs in wrk's main Lua state, where init() never ran: ask the threads.
  local m, bad = mode, 0
  for _, t in ipairs(threads) do
    m = t:get("mode") or m
    bad = bad + (t:get("bad_bodies") or 0)
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT mode=%s requests=%d duration_s=%.2f rps=%.0f lat_p50_ms=%.3f lat_p90_ms=%.3f " ..
    "lat_p99_ms=%.3f lat_max_ms=%.3f non2xx=%d err_connect=%d err_read=%d err_write=%d " ..
    "err_timeout=%d bad_bodies=%d bytes=%d\n",
    m, summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout, bad, summary.bytes))
end
