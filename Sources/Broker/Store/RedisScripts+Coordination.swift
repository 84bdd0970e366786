/// The registry's and the coordinator's scripts. Their keys share one hash tag, `{P}` (the
/// key prefix), so in a Redis Cluster all of coordination lives in one slot: an assignment
/// must see every agent's free slots and change one task atomically. Layout (`B` = `P:{P}:`):
///   B agents     hash agent id → registration JSON (role, capabilities, metadata, registered_at)
///   B status     hash agent id → status          B load  hash agent id → current_tasks
///   B max        hash agent id → max_concurrent_tasks
///   B seen       sorted set agent id → last sign of life (Redis ms)
///   B alive      the same for agents not offline: the sweeper's index (only the silent are read)
///   B tasks      hash task id → task JSON        B tver  hash task id → version (fencing)
///   B pending    sorted set of pending task ids by priority rank, then creation
///   B deadlines  sorted set of held task ids by deadline (Redis ms)
///   B finished   sorted set of finished task ids by end time (retention)
///   B held:A     set of the task ids agent A holds
///   B counts     hash task state → number of tasks in it
///   B outbox     list of coordination messages committed and not yet known sent
/// Daemons compute transitions from a snapshot (`coordread`) and commit them with
/// `coordcommit`, whose conditions (task versions, free slots, unchanged liveness) make a
/// transition computed from a stale snapshot fail as a whole; the daemon reads again and
/// recomputes. Every deadline, retry and reassignment is thereby committed once.
extension RedisScripts {
    private static let clockLine = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

