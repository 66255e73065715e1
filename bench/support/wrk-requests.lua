-- wrk 4.1 script behind bench/support/load-generator.ts.
--
-- The requests arrive pre-formatted on stdin, never in a file or on the command line: they
-- carry device tokens and operator keys. stdin holds a header line "<mode> <threads> <rate>",
-- then each raw HTTP request as "<byte length>\n<bytes>". Modes:
--   once   every request exactly once (request i goes to thread i mod threads); a thread
--          stops when all of its requests are answered and prints a marker, on which the
--          caller interrupts wrk (SIGINT), so count, latency and duration are those of these
--          requests only
--   cycle  every thread sends all requests round-robin until wrk's -d duration ends
-- rate: requests per second per thread, or 0 for as fast as the connections go (closed loop:
-- a connection sends its next request when the previous one is answered). With a rate, the
-- thread sends on a fixed schedule (open loop, as wrk2 does): request k is due at
-- start + k / rate, whatever became of the ones before it, and its latency is counted from
-- when it was due, not from when a free connection got to send it. A slow answer therefore
-- counts against every request it held up (no "coordinated omission"). Each paced request
-- carries X-Request-Id: wrk-<k>, which the server echoes, to pair answers with their slots.
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
local threads, run_mode, thread_count, thread_rate, all = {}, nil, nil, nil, nil

