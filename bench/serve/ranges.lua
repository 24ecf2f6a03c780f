-- wrk script of the file-server benchmark's range case:
--   wrk ... -s ranges.lua URL -- FILE_SIZE SEED
-- Each request asks for 64 KiB at a random offset of the file at URL's path:
-- `Range: bytes=a-(a+65535)`, a drawn uniformly from [0, FILE_SIZE - 65536], the
-- generator seeded with SEED so every server gets the same sequence.
local LENGTH = 65536
local size

function init(args)
  size = tonumber(args[1])
  math.randomseed(tonumber(args[2]))
end

function request()
  local first = math.random(0, size - LENGTH)
  local range = "bytes=" .. first .. "-" .. (first + LENGTH - 1)
  return wrk.format("GET", nil, { Range = range })
end
