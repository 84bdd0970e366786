import Testing

@testable import AgentdConfig

/// `redis_sentinels`, `redis_master_name`, `redis_wait_replicas`: Redis with Sentinel.
@Suite struct SentinelSettingsTests {
    @Test func offByDefault() throws {
        let configuration = try load()
        #expect(configuration.redisSentinels.isEmpty)
        #expect(configuration.redisMasterName == nil)
        #expect(configuration.redisWaitReplicas == 0)
    }

    @Test func fromTheEnvironment() throws {
        let configuration = try load(environment: [
            "AGENTD_REDIS_SENTINELS": "127.0.0.1:26379, [::1]:26380,sentinel-3:26381",
            "AGENTD_REDIS_MASTER_NAME": "agentd-main",
            "AGENTD_REDIS_WAIT_REPLICAS": "1",
        ])
        #expect(configuration.redisSentinels.map(\.description) == ["127.0.0.1:26379", "[::1]:26380", "sentinel-3:26381"])
        #expect(configuration.redisMasterName == "agentd-main")
        #expect(configuration.redisWaitReplicas == 1)
    }

    @Test func fromTheFile() throws {
        let configuration = try load("redis_sentinels = \"h1:26379,h2:26379\"\nredis_master_name = \"m\"\nredis_wait_replicas = 2")
        #expect(configuration.redisSentinels.map(\.port) == [26379, 26379])
        #expect(configuration.redisMasterName == "m")
        #expect(configuration.redisWaitReplicas == 2)
    }

    @Test func halfASetupIsRefused() {
        #expect(
            loadError(environment: ["AGENTD_REDIS_SENTINELS": "h1:26379"])
                == "Redis Sentinel needs both redis_sentinels and redis_master_name; redis_master_name (AGENTD_REDIS_MASTER_NAME) is empty"
        )
        #expect(
            loadError(environment: ["AGENTD_REDIS_MASTER_NAME": "m"])
                == "Redis Sentinel needs both redis_sentinels and redis_master_name; redis_sentinels (AGENTD_REDIS_SENTINELS) is empty"
        )
    }

    @Test func badValuesAreRefused() {
        #expect(loadError(environment: ["AGENTD_REDIS_SENTINELS": "h1:0", "AGENTD_REDIS_MASTER_NAME": "m"])?.hasPrefix("AGENTD_REDIS_SENTINELS: expected") == true)
        #expect(loadError(environment: ["AGENTD_REDIS_SENTINELS": "nohostport", "AGENTD_REDIS_MASTER_NAME": "m"]) != nil)
        #expect(loadError("redis_wait_replicas = 17") == "agentd.toml:1: redis_wait_replicas: expected an integer from 0 to 16, got 17")
        #expect(loadError(environment: ["AGENTD_REDIS_WAIT_REPLICAS": "-1"]) != nil)
    }
}
