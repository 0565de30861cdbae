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

local config = {
    dict = "waf_limits",      -- the lua_shared_dict every worker shares
    rate = 10,                -- requests per second, per client address
    burst = 5,                -- requests above the rate, served at once
    concurrency = 10,         -- requests in flight, per client address
    max_body = 64 * 1024,     -- bytes, announced or, when chunked, read
    -- Found anywhere in the lower-cased User-Agent (plain text, not patterns).
    bad_agents = { "sqlmap", "nikto", "nmap", "masscan", "zgrab" },
    -- Path prefixes the services behind answer; anything else is refused.
    allowed_paths = { "/users", "/runs" },
}

function _M.setup(overrides)
    for key, value in pairs(overrides or {}) do
        config[key] = value
    end
    return config
end

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

local function allowed_path(uri)
    for _, prefix in ipairs(config.allowed_paths) do
        -- The prefix itself, or the prefix and a "/": "/users/1", not "/usersx".
        if uri:find(prefix, 1, true) == 1 then
            local next = uri:byte(#prefix + 1)
            if next == nil or next == 47 then -- 47: "/"
                return true
            end
        end
    end
    return false
end

-- nginx checks its normalised $uri, but proxy_pass (without a URI) sends
-- the path as the client wrote it: "/admin/../users" is "/users" here and
-- "/admin/../users" behind. A path is let through in its plain form only:
-- once its escapes are decoded, it is $uri already.
local function plain_path()
    local raw = ngx.var.request_uri
    local query = raw:find("?", 1, true)
    if query then
        raw = raw:sub(1, query - 1)
    end
    -- "+" is a plus in a path: unescape_uri would make it a space.
    return ngx.unescape_uri((raw:gsub("%+", "%%2B"))) == ngx.var.uri
end

-- The body's size: its Content-Length, or, for a chunked body, which
-- announces none, what nginx read of it (in memory, or in a file once over
-- client_body_buffer_size; client_max_body_size bounds both).
local function body_size()
    local length = tonumber(ngx.var.http_content_length or "")
    if length then
        return length
    end
    if not ngx.var.http_transfer_encoding then
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

local function bad_agent(agent)
    agent = (agent or ""):lower()
    for _, name in ipairs(config.bad_agents) do
        if agent:find(name, 1, true) then
            return true
        end
    end
    return false
end

-- A leaky bucket, as nginx's limit_req, kept as one number per address
-- (the GCRA form): `due`, the time at which the bucket will be empty. Each
-- request adds 1/rate seconds; a request is refused when the bucket holds
-- more than `burst` requests already, i.e. when `due` is more than
-- burst/rate seconds away. The get and the set do not yield: no other
-- request of this worker runs between them.
local function over_rate(dict, key)
    local now = ngx.now()
    local interval = 1 / config.rate
    local due = math.max(dict:get(key) or now, now)
    local ahead = due - now - config.burst * interval
    if ahead > 0 then
        -- Seconds until one more request fits.
        return math.max(math.ceil(ahead), 1)
    end
    due = due + interval
    -- Forgotten once empty: the dict does not fill up with old addresses.
    dict:set(key, due, due - now + 1)
    return nil
end

function _M.access()
    if not allowed_path(ngx.var.uri) then
        return refuse(404, "Not found.")
    end
    if not plain_path() then
        return refuse(400, "Path not in its plain form.")
    end
    if bad_agent(ngx.var.http_user_agent) then
        return refuse(403, "Forbidden client.")
    end
    if body_size() > config.max_body then
        return refuse(413, "Request body too large.")
    end

    local dict = ngx.shared[config.dict]
    local address = ngx.var.binary_remote_addr
    local retry_after = over_rate(dict, "rate:" .. address)
    if retry_after then
        return refuse(429, "Too many requests.", { ["Retry-After"] = retry_after })
    end
    local key = "conn:" .. address
    local in_flight = dict:incr(key, 1, 0)
    if in_flight > config.concurrency then
        dict:incr(key, -1)
        return refuse(429, "Too many requests at once.", { ["Retry-After"] = 1 })
    end
    ngx.ctx.waf_conn = key -- leave() gives the place back
end

-- In the log phase: runs once the response is sent, whatever it was.
function _M.leave()
    local key = ngx.ctx.waf_conn
    if key then
        ngx.shared[config.dict]:incr(key, -1)
    end
end

return _M