        """

    /// ARGV: base, want agents (1: all, 0: none, =a,b: these), want all tasks (1|0), pending head n, due deadlines n,
    /// silent-for ms or '', finished-before-age ms or '', n task ids, ids…, n agents, agents….
    /// Returns {now, counts, agents, tasks, pending, due, next deadline, silent, next silent,
    /// held, finished} (flat lists; see `RedisStore+Coordination`).
    static let coordinationRead = Script(name: "coordread", source: clockLine + """
        local b = ARGV[1]
        local out = {now}
        table.insert(out, redis.call('HGETALL', b .. 'counts'))
        local agents = {}
        local function agent(id, json)
          table.insert(agents, id)
          table.insert(agents, json)
          table.insert(agents, redis.call('HGET', b .. 'status', id) or 'active')
          table.insert(agents, redis.call('HGET', b .. 'load', id) or '0')
          table.insert(agents, redis.call('ZSCORE', b .. 'seen', id) or '0')
        end
        if ARGV[2] == '1' then
          local all = redis.call('HGETALL', b .. 'agents')
          for k = 1, #all, 2 do agent(all[k], all[k + 1]) end
        elseif string.sub(ARGV[2], 1, 1) == '=' then
          for id in string.gmatch(string.sub(ARGV[2], 2), '[^,]+') do
            local json = redis.call('HGET', b .. 'agents', id)
            if json then agent(id, json) end
          end
        end
        table.insert(out, agents)
        local wanted = {}
        local order = {}
        local function want(id) if not wanted[id] then wanted[id] = true; table.insert(order, id) end end
        local n = tonumber(ARGV[8])
        for k = 1, n do want(ARGV[8 + k]) end
        local pending = {}
        -- (ZRANGE 0 -1 would be all of them: a head of 0 reads none.)
        if tonumber(ARGV[4]) > 0 then pending = redis.call('ZRANGE', b .. 'pending', 0, tonumber(ARGV[4]) - 1) end
        for _, id in ipairs(pending) do want(id) end
        local due = {}
        if tonumber(ARGV[5]) > 0 then due = redis.call('ZRANGEBYSCORE', b .. 'deadlines', '-inf', now, 'LIMIT', 0, tonumber(ARGV[5])) end
        for _, id in ipairs(due) do want(id) end
        local held = {}
        local m = tonumber(ARGV[9 + n])
        for k = 1, m do
          local agent = ARGV[9 + n + k]
          local ids = redis.call('SMEMBERS', b .. 'held:' .. agent)
          table.insert(held, agent)
          table.insert(held, ids)
          for _, id in ipairs(ids) do want(id) end
        end
        local finished = {}
        if ARGV[7] ~= '' then
          finished = redis.call('ZRANGEBYSCORE', b .. 'finished', '-inf', now - tonumber(ARGV[7]), 'LIMIT', 0, 100)
          for _, id in ipairs(finished) do want(id) end
        end
        local tasks = {}
        if ARGV[3] == '1' then
          local all = redis.call('HGETALL', b .. 'tasks')
          for k = 1, #all, 2 do
            table.insert(tasks, all[k]); table.insert(tasks, redis.call('HGET', b .. 'tver', all[k]) or '0'); table.insert(tasks, all[k + 1])
          end
        else
          for _, id in ipairs(order) do
            local json = redis.call('HGET', b .. 'tasks', id)
            if json then
              table.insert(tasks, id); table.insert(tasks, redis.call('HGET', b .. 'tver', id) or '0'); table.insert(tasks, json)
            end
          end
        end
        table.insert(out, tasks)
        table.insert(out, pending)
        table.insert(out, due)
        local first = redis.call('ZRANGE', b .. 'deadlines', 0, 0, 'WITHSCORES')
        table.insert(out, first[2] or '')
        local silent = {}
        local nextSilent = ''
        if ARGV[6] ~= '' then
          silent = redis.call('ZRANGEBYSCORE', b .. 'alive', '-inf', now - tonumber(ARGV[6]), 'WITHSCORES', 'LIMIT', 0, 100)
          local oldest = redis.call('ZRANGE', b .. 'alive', 0, 0, 'WITHSCORES')
          nextSilent = oldest[2] or ''
        end
        table.insert(out, silent)
        table.insert(out, nextSilent)
        table.insert(out, held)
        table.insert(out, finished)
        return out
        """)

    /// The body of `coordcommit`, for the transaction in ARGV[k...last]: conditions first; if
    /// one fails nothing is written and the answer is {0, its index}; else the writes run and
    /// the answer is {1, agents that came back (touch)}.
    private static let commitFunction = """
        local b = ARGV[1]
        local function commit(k, last)
          local sizes = {v = 2, s = 2, a = 2, r = 1, T = 2, D = 1, L = 2, l = 2, S = 2, A = 3, X = 1, N = 1,
            P = 2, E = 2, F = 2, H = 3, C = 2, O = 1, t = 2}
          local index = 0
          while k <= last do
            local op = ARGV[k]
            index = index + 1
            local ok = true
            if op == 'v' then
              ok = (redis.call('HGET', b .. 'tver', ARGV[k + 1]) or '0') == ARGV[k + 2]
            elseif op == 's' then
              local a = ARGV[k + 1]
              local status = redis.call('HGET', b .. 'status', a)
              local load = tonumber(redis.call('HGET', b .. 'load', a) or '0')
              local max = tonumber(redis.call('HGET', b .. 'max', a) or '0')
              ok = redis.call('HEXISTS', b .. 'agents', a) == 1 and status ~= 'offline' and status ~= 'draining'
                and load + tonumber(ARGV[k + 2]) <= max
            elseif op == 'a' then
              ok = tostring(redis.call('ZSCORE', b .. 'alive', ARGV[k + 1])) == ARGV[k + 2]
            elseif op == 'r' then
              ok = redis.call('HEXISTS', b .. 'agents', ARGV[k + 1]) == 1
            else
              break
            end
            if not ok then return {0, index} end
            k = k + 1 + sizes[op]
          end
          local back = {}
          while k <= last do
            local op = ARGV[k]
            local x, y, z = ARGV[k + 1], ARGV[k + 2], ARGV[k + 3]
            if op == 'T' then
              redis.call('HSET', b .. 'tasks', x, y); redis.call('HINCRBY', b .. 'tver', x, 1)
            elseif op == 'D' then
              redis.call('HDEL', b .. 'tasks', x); redis.call('HDEL', b .. 'tver', x)
            elseif op == 'L' then
              if redis.call('HINCRBY', b .. 'load', x, tonumber(y)) < 0 then redis.call('HSET', b .. 'load', x, 0) end
            elseif op == 'l' then
              redis.call('HSET', b .. 'load', x, y)
            elseif op == 'S' then
              redis.call('HSET', b .. 'status', x, y)
              if y == 'offline' then redis.call('ZREM', b .. 'alive', x) end
            elseif op == 'A' then
              redis.call('HSET', b .. 'agents', x, y); redis.call('HSET', b .. 'max', x, z)
              redis.call('HSETNX', b .. 'load', x, 0)
            elseif op == 'X' then
              redis.call('HDEL', b .. 'agents', x); redis.call('HDEL', b .. 'status', x); redis.call('HDEL', b .. 'load', x)
              redis.call('HDEL', b .. 'max', x); redis.call('ZREM', b .. 'seen', x); redis.call('ZREM', b .. 'alive', x)
            elseif op == 'N' then
              redis.call('ZADD', b .. 'seen', now, x)
              if redis.call('HGET', b .. 'status', x) ~= 'offline' then redis.call('ZADD', b .. 'alive', now, x) end
            elseif op == 'P' or op == 'E' or op == 'F' then
              local key = b .. ({P = 'pending', E = 'deadlines', F = 'finished'})[op]
              if y == '' then redis.call('ZREM', key, x) else redis.call('ZADD', key, y, x) end
            elseif op == 'H' then
              if z == '1' then redis.call('SADD', b .. 'held:' .. x, y) else redis.call('SREM', b .. 'held:' .. x, y) end
            elseif op == 'C' then
              redis.call('HINCRBY', b .. 'counts', x, tonumber(y))
            elseif op == 'O' then
              redis.call('RPUSH', b .. 'outbox', x)
            elseif op == 't' then
              -- A frame `y` ms ago (the daemon's count): on Redis' clock, and never backwards.
              if redis.call('HEXISTS', b .. 'agents', x) == 1 then
                local at = now - tonumber(y)
                redis.call('ZADD', b .. 'seen', 'GT', at, x)
                redis.call('ZADD', b .. 'alive', 'GT', at, x)
                if redis.call('HGET', b .. 'status', x) == 'offline' then
                  redis.call('HSET', b .. 'status', x, 'active')
                  table.insert(back, x)
                end
              end
            end
            k = k + 1 + sizes[op]
          end
          return {1, back}
        end
        """

    /// ARGV: base, then operations (a letter and its arguments; see `CoordinationTransaction`).
    /// Conditions come first; if one fails nothing is written and the reply is {0, its index}.
    /// Else the writes run and the reply is {1, agents that came back (touch)}.
    static let coordinationCommit = Script(name: "coordcommit", source: clockLine + commitFunction + "\n" + """
        return commit(2, #ARGV)
        """)

    /// ARGV: base, then per transaction its number of arguments and the arguments (as for
    /// `coordcommit`). Commits each on its own, all or nothing for each, in one step; replies
    /// with each one's answer, in order (the heartbeat sweeper's offline marks, a pass at once).
    static let coordinationCommitEach = Script(name: "coordcommiteach", source: clockLine + commitFunction + "\n" + """
        local out = {}
        local k = 2
        while k <= #ARGV do
          local n = tonumber(ARGV[k])
          table.insert(out, commit(k + 1, k + n))
          k = k + 1 + n
        end
        return out
        """)
}
