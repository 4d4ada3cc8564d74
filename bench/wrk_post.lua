-- wrk script: POST the signed webhooks of a file ("<signature>\t<body>" per line), in turn.
-- Usage: wrk -t T -c C -d DURATION -s bench/wrk_post.lua URL -- FILE T
-- Thread n of T sends lines n+1, n+1+T, ...; give more lines than the run sends, so each is sent once.

local created = 0

function setup(thread)
  thread:set("index", created)
  created = created + 1
end

function init(args)
  local file, thread_count = args[1], tonumber(args[2])
  lines = {}
  local number = 0
  for line in io.lines(file) do
    if number % thread_count == index then
      local signature, body = line:match("^([^\t]+)\t(.*)$")
      table.insert(lines, wrk.format("POST", wrk.path, {
        ["Content-Type"] = "application/json",
        ["X-Hub-Signature-256"] = signature,
      }, body))
    end
    number = number + 1
  end
  sent = 0
end

function request()
  sent = sent + 1
  return lines[((sent - 1) % #lines) + 1]
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
