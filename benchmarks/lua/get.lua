-- GET requests rotating over the paths of a file, each thread starting at its own place.
--   wrk ... -s get.lua URL -- PATHS_FILE ["Header: value" ...]
-- Scenarios (a) to (d): the constant endpoint, jobs by ref, compliance, the dashboard.
local report = require("report")

local paths, next_path, headers = nil, 1, {}

setup = report.setup
done = report.done

function init(args)
  paths = report.lines(args[1])
  for i = 2, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  -- threads spread over the list instead of asking for the same paths in step
  next_path = (thread_index or 0) * 7919 % #paths + 1
end

function request()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", path, headers)
end

function response(status, _, _)
  report.count(status)
end