local function read_requests()
  local data = io.read("*a")
  local header_end = data:find("\n", 1, true)
  local m, t, r = data:sub(1, header_end - 1):match("^(%a+) (%d+) ([%d.]+)$")
  local items, pos = {}, header_end + 1
  while pos <= #data do
    local len_end = data:find("\n", pos, true)
    local len = tonumber(data:sub(pos, len_end - 1))
    items[#items + 1] = data:sub(len_end + 1, len_end + len)
    pos = len_end + 1 + len
  end
  return m, tonumber(t), tonumber(r), items
end

function setup(thread)
  if not all then
    run_mode, thread_count, thread_rate, all = read_requests()
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
  thread:set("rate", thread_rate)
  thread:set("share", share)
end

-- Thread Lua states (globals, so that done() can read them with thread:get).

sent, answered, first_at, last_at = 0, 0, nil, nil
-- Paced runs: each answer's latency from its due time and from its send, in microseconds;
-- answers that could not be paired with a slot (no echoed X-Request-Id); slots due by the
-- last answer.
paced_latencies, sent_latencies, unpaired, due_by_end = {}, {}, 0, 0
-- The same from-due latencies of the 2xx answers alone (a 503 turned away fast is not served).
ok_latencies = {}
-- The slowest from-due latency among the slots due in each 100 ms of the schedule (index 1:
-- the first 100 ms), in microseconds: shows whether a p99 is a few stalls or a steady tail.
window_max = {}
local WINDOW_SECONDS = 0.1

function init(args)
  -- Line-buffered stdout (one C stream for the whole process): the caller sees the markers
  -- at once, and wrk's own "Running ..." line, printed after it installs its SIGINT handler.
  io.stdout:setvbuf("line")
  local n = #share
  -- wrk calls request() once on its first thread before the run to check that the request
  -- parses (script_verify_request): that call must not use up a request or a slot.
  local checking = id == 0
  local next_request
  if mode == "cycle" then
    local i = 0
    next_request = function()
      i = i % n + 1
      return share[i]
    end
  else
    next_request = function()
      -- This thread's requests are all out: an empty request sends nothing, and the
      -- connection idles until the thread stops.
      if sent == n then
        return nil
      end
      sent = sent + 1
      return share[sent]
    end
  end

  local paced = rate > 0
  local interval, started, assigned, waiting = 0, nil, 0, 0
  -- Slot number -> the time its latency counts from: when it was due, or when it was sent if
  -- that was earlier (wrk's timers have millisecond steps, so a send may be a little early).
  local counts_from, sent_at = {}, {}
  if paced then
    interval = 1 / rate
    -- Called before a connection's next request: wait until the next free slot is due.
    -- `waiting` connections already wait for the slots before it.
    function delay()
      local t = now()
      started = started or t
      local due = started + (assigned + waiting) * interval
      waiting = waiting + 1
      local ms = (due - t) * 1000
      return ms > 0 and math.floor(ms) or 0
    end
  end

  function request()
    if checking then
      checking = false
      return share[1]
    end
    local raw = next_request()
    if paced then
      waiting = math.max(0, waiting - 1)
    end
    if not raw then
      return ""
    end
    local t = now()
    first_at = first_at or t
    if not paced then
      return raw
    end
    -- The earliest slot not yet taken; a connection that was busy past its slot sends late,
    -- and the wait counts in the latency.
    started = started or t
    local slot = assigned
    assigned = assigned + 1
    counts_from[slot] = math.min(started + slot * interval, t)
    sent_at[slot] = t
    local eol = raw:find("\r\n", 1, true)
    return raw:sub(1, eol + 1) .. "X-Request-Id: wrk-" .. slot .. "\r\n" .. raw:sub(eol + 2)
  end

  function response(status, headers)
    local t = now()
    answered = answered + 1
    if paced then
      local echoed = headers["x-request-id"] or headers["X-Request-Id"]
      local slot = echoed and tonumber(echoed:match("^wrk%-(%d+)$"))
      local from = slot and counts_from[slot]
      if from then
        paced_latencies[#paced_latencies + 1] = math.floor((t - from) * 1e6 + 0.5)
        local w = math.floor(slot * interval / WINDOW_SECONDS) + 1
        window_max[w] = math.max(window_max[w] or 0, paced_latencies[#paced_latencies])
        if status >= 200 and status < 300 then
          ok_latencies[#ok_latencies + 1] = paced_latencies[#paced_latencies]
        end
        sent_latencies[#sent_latencies + 1] = math.floor((t - sent_at[slot]) * 1e6 + 0.5)
        counts_from[slot], sent_at[slot] = nil, nil
      else
        unpaired = unpaired + 1
      end
      due_by_end = math.floor((t - started) / interval) + 1
      if mode == "once" then
        due_by_end = math.min(due_by_end, n)
      end
    end
    if mode == "once" and answered == n then
      last_at = t
      wrk.thread:stop()
      io.write("fleetcert-wrk-thread-done\n")
    end
  end
end

function done(summary, latency)
  local first, last, sent_total = math.huge, -math.huge, 0
  local paced, from_send, ok, unpaired_total, due_total = {}, {}, {}, 0, 0
  local windows = {}
  for _, thread in ipairs(threads) do
    first = math.min(first, thread:get("first_at") or math.huge)
    last = math.max(last, thread:get("last_at") or -math.huge)
    sent_total = sent_total + thread:get("sent")
    for _, us in ipairs(thread:get("paced_latencies")) do
      paced[#paced + 1] = us
    end
    for _, us in ipairs(thread:get("sent_latencies")) do
      from_send[#from_send + 1] = us
    end
    for _, us in ipairs(thread:get("ok_latencies")) do
      ok[#ok + 1] = us
    end
    unpaired_total = unpaired_total + thread:get("unpaired")
    -- Threads keep schedules of their own from about the same start: merged by window.
    for w, us in pairs(thread:get("window_max")) do
      windows[w] = math.max(windows[w] or 0, us)
    end
    due_total = due_total + thread:get("due_by_end")
  end
  table.sort(paced)
  table.sort(from_send)
  table.sort(ok)
  local function percentile(sorted, p)
    if #sorted == 0 then
      return 0
    end
    return sorted[math.max(1, math.ceil(#sorted * p / 100))]
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
  -- Windows in which no slot was answered (the run ended, or nothing came back) are 0.
  local window_list = {}
  for w = 1, table.maxn(windows) do
    window_list[w] = tostring(windows[w] or 0)
  end
  io.write(string.format(
    'fleetcert-wrk-result {"mode":"%s","threads":%d,"requests":%d,"sent":%d,"durationSeconds":%.6f,'
      .. '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d},'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"cpuSeconds":{"user":%.6f,"system":%.6f},'
      .. '"paced":{"rate":%.3f,"answers":%d,"unpaired":%d,"dueByEnd":%d,'
      .. '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d},'
      .. '"fromSendUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d},'
      .. '"okLatencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d},'
      .. '"windowMaxUs":[%s]}}\n',
    run_mode, #threads, summary.requests, sent_total, duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout,
    seconds(usage.utime), seconds(usage.stime),
    thread_rate * #threads, #paced, unpaired_total, due_total,
    percentile(paced, 50), percentile(paced, 90), percentile(paced, 99), paced[#paced] or 0,
    percentile(from_send, 50), percentile(from_send, 90), percentile(from_send, 99),
    from_send[#from_send] or 0,
    percentile(ok, 50), percentile(ok, 90), percentile(ok, 99), ok[#ok] or 0,
    table.concat(window_list, ",")
  ))
end
