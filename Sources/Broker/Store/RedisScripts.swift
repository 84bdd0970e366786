/// The Lua scripts of the Redis store. Each runs atomically in Redis, so a crash of agentd (or
/// of the connection) never leaves half an operation behind: a message is stored with its dedup
/// record or not at all; a dead letter leaves the inbox in the same step it enters the dead list.
///
/// Layout (prefix `P`, agent `A`, priority `p`):
///   P:q:A:p        stream, one per priority; consumer group `agentd`, consumer `agentd`
///   P:dead:A       stream of dead letters (fields i, p, m, j)  + P:deadidx:A hash message_id → entry id
///   P:delayed      sorted set message_id by due time           + P:delayedmsg hash message_id → packed message
///   P:dedup:ID     string: the sender of message_id ID, expiring after dedup_window_ms
///   P:inboxes      set of agents that have inbox streams (read at start to recover in-flight entries)
///   P:stats        hash of counters: sent, delivered, acked, expired, pending, dead
/// Entry fields: i = message_id, m = message JSON, x = expiry (epoch ms, optional).
enum RedisScripts {
    struct Script: Sendable {
        let name: String
        let source: String
    }

    /// KEYS: stream, dedup key, stats, inboxes, delayed zset, delayed hash.
    /// ARGV: sender, window ms, body, message id, expiry|'', due|'', inbox, use dedup (1|0).
    /// Returns 0 stored, 1 duplicate (same sender), 2 conflict (other sender).
    static let send = Script(name: "send", source: """
        if ARGV[8] == '1' then
          local owner = redis.call('GET', KEYS[2])
          if owner then
            if owner == ARGV[1] then return 1 else return 2 end
          end
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        end
        if ARGV[6] ~= '' then
          redis.call('ZADD', KEYS[5], ARGV[6], ARGV[4])
          redis.call('HSET', KEYS[6], ARGV[4], ARGV[7] .. '\\n' .. KEYS[1] .. '\\n' .. ARGV[5] .. '\\n' .. ARGV[3])
        else
          if redis.call('EXISTS', KEYS[1]) == 0 then
            redis.call('XGROUP', 'CREATE', KEYS[1], 'agentd', '0', 'MKSTREAM')
            redis.call('SADD', KEYS[4], ARGV[7])
          end
          if ARGV[5] ~= '' then
            redis.call('XADD', KEYS[1], '*', 'i', ARGV[4], 'm', ARGV[3], 'x', ARGV[5])
          else
            redis.call('XADD', KEYS[1], '*', 'i', ARGV[4], 'm', ARGV[3])
          end
        end
        redis.call('HINCRBY', KEYS[3], 'sent', 1)
        redis.call('HINCRBY', KEYS[3], 'pending', 1)
        return 0
        """)

    /// KEYS: the four streams in delivery order, stats.
    /// ARGV: limit, now ms, then per priority the retry entry ids joined by ','.
    /// Returns {expired, exhausted(0|1), then per message: kind, priority index, id, message id, body}
    /// with kind 'r' (retry delivered), 'n' (new delivered) or 'd' (retry gone: drop it).
    static let take = Script(name: "take", source: """
        local need = tonumber(ARGV[1])
        local now = tonumber(ARGV[2])
        local out = {0, 0}
        local expired = 0
        local delivered = 0
        local function fields(f)
          local i, m, x
          for k = 1, #f, 2 do
            if f[k] == 'i' then i = f[k + 1] elseif f[k] == 'm' then m = f[k + 1] elseif f[k] == 'x' then x = f[k + 1] end
          end
          return i, m, x
        end
        local function expire(key, id)
          redis.call('XACK', key, 'agentd', id)
          redis.call('XDEL', key, id)
          expired = expired + 1
        end
        for p = 1, 4 do
          local key = KEYS[p]
          if ARGV[2 + p] ~= '' then
            for id in string.gmatch(ARGV[2 + p], '[^,]+') do
              if need <= 0 then break end
              local c = redis.call('XCLAIM', key, 'agentd', 'agentd', 0, id)
              local e = c[1]
              if (not e) or (not e[2]) then
                redis.call('XACK', key, 'agentd', id)
                table.insert(out, 'd'); table.insert(out, p); table.insert(out, id); table.insert(out, ''); table.insert(out, '')
              else
                local i, m, x = fields(e[2])
                if x and tonumber(x) <= now then
                  expire(key, id)
                  table.insert(out, 'd'); table.insert(out, p); table.insert(out, id); table.insert(out, ''); table.insert(out, '')
                else
                  table.insert(out, 'r'); table.insert(out, p); table.insert(out, id); table.insert(out, i); table.insert(out, m)
                  need = need - 1
                  delivered = delivered + 1
                end
              end
            end
          end
          if need > 0 and redis.call('EXISTS', key) == 1 then
            while need > 0 do
              local r = redis.pcall('XREADGROUP', 'GROUP', 'agentd', 'agentd', 'COUNT', need, 'STREAMS', key, '>')
              if type(r) == 'table' and r.err then
                -- The group is gone (Redis lost it); everything in the stream is unread.
                redis.call('XGROUP', 'CREATE', key, 'agentd', '0', 'MKSTREAM')
                r = redis.call('XREADGROUP', 'GROUP', 'agentd', 'agentd', 'COUNT', need, 'STREAMS', key, '>')
              end
              if not r then break end
              local entries = r[1][2]
              if #entries == 0 then break end
              for _, e in ipairs(entries) do
                local i, m, x = fields(e[2])
                if x and tonumber(x) <= now then
                  expire(key, e[1])
                else
                  table.insert(out, 'n'); table.insert(out, p); table.insert(out, e[1]); table.insert(out, i); table.insert(out, m)
                  need = need - 1
                  delivered = delivered + 1
                end
              end
            end
          end
        end
        if delivered > 0 then redis.call('HINCRBY', KEYS[5], 'delivered', delivered) end
        if expired > 0 then
          redis.call('HINCRBY', KEYS[5], 'expired', expired)
          redis.call('HINCRBY', KEYS[5], 'pending', -expired)
        end
        out[1] = expired
        if need > 0 then out[2] = 1 end
        return out
        """)

