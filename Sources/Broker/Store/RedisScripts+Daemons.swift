/// The scripts that keep the list of live daemons (see `RedisScripts` for the layout). A lease
/// is an instance token under `P:daemon:D` expiring after the lease, mirrored in `P:daemons`
/// with its expiry so that dead daemons can be found by a range query on Redis' clock.
extension RedisScripts {
    private static let now = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

        """

    /// KEYS: daemons, lease key. ARGV: id, instance token, lease ms.
    /// Returns 1 joined, 0 when another live instance holds the id.
    static let join = Script(name: "join", source: now + """
        local holder = redis.call('GET', KEYS[2])
        if holder and holder ~= ARGV[2] then return 0 end
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        return 1
        """)

    /// KEYS: daemons, lease key. ARGV: id, instance token, lease ms.
    /// Returns {status, live daemons}: status 1 renewed, 2 the lease had lapsed and is taken
    /// again (others may have taken over this daemon's deliveries), 0 another instance holds it.
    static let renew = Script(name: "renew", source: now + """
        local holder = redis.call('GET', KEYS[2])
        local status = 1
        if holder and holder ~= ARGV[2] then
          status = 0
        else
          if not holder then status = 2 end
          redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
          redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        end
        return {status, redis.call('ZCOUNT', KEYS[1], now, '+inf')}
        """)

    /// KEYS: daemons, lease key, figures. ARGV: id, instance token. A graceful goodbye.
    static let leave = Script(name: "leave", source: """
        if redis.call('GET', KEYS[2]) == ARGV[2] then
          redis.call('DEL', KEYS[2])
          redis.call('ZREM', KEYS[1], ARGV[1])
          redis.call('HDEL', KEYS[3], ARGV[1])
        end
        return 1
        """)

    /// KEYS: daemons, figures. The live daemons and their figures: {id, figures or false, ...}.
    static let liveFigures = Script(name: "livefigures", source: now + """
        local out = {}
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
          table.insert(out, id)
          table.insert(out, redis.call('HGET', KEYS[2], id))
        end
        return out
        """)

    /// KEYS: daemons. The ids of the live daemons.
    static let live = Script(name: "live", source: now + """
        return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')
        """)

    /// KEYS: daemons, reaping. ARGV: ms the taker reserves for the work.
    /// Claims up to 10 dead daemons (lease run out), or takeovers whose taker died in turn
    /// (reservation run out), for the caller: atomically, so each is taken over by one daemon.
    static let claimDead = Script(name: "claimdead", source: now + """
        local out = {}
        local reserved = now + tonumber(ARGV[1])
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, 10)) do
          redis.call('ZREM', KEYS[1], id)
          redis.call('ZADD', KEYS[2], reserved, id)
          table.insert(out, id)
        end
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now, 'LIMIT', 0, 10)) do
          redis.call('ZADD', KEYS[2], reserved, id)
          table.insert(out, id)
        end
        return out
        """)

    /// KEYS: daemons, reaping, the dead daemon's inbox set, figures. ARGV: id.
    /// The takeover is done; the inbox set and figures go unless the id came back to life
    /// meanwhile.
    static let finishTakeOver = Script(name: "finishtakeover", source: """
        redis.call('ZREM', KEYS[2], ARGV[1])
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          redis.call('DEL', KEYS[3])
          redis.call('HDEL', KEYS[4], ARGV[1])
        end
        return 1
        """)
}
