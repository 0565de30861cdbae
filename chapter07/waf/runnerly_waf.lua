-- Book: chapter 7, "Rate and concurrency limiting", "Other OpenResty features".
--
-- Runnerly's web application firewall, in nginx's Lua (Debian's
-- libnginx-mod-http-lua; OpenResty's lua-resty-limit-traffic is not packaged,
-- and a limiter on a shared dict is a few lines). Every setting is in
-- `config` below; nginx.conf only changes them in `init_by_lua_block` with
-- require("runnerly_waf").setup{...}, and calls access() and leave():
--
--   lua_shared_dict waf_limits 10m;
--   access_by_lua_block { require("runnerly_waf").access() }
--   log_by_lua_block { require("runnerly_waf").leave() }
--
-- Refusals are JSON, as every Runnerly error: {"status": ..., "message": ...}.

local _M = {}

-- What every request uses, looked up once, when nginx loads the module.
local ngx = ngx
local var = ngx.var
local shared = ngx.shared
local re_find = ngx.re.find
local now = ngx.now
local find, byte = string.find, string.byte
local max, ceil = math.max, math.ceil
local ffi = require("ffi")
local get_request = require("resty.core.base").get_request

local config = {
    dict = "waf_limits",      -- the lua_shared_dict every worker shares
    rate = 10,                -- requests per second, per client address
    burst = 5,                -- requests above the rate, served at once
    concurrency = 10,         -- requests in flight, per client address
    max_body = 64 * 1024,     -- bytes, announced or, when chunked, read
    -- Found anywhere in the User-Agent, in any case (plain text, not patterns).
    bad_agents = { "sqlmap", "nikto", "nmap", "masscan", "zgrab" },
    -- Path prefixes the services behind answer; anything else is refused.
    allowed_paths = { "/users", "/runs" },
}

-- The rules as two regular expressions, written by compile() from `config`
-- and compiled by PCRE once per worker (ngx.re's "o": kept in its cache;
-- "j": PCRE's JIT): a match a request each, where loops over the lists
-- made a lower-case copy of every User-Agent.
local paths_re, agents_re, interval, most_ahead

local function literal(text)
    -- In PCRE, a backslash before any non-alphanumeric makes it plain text.
    return (text:gsub("%W", "\\%0"))
end

local function compile()
    local paths, agents = {}, {}
    for i, prefix in ipairs(config.allowed_paths) do
        paths[i] = literal(prefix)
    end
    for i, name in ipairs(config.bad_agents) do
        agents[i] = literal(name)
    end
    -- The prefix itself, or the prefix and a "/": "/users/1", not "/usersx"
    -- (\z: the very end; "$" would also match before a final newline).
    paths_re = #paths > 0 and "^(?:" .. table.concat(paths, "|") .. ")(?:/|\\z)"
        or "(?!)" -- no path allowed: a pattern that matches nothing
    agents_re = #agents > 0 and table.concat(agents, "|") or nil
    interval = 1 / config.rate
    most_ahead = config.burst * interval
end

function _M.setup(overrides)
    for key, value in pairs(overrides or {}) do
        config[key] = value
    end
    compile()
    return config
end

compile()

local function refuse(status, message, headers)
    for name, value in pairs(headers or {}) do
        ngx.header[name] = value
    end
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.say(string.format('{"status": %d, "message": "%s"}', status, message))
    -- The answer is sent: ngx.exit(status) would make nginx finish it as an
    -- error, closing a keep-alive connection; HTTP_OK just ends the request.
    return ngx.exit(ngx.HTTP_OK)
end

-- nginx checks its normalised $uri, but proxy_pass (without a URI) sends
-- the path as the client wrote it: "/admin/../users" is "/users" here and
-- "/admin/../users" behind. A path is let through in its plain form only:
-- once its escapes are decoded, it is $uri already.
local function plain_path(uri)
    local raw = var.request_uri
    -- Nearly every request: the path as written is $uri, then "?" or nothing.
    if raw == uri or (find(raw, uri, 1, true) == 1 and byte(raw, #uri + 1) == 63) then
        return true
    end
    local query = find(raw, "?", 1, true)
    if query then
        raw = raw:sub(1, query - 1)
    end
    -- "+" is a plus in a path: unescape_uri would make it a space.
    return ngx.unescape_uri((raw:gsub("%+", "%%2B"))) == uri
end

-- The body's size: its Content-Length, or, for a chunked body, which
-- announces none, what nginx read of it (in memory, or in a file once over
-- client_body_buffer_size; client_max_body_size bounds both).
local function body_size()
    local length = tonumber(var.content_length)
    if length then
        return length
    end
    if not var.http_transfer_encoding then
        return 0
    end
    ngx.req.read_body()
    local data = ngx.req.get_body_data()
    if data then
        return #data
    end
    local path = ngx.req.get_body_file()
    if not path then
        return 0
    end
    local file = io.open(path, "rb")
    local size = file:seek("end")
    file:close()
    return size
end

-- A leaky bucket, as nginx's limit_req, kept as one number per address
-- (the GCRA form): `due`, the time at which the bucket will be empty. Each
-- request adds 1/rate seconds; a request is refused when the bucket holds
-- more than `burst` requests already, i.e. when `due` is more than
-- burst/rate seconds away. The get and the set do not yield: no other
-- request of this worker runs between them.
local function over_rate(dict, key)
    local time = now()
    local due = max(dict:get(key) or time, time)
    local ahead = due - time - most_ahead
    if ahead > 0 then
        -- Seconds until one more request fits.
        return max(ceil(ahead), 1)
    end
    due = due + interval
    -- Forgotten once empty: the dict does not fill up with old addresses.
    dict:set(key, due, due - time + 1)
    return nil
end

-- The requests this worker counted in flight, by the address of nginx's
-- request, until leave() gives their place back. Not ngx.ctx: that is a
-- table built for every request, and emptied when error_page sends the
-- request to another location, whose log phase would then give nothing back.
local counted = {}

local function request_id()
    return tonumber(ffi.cast("uintptr_t", get_request()))
end

function _M.access()
    local uri = var.uri
    if not re_find(uri, paths_re, "jo") then
        return refuse(404, "Not found.")
    end
    if not plain_path(uri) then
        return refuse(400, "Path not in its plain form.")
    end
    local agent = var.http_user_agent
    if agent and agents_re and re_find(agent, agents_re, "ijo") then
        return refuse(403, "Forbidden client.")
    end
    if body_size() > config.max_body then
        return refuse(413, "Request body too large.")
    end

    local dict = shared[config.dict]
    -- The address as 4 (or 16) bytes: the bucket's key as it is.
    local address = var.binary_remote_addr
    local retry_after = over_rate(dict, address)
    if retry_after then
        return refuse(429, "Too many requests.", { ["Retry-After"] = retry_after })
    end
    local key = "conn:" .. address
    local in_flight = dict:incr(key, 1, 0)
    if in_flight > config.concurrency then
        dict:incr(key, -1)
        return refuse(429, "Too many requests at once.", { ["Retry-After"] = 1 })
    end
    counted[request_id()] = key
end

-- In the log phase: runs once the response is sent, whatever it was.
function _M.leave()
    local id = request_id()
    local key = counted[id]
    if key then
        counted[id] = nil
        shared[config.dict]:incr(key, -1)
    end
end

return _M