    /// KEYS: one stream per id, then stats. ARGV: the entry ids. Returns how many were pending.
    static let ack = Script(name: "ack", source: """
        local n = #ARGV
        local acked = 0
        for k = 1, n do
          acked = acked + redis.call('XACK', KEYS[k], 'agentd', ARGV[k])
          redis.call('XDEL', KEYS[k], ARGV[k])
        end
        if acked > 0 then
          redis.call('HINCRBY', KEYS[n + 1], 'acked', acked)
          redis.call('HINCRBY', KEYS[n + 1], 'pending', -acked)
        end
        return acked
        """)

    /// KEYS: stream, dead stream, dead index, stats. ARGV: entry id, priority, dead suffix JSON.
    /// Returns 1 when moved, 0 when the entry was gone.
    static let deadLetter = Script(name: "dead", source: """
        local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
        local was = redis.call('XACK', KEYS[1], 'agentd', ARGV[1])
        if was == 0 then return 0 end
        redis.call('XDEL', KEYS[1], ARGV[1])
        if #e == 0 then return 0 end
        local f = e[1][2]
        local i, m
        for k = 1, #f, 2 do
          if f[k] == 'i' then i = f[k + 1] elseif f[k] == 'm' then m = f[k + 1] end
        end
        local j = string.sub(m, 1, -2) .. ',' .. ARGV[3] .. '}'
        local sid = redis.call('XADD', KEYS[2], '*', 'i', i, 'p', ARGV[2], 'm', m, 'j', j)
        redis.call('HSET', KEYS[3], i, sid)
        redis.call('HINCRBY', KEYS[4], 'pending', -1)
        redis.call('HINCRBY', KEYS[4], 'dead', 1)
        return 1
        """)

    /// KEYS: dead stream, dead index, stats, inboxes, then the four inbox streams in delivery
    /// order. ARGV: inbox, then message ids. Returns how many were requeued.
    static let requeueDead = Script(name: "requeue", source: """
        local ranks = {critical = 1, high = 2, medium = 3, low = 4}
        local count = 0
        for k = 2, #ARGV do
          local sid = redis.call('HGET', KEYS[2], ARGV[k])
          if sid then
            local e = redis.call('XRANGE', KEYS[1], sid, sid)
            redis.call('HDEL', KEYS[2], ARGV[k])
            redis.call('XDEL', KEYS[1], sid)
            if #e == 1 then
              local f = e[1][2]
              local i, p, m
              for n = 1, #f, 2 do
                if f[n] == 'i' then i = f[n + 1] elseif f[n] == 'p' then p = f[n + 1] elseif f[n] == 'm' then m = f[n + 1] end
              end
              local key = KEYS[4 + (ranks[p] or 3)]
              if redis.call('EXISTS', key) == 0 then
                redis.call('XGROUP', 'CREATE', key, 'agentd', '0', 'MKSTREAM')
                redis.call('SADD', KEYS[4], ARGV[1])
              end
              redis.call('XADD', key, '*', 'i', i, 'm', m)
              count = count + 1
            end
          end
        end
        if count > 0 then
          redis.call('HINCRBY', KEYS[3], 'dead', -count)
          redis.call('HINCRBY', KEYS[3], 'pending', count)
        end
        return count
        """)

    /// KEYS: delayed zset, delayed hash, inboxes. ARGV: now ms, limit.
    /// Returns {next due or '', inbox, inbox, ...}.
    static let promote = Script(name: "promote", source: """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
        local out = {''}
        for _, id in ipairs(ids) do
          local packed = redis.call('HGET', KEYS[2], id)
          redis.call('ZREM', KEYS[1], id)
          redis.call('HDEL', KEYS[2], id)
          if packed then
            local a = string.find(packed, '\\n', 1, true)
            local b = string.find(packed, '\\n', a + 1, true)
            local c = string.find(packed, '\\n', b + 1, true)
            local inbox = string.sub(packed, 1, a - 1)
            local key = string.sub(packed, a + 1, b - 1)
            local x = string.sub(packed, b + 1, c - 1)
            local m = string.sub(packed, c + 1)
            if redis.call('EXISTS', key) == 0 then
              redis.call('XGROUP', 'CREATE', key, 'agentd', '0', 'MKSTREAM')
              redis.call('SADD', KEYS[3], inbox)
            end
            if x ~= '' then
              redis.call('XADD', key, '*', 'i', id, 'm', m, 'x', x)
            else
              redis.call('XADD', key, '*', 'i', id, 'm', m)
            end
            table.insert(out, inbox)
          end
        end
        local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        if #nxt == 2 then out[1] = nxt[2] end
        return out
        """)
}
