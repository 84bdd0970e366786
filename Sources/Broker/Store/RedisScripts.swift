import Crypto

/// The Lua scripts of the Redis store. Each runs atomically in Redis, so a crash of a daemon (or
/// of the connection) never leaves half an operation behind: a message is stored with its dedup
/// record or not at all; a dead letter leaves the inbox in the same step it enters the dead list.
/// Times come from Redis (`TIME`), never from a daemon's clock: every daemon compares them.
///
/// Layout (prefix `P`, agent `A`, priority `p`, rank `r` = 1 critical … 4 low, daemon `D`):
///   P:q:{A}:p      stream, one per priority; consumer group `agentd`, one consumer per daemon
///   P:r:{A}        sorted set of released deliveries `r:entry-id` by due time (retries, nack delays)
///   P:d:{A}        sorted set of delayed sends, packed `r\nmessage-id\nexpiry\nbody`, by due time;
///                  one with a correlation id is packed `C<length>\n<correlation id>` + that
///   P:w:{A}        pub/sub channel: "the inbox has new work", payload the publishing daemon's id
///   P:dead:{A}     stream of dead letters (fields i, p, m, j) + P:deadidx:{A} hash message_id → entry id
///   P:dedup:ID     string: the sender of message_id ID, expiring after dedup_window_ms
///   P:stats        hash of counters: sent, delivered, acked, expired, pending, dead
///   P:daemons      sorted set of live daemons by lease expiry; P:daemon:D its instance token (PX lease)
///   P:reaping      sorted set of dead daemons being taken over, by the taker's deadline
///   P:dfigures     hash, daemon id -> "in-flight sends-per-minute" (written at each renewal, for stats)
///   P:dinbox:D     set of the inboxes daemon D has taken from (where its pending entries are)
/// Entry fields: i = message_id, m = message JSON, x = expiry (epoch ms, optional),
/// c = correlation_id (optional; what a waiting `request` looks for, see `takeReplies`).
/// The attempt of a delivery is the entry's delivery count in the pending list.
enum RedisScripts {
    struct Script: Sendable {
        let name: String
        let source: String
        /// The SHA1 Redis knows it by (`EVALSHA`).
        let sha: String

        init(name: String, source: String) {
            self.name = name
            self.source = source
            self.sha = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        }
    }

    /// Every script, loaded on each new connection (`RedisConfiguration.scripts`).
    static let all: [Script] = [
        send, takeReplies, putBack, take, release, takeOver, ack, deadLetter, requeueDead,
        join, renew, leave, liveFigures, live, claimDead, finishTakeOver,
        coordinationRead, coordinationCommit, coordinationCommitEach,
    ]

    /// `now` in epoch ms from Redis' clock, shared by every script.
    private static let clock = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

