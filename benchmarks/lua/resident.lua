-- Residents' signed confirmations: each link of the file is posted once (threads share the
-- links out: thread i posts lines i, i + T, i + 2T...), each from its own address as a reverse
-- proxy passes it on (X-Forwarded-For), as residents answer from their own phones. Every
-- answer 2xx is written down (its link) for load.py to find in the database afterwards.
--   wrk -t T ... -s resident.lua URL -- LINKS_FILE BODY_FILE OUT_DIR T
-- A line of LINKS_FILE: "<token> <satisfaction> <submission key> <address>". BODY_FILE: the
-- rest of the JSON body after those two fields (signature, strokes, signer, comment).
-- A thread that has posted all its links sends its last one again (the same submission: the
-- service answers it as a replay, 200, storing nothing new); load.py counts those apart. (wrk
-- asks one thread for a request before the run, to check the script: that link stays unposted.)
local report = require("report")

local links, posted, rest, accepted = {}, 0, nil, nil

setup = report.setup
done = report.done

function init(args)
  local threads = tonumber(args[4])
  local index = thread_index or 0
  for i, line in ipairs(report.lines(args[1])) do
    if (i - 1) % threads == index then
      local token, satisfaction, key, address = line:match("^(%S+) (%S+) (%S+) (%S+)$")
      table.insert(links, { token, satisfaction, key, address })
    end
  end
  local file = assert(io.open(args[2], "rb"))
  rest = file:read("*a"):gsub("%s+$", "")
  file:close()
  accepted = assert(io.open(string.format("%s/accepted-%d.txt", args[3], index), "w"))
end

function request()
  posted = posted + 1
  local link = links[math.min(posted, #links)]
  local body = '{"satisfaction": "' .. link[2] .. '", "submission_key": "' .. link[3] .. '", '
    .. rest
  return wrk.format("POST", "/r/" .. link[1], {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = link[4],
  }, body)
end

function response(status, _, body)
  report.count(status)
  if status >= 200 and status < 300 then
    local token = body:match('"/r/([^/"]+)/receipt"')
    accepted:write(status, " ", token or "-", "\n")
    accepted:flush()
  end
end
