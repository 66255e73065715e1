-- wrk 4.1 script behind bench/support/load-generator.ts.
--
-- The requests arrive pre-formatted on stdin, never in a file or on the command line: they
-- carry device tokens and operator keys. stdin holds a header line "<mode> <threads>", then
-- each raw HTTP request as "<byte length>\n<bytes>". Modes:
--   once   every request exactly once (request i goes to thread i mod threads); a thread
--          stops when all of its requests are answered and prints a marker, on which the
--          caller interrupts wrk (SIGINT), so count, latency and duration are those of these
--          requests only
--   cycle  every thread sends all requests round-robin until wrk's -d duration ends
-- done() prints one line "fleetcert-wrk-result {json}" that the caller parses.

local ffi = require("ffi")
ffi.cdef([[
  struct fleetcert_timespec { long tv_sec; long tv_nsec; };
  struct fleetcert_timeval { long tv_sec; long tv_usec; };
  struct fleetcert_rusage { struct fleetcert_timeval utime; struct fleetcert_timeval stime; long rest[14]; };
  int clock_gettime(int clock, struct fleetcert_timespec *ts);
  int getrusage(int who, struct fleetcert_rusage *usage);
]])
local CLOCK_MONOTONIC, RUSAGE_SELF = 1, 0
local timespec = ffi.new("struct fleetcert_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

-- Main Lua state: read stdin once, hand each thread its share (thread:set copies the table).

-- (Named apart from the thread globals below: a file-level local would shadow them there.)
local threads, run_mode, thread_count, all = {}, nil, nil, nil

local function read_requests()
  local data = io.read("*a")
  local header_end = data:find("\n", 1, true)
  local m, t = data:sub(1, header_end - 1):match("^(%a+) (%d+)$")
  local items, pos = {}, header_end + 1
  while pos <= #data do
    local len_end = data:find("\n", pos, true)
    local len = tonumber(data:sub(pos, len_end - 1))
    items[#items + 1] = data:sub(len_end + 1, len_end + len)
    pos = len_end + 1 + len
  end
  return m, tonumber(t), items
end

function setup(thread)
  if not all then
    run_mode, thread_count, all = read_requests()
  end
  local id = #threads
  threads[id + 1] = thread
  local share = {}
  if run_mode == "once" then
    for i = id + 1, #all, thread_count do
      share[#share + 1] = all[i]
    end
  else
    -- Every thread cycles through all requests, each from its own starting point.
    for i = 1, #all do
      share[i] = all[(id + i - 1) % #all + 1]
    end
  end
  thread:set("id", id)
  thread:set("mode", run_mode)
  thread:set("share", share)
end

-- Thread Lua states (globals, so that done() can read them with thread:get).

sent, answered, first_at, last_at = 0, 0, nil, nil

function init(args)
  -- Line-buffered stdout (one C stream for the whole process): the caller sees the markers
  -- at once, and wrk's own "Running ..." line, printed after it installs its SIGINT handler.
  io.stdout:setvbuf("line")
  local n = #share
  if mode == "cycle" then
    local i = 0
    function request()
      i = i % n + 1
      return share[i]
    end
    return
  end
  -- wrk calls request() once on its first thread before the run to check that the request
  -- parses (script_verify_request): that call must not use up a request.
  local checking = id == 0
  function request()
    if checking then
      checking = false
      return share[1]
    end
    -- This thread's requests are all out: an empty request sends nothing, and the connection
    -- idles until the thread stops.
    if sent == n then
      return ""
    end
    if sent == 0 then
      first_at = now()
    end
    sent = sent + 1
    return share[sent]
  end
  function response()
    answered = answered + 1
    if answered == n then
      last_at = now()
      wrk.thread:stop()
      io.write("fleetcert-wrk-thread-done\n")
    end
  end
end

function done(summary, latency)
  local first, last, sent_total = math.huge, -math.huge, 0
  for _, thread in ipairs(threads) do
    first = math.min(first, thread:get("first_at") or math.huge)
    last = math.max(last, thread:get("last_at") or -math.huge)
    sent_total = sent_total + thread:get("sent")
  end
  -- A once run that got all its answers lasted from its first request to its last answer;
  -- any other run, wrk's own duration.
  local duration = summary.duration / 1e6
  if run_mode == "once" and summary.requests == #all and last >= first then
    duration = last - first
  end
  -- The whole process (every thread, start-up included), taken after wrk joined its threads.
  local usage = ffi.new("struct fleetcert_rusage")
  ffi.C.getrusage(RUSAGE_SELF, usage)
  local function seconds(tv)
    return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
  end
  local e = summary.errors
  io.write(string.format(
    'fleetcert-wrk-result {"mode":"%s","threads":%d,"requests":%d,"sent":%d,"durationSeconds":%.6f,'
      .. '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d},'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"cpuSeconds":{"user":%.6f,"system":%.6f}}\n',
    run_mode, #threads, summary.requests, sent_total, duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout,
    seconds(usage.utime), seconds(usage.stime)
  ))
end
