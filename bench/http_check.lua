-- wrk script of the bench's `http` scenario (bench/wrk.py): a response counts as good only if
-- its status is 200, its body is at least `min_bytes` long and contains `marker`; when done,
-- one line `BENCH {json}` with the totals and the latency percentiles in microseconds.
--
--     wrk -t1 -c50 -d15s -s bench/http_check.lua http://127.0.0.1:8100/ -- "<marker>" 1000

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  marker = args[1] or ""
  min_bytes = tonumber(args[2]) or 0
  good = 0
  bad = 0
end

function response(status, headers, body)
  if status == 200 and #body >= min_bytes and string.find(body, marker, 1, true) then
    good = good + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local good, bad = 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("good")
    bad = bad + thread:get("bad")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"good":%d,"bad":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, summary.bytes, good, bad,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max
  ))
end