        """

    /// KEYS: stream, dedup key, stats, delayed set.
    /// ARGV: sender, window ms, body, message id, ttl ms|'', delay ms|'', use dedup (1|0), rank,
    /// wake channel, daemon id, has a correlation id (1|0), correlation id.
    /// Returns 0 stored, 1 duplicate (same sender), 2 conflict (other sender).
    static let send = Script(name: "send", source: clock + """
        if ARGV[7] == '1' then
          local owner = redis.call('GET', KEYS[2])
          if owner then
            if owner == ARGV[1] then return 1 else return 2 end
          end
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        end
        local x = ''
        if ARGV[5] ~= '' then x = string.format('%.0f', now + tonumber(ARGV[5])) end
        if ARGV[6] ~= '' then
          local packed = ARGV[8] .. '\\n' .. ARGV[4] .. '\\n' .. x .. '\\n' .. ARGV[3]
          if ARGV[11] == '1' then packed = 'C' .. #ARGV[12] .. '\\n' .. ARGV[12] .. packed end
          redis.call('ZADD', KEYS[4], now + tonumber(ARGV[6]), packed)
        else
          if redis.call('EXISTS', KEYS[1]) == 0 then
            redis.call('XGROUP', 'CREATE', KEYS[1], 'agentd', '0', 'MKSTREAM')
          end
          local f = {'i', ARGV[4], 'm', ARGV[3]}
          if x ~= '' then table.insert(f, 'x'); table.insert(f, x) end
          if ARGV[11] == '1' then table.insert(f, 'c'); table.insert(f, ARGV[12]) end
          redis.call('XADD', KEYS[1], '*', unpack(f))
        end
        redis.call('HINCRBY', KEYS[3], 'sent', 1)
        redis.call('HINCRBY', KEYS[3], 'pending', 1)
        redis.call('PUBLISH', ARGV[9], ARGV[10])
        return 0
        """)

    /// Moves the delayed sends whose time has come (1 000 per call bounds its run) into their
    /// streams. Needs `now`, KEYS[1...4] the streams and KEYS[6] the delayed set.
    private static let moveDueDelayed = """
        for _, packed in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now, 'LIMIT', 0, 1000)) do
          redis.call('ZREM', KEYS[6], packed)
          local cid
          if string.sub(packed, 1, 1) == 'C' then
            local nl = string.find(packed, '\\n', 2, true)
            local length = tonumber(string.sub(packed, 2, nl - 1))
            cid = string.sub(packed, nl + 1, nl + length)
            packed = string.sub(packed, nl + length + 1)
          end
          local a = string.find(packed, '\\n', 1, true)
          local b = string.find(packed, '\\n', a + 1, true)
          local c = string.find(packed, '\\n', b + 1, true)
          local key = KEYS[tonumber(string.sub(packed, 1, a - 1))]
          local x = string.sub(packed, b + 1, c - 1)
          if redis.call('EXISTS', key) == 0 then
            redis.call('XGROUP', 'CREATE', key, 'agentd', '0', 'MKSTREAM')
          end
          local f = {'i', string.sub(packed, a + 1, b - 1), 'm', string.sub(packed, c + 1)}
          if x ~= '' then table.insert(f, 'x'); table.insert(f, x) end
          if cid then table.insert(f, 'c'); table.insert(f, cid) end
          redis.call('XADD', key, '*', unpack(f))
        end
        """

    /// How many of the newest entries of each priority `takeReplies` looks at. A reply is
    /// looked for as soon as it is stored (its wake-up starts the look), so it is among the
    /// newest; the bound keeps the look cheap in an inbox with a long backlog.
    static let replyScan = 256

    /// KEYS: the four streams in delivery order, retry set (unused), delayed set, stats.
    /// ARGV: how many of each stream's newest entries to look at, then the correlation ids.
    /// Due delayed sends join their streams; then, for each id, the first unread entry carrying
    /// it (field `c`; highest priority, then oldest first) is deleted and counted delivered and
    /// acked — or expired, past its TTL. An entry in the pending list (delivered already) is
    /// left alone. Returns ms until the next delayed send is due or '', then per entry found:
    /// correlation id, rank, entry id, message id, body, expiry or ''.
    static let takeReplies = Script(name: "replies", source: clock + moveDueDelayed + "\n" + """
        local wanted = {}
        for k = 2, #ARGV do wanted[ARGV[k]] = true end
        local out = {''}
        local first = redis.call('ZRANGE', KEYS[6], 0, 0, 'WITHSCORES')
        if #first == 2 then out[1] = string.format('%.0f', math.max(0, tonumber(first[2]) - now)) end
        local found, expired = 0, 0
        for p = 1, 4 do
          local key = KEYS[p]
          if redis.call('EXISTS', key) == 1 then
            local entries = redis.call('XREVRANGE', key, '+', '-', 'COUNT', ARGV[1])
            for n = #entries, 1, -1 do
              local e = entries[n]
              local i, m, x, c
              local f = e[2]
              for k = 1, #f, 2 do
                if f[k] == 'i' then i = f[k + 1] elseif f[k] == 'm' then m = f[k + 1]
                elseif f[k] == 'x' then x = f[k + 1] elseif f[k] == 'c' then c = f[k + 1] end
              end
              if c and wanted[c] then
                local pending = redis.pcall('XPENDING', key, 'agentd', e[1], e[1], 1)
                if type(pending) ~= 'table' or pending.err or #pending == 0 then
                  wanted[c] = nil
                  redis.call('XDEL', key, e[1])
                  if x and tonumber(x) <= now then
                    expired = expired + 1
                  else
                    found = found + 1
                    table.insert(out, c); table.insert(out, p); table.insert(out, e[1])
                    table.insert(out, i); table.insert(out, m); table.insert(out, x or '')
                  end
                end
              end
            end
          end
        end
        if found > 0 then
          redis.call('HINCRBY', KEYS[7], 'delivered', found)
          redis.call('HINCRBY', KEYS[7], 'acked', found)
        end
        if expired > 0 then redis.call('HINCRBY', KEYS[7], 'expired', expired) end
        if found + expired > 0 then redis.call('HINCRBY', KEYS[7], 'pending', -(found + expired)) end
        return out
        """)

    /// KEYS: stream, stats. ARGV: message id, body, expiry|'', correlation id, wake channel,
    /// daemon id. A reply `takeReplies` removed goes back as an unread entry (its request had
    /// ended); the counts that take made are undone.
    static let putBack = Script(name: "putback", source: """
        if redis.call('EXISTS', KEYS[1]) == 0 then
          redis.call('XGROUP', 'CREATE', KEYS[1], 'agentd', '0', 'MKSTREAM')
        end
        local f = {'i', ARGV[1], 'm', ARGV[2], 'c', ARGV[4]}
        if ARGV[3] ~= '' then table.insert(f, 'x'); table.insert(f, ARGV[3]) end
        redis.call('XADD', KEYS[1], '*', unpack(f))
        redis.call('HINCRBY', KEYS[2], 'delivered', -1)
        redis.call('HINCRBY', KEYS[2], 'acked', -1)
        redis.call('HINCRBY', KEYS[2], 'pending', 1)
        redis.call('PUBLISH', ARGV[5], ARGV[6])
        return 1
        """)

    /// KEYS: the four streams in delivery order, retry set, delayed set, stats.
    /// ARGV: limit, consumer (daemon id).
    /// Moves due delayed sends into their streams, then delivers, priority by priority, the due
    /// retries (oldest entry first) and then unread entries, skipping expired ones.
    /// Returns {expired, exhausted (0|1), ms until the next retry or delayed send is due or '',
    /// then one string per message: `rank attempt entry-id id-length message-id` and the body
    /// right after the message id (see `RedisStore.takenMessage`)}.
    static let take = Script(name: "take", source: clock + """
        local need = tonumber(ARGV[1])
        local me = ARGV[2]
        local out = {0, 0, ''}
        local o = 3
        local expired = 0
        local delivered = 0
        -- This runs per message: agentd writes i and m first, then x and c in either order,
        -- so the fields are picked by position; the loop is left for anything else.
        local function fields(f)
          if f[1] == 'i' and f[3] == 'm' then
            if f[5] == 'x' then return f[2], f[4], f[6] end
            if f[7] == 'x' then return f[2], f[4], f[8] end
            return f[2], f[4], nil
          end
          local i, m, x
          for k = 1, #f, 2 do
            if f[k] == 'i' then i = f[k + 1] elseif f[k] == 'm' then m = f[k + 1] elseif f[k] == 'x' then x = f[k + 1] end
          end
          return i, m, x
        end
        -- One bulk string per message: a reply element costs Redis and the client an object
        -- each, and the message's fields are read back by position anyway.
        local function add(p, id, i, m, attempt)
          o = o + 1
          i, m = i or '', m or ''
          out[o] = p .. ' ' .. attempt .. ' ' .. id .. ' ' .. #i .. ' ' .. i .. m
        end
        local function expire(key, id)
          redis.call('XACK', key, 'agentd', id)
          redis.call('XDEL', key, id)
          expired = expired + 1
        end
        \(moveDueDelayed)
        -- Due retries by priority, oldest entry first.
        local retries = {{}, {}, {}, {}}
        if need > 0 then
          for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, 1000)) do
            local colon = string.find(member, ':', 1, true)
            local id = string.sub(member, colon + 1)
            local dash = string.find(id, '-', 1, true)
            table.insert(retries[tonumber(string.sub(member, 1, colon - 1))],
              {tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1)), id, member})
          end
          for r = 1, 4 do
            table.sort(retries[r], function(a, b) if a[1] ~= b[1] then return a[1] < b[1] end return a[2] < b[2] end)
          end
        end
        for p = 1, 4 do
          local key = KEYS[p]
          for _, r in ipairs(retries[p]) do
            if need <= 0 then break end
            redis.call('ZREM', KEYS[5], r[4])
            local claimed = redis.call('XCLAIM', key, 'agentd', me, 0, r[3])
            local e = claimed[1]
            if (not e) or (not e[2]) then
              -- Acked, expired or dead meanwhile: nothing to deliver.
              redis.call('XACK', key, 'agentd', r[3])
            else
              local i, m, x = fields(e[2])
              if x and tonumber(x) <= now then
                expire(key, r[3])
              else
                local pending = redis.call('XPENDING', key, 'agentd', r[3], r[3], 1)
                local attempt = 1
                if pending[1] then attempt = pending[1][4] end
                add(p, r[3], i, m, attempt)
                need = need - 1
                delivered = delivered + 1
              end
            end
          end
          if need > 0 and redis.call('EXISTS', key) == 1 then
            while need > 0 do
              local r = redis.pcall('XREADGROUP', 'GROUP', 'agentd', me, 'COUNT', need, 'STREAMS', key, '>')
              if type(r) == 'table' and r.err then
                -- The group is gone (Redis lost it); everything in the stream is unread.
                redis.call('XGROUP', 'CREATE', key, 'agentd', '0', 'MKSTREAM')
                r = redis.call('XREADGROUP', 'GROUP', 'agentd', me, 'COUNT', need, 'STREAMS', key, '>')
              end
              if not r then break end
              local entries = r[1][2]
              if #entries == 0 then break end
              for _, e in ipairs(entries) do
                local i, m, x = fields(e[2])
                if x and tonumber(x) <= now then
                  expire(key, e[1])
                else
                  add(p, e[1], i, m, 1)
                  need = need - 1
                  delivered = delivered + 1
                end
              end
            end
          end
        end
        if delivered > 0 then redis.call('HINCRBY', KEYS[7], 'delivered', delivered) end
        if expired > 0 then
          redis.call('HINCRBY', KEYS[7], 'expired', expired)
          redis.call('HINCRBY', KEYS[7], 'pending', -expired)
        end
        out[1] = expired
        if need > 0 then out[2] = 1 end
        local nextDue
        local first = redis.call('ZRANGE', KEYS[5], 0, 0, 'WITHSCORES')
        if #first == 2 then nextDue = tonumber(first[2]) end
        first = redis.call('ZRANGE', KEYS[6], 0, 0, 'WITHSCORES')
        if #first == 2 and ((not nextDue) or tonumber(first[2]) < nextDue) then nextDue = tonumber(first[2]) end
        if nextDue then out[3] = string.format('%.0f', math.max(0, nextDue - now)) end
        return out
        """)

    /// KEYS: the four streams in delivery order, retry set.
    /// ARGV: consumer (daemon id), wake channel, then per entry: rank, entry id, delay ms,
    /// deliveries so far, keep an earlier due time (1|0). The entries stay in the daemon's
    /// pending list with their delivery count (a take that handed them to nobody sets it back)
    /// and wait in the retry set, where any daemon's take finds them once due. An entry or a
    /// stream that is gone (acked, or Redis lost it) is skipped. Returns how many were released.
    static let release = Script(name: "release", source: clock + """
        local count = 0
        for k = 3, #ARGV, 5 do
          local rank = tonumber(ARGV[k])
          local c = redis.pcall('XCLAIM', KEYS[rank], 'agentd', ARGV[1], 0, ARGV[k + 1], 'RETRYCOUNT', ARGV[k + 3], 'JUSTID')
          if type(c) == 'table' and not c.err and #c > 0 then
            local member = rank .. ':' .. ARGV[k + 1]
            if ARGV[k + 4] == '1' then
              redis.call('ZADD', KEYS[5], 'NX', now + tonumber(ARGV[k + 2]), member)
            else
              redis.call('ZADD', KEYS[5], now + tonumber(ARGV[k + 2]), member)
            end
            count = count + 1
          end
        end
        if count > 0 then redis.call('PUBLISH', ARGV[2], ARGV[1]) end
        return count
        """)

    /// KEYS: the four streams in delivery order, retry set.
    /// ARGV: the consumer to retire, the consumer that keeps its entries meanwhile, wake channel.
    /// Everything the retired consumer had delivered becomes a retry due now (a nack delay
    /// already waiting keeps its time), with its delivery count, and the consumer is deleted
    /// (its entries moved first: deleting a consumer drops what it still holds). Returns how
    /// many moved.
    static let takeOver = Script(name: "takeover", source: clock + """
        local moved = 0
        for p = 1, 4 do
          local key = KEYS[p]
          if redis.call('EXISTS', key) == 1 then
            local start = '-'
            while true do
              local pending = redis.pcall('XPENDING', key, 'agentd', start, '+', 1000, ARGV[1])
              if type(pending) ~= 'table' or pending.err or #pending == 0 then break end
              for _, e in ipairs(pending) do
                redis.call('XCLAIM', key, 'agentd', ARGV[2], 0, e[1], 'RETRYCOUNT', e[4], 'JUSTID')
                redis.call('ZADD', KEYS[5], 'NX', now, p .. ':' .. e[1])
                moved = moved + 1
              end
              if #pending < 1000 then break end
              start = '(' .. pending[#pending][1]
            end
            redis.pcall('XGROUP', 'DELCONSUMER', key, 'agentd', ARGV[1])
          end
        end
        if moved > 0 then redis.call('PUBLISH', ARGV[3], ARGV[2]) end
        return moved
        """)

    /// KEYS: the streams the entries are in (each once), then stats. ARGV: per stream, in the
    /// same order, how many ids, then the ids. Returns how many were pending. One XACK and one
    /// XDEL per stream and per thousand ids (Lua's `unpack` has a limit): each `redis.call`
    /// costs about a microsecond, so a batch of acks pays it per stream, not per entry.
    static let ack = Script(name: "ack", source: """
        local acked = 0
        local a = 1
        for k = 1, #KEYS - 1 do
          local last = a + tonumber(ARGV[a])
          a = a + 1
          while a <= last do
            local e = math.min(a + 999, last)
            acked = acked + redis.call('XACK', KEYS[k], 'agentd', unpack(ARGV, a, e))
            redis.call('XDEL', KEYS[k], unpack(ARGV, a, e))
            a = e + 1
          end
        end
        if acked > 0 then
          redis.call('HINCRBY', KEYS[#KEYS], 'acked', acked)
          redis.call('HINCRBY', KEYS[#KEYS], 'pending', -acked)
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

    /// KEYS: dead stream, dead index, stats, then the four inbox streams in delivery order.
    /// ARGV: wake channel, daemon id, then message ids. Returns how many were requeued.
    static let requeueDead = Script(name: "requeue", source: """
        local ranks = {critical = 1, high = 2, medium = 3, low = 4}
        local count = 0
        for k = 3, #ARGV do
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
              local key = KEYS[3 + (ranks[p] or 3)]
              if redis.call('EXISTS', key) == 0 then
                redis.call('XGROUP', 'CREATE', key, 'agentd', '0', 'MKSTREAM')
              end
              redis.call('XADD', key, '*', 'i', i, 'm', m)
              count = count + 1
            end
          end
        end
        if count > 0 then
          redis.call('HINCRBY', KEYS[3], 'dead', -count)
          redis.call('HINCRBY', KEYS[3], 'pending', count)
          redis.call('PUBLISH', ARGV[1], ARGV[2])
        end
        return count
        """)
}
