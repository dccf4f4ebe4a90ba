-- Shared by the load benchmark's scenarios: every thread counts the statuses it got, and when
-- wrk is done one line goes out for benchmarks/load.py to read:
--   LOAD-RESULT {"requests": ..., "seconds": ..., "p50_ms": ..., "p99_ms": ..., ...}
-- (latencies in milliseconds; "socket_errors" are connect, read, write errors and timeouts;
-- "statuses" maps each HTTP status to how many answers had it).
local report = {}

local threads = {}

function report.setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

statuses = {}

function report.count(status)
  statuses[status] = (statuses[status] or 0) + 1
end

local function merged_statuses()
  local all = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      all[status] = (all[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(all) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  table.sort(parts)
  return "{" .. table.concat(parts, ", ") .. "}"
end

function report.done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'LOAD-RESULT {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p90_ms": %.3f, '
      .. '"p99_ms": %.3f, "max_ms": %.3f, "status_errors": %d, "socket_errors": %d, '
      .. '"timeouts": %d, "statuses": %s}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    errors.timeout, merged_statuses()))
end

-- Lines of a file, in order (a scenario's paths or links, written by load.py).
function report.lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(lines, line) end
  end
  assert(#lines > 0, path .. " has no lines")
  return lines
end

return report
