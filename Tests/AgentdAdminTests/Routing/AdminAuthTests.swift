import Testing

@testable import AgentdAdmin
@testable import Broker

/// `auth.mode = token` on the admin port.
@Suite struct AdminAuthTests {
    private static let tokens: [(String, String, Set<String>)] = [
        ("worker-*", "w-secret", ["worker"]),
        ("mon", "m-secret", ["monitor"]),
        ("boss", "b-secret", ["supervisor", "worker"]),
        ("coord", "c-secret", ["coordinator"]),
    ]

    @Test func probesAndThePageStayOpen() async throws {
        let fixture = try AdminFixture(tokens: Self.tokens)
        fixture.readiness.serving()
        for uri in ["/healthz", "/readyz", "/"] {
            #expect(try await fixture.get(uri).status == .ok, "\(uri)")
        }
    }

    @Test func dataRoutesNeedAMonitorSupervisorOrCoordinatorToken() async throws {
        let fixture = try AdminFixture(tokens: Self.tokens)
        for token in ["m-secret", "b-secret", "c-secret"] {
            for uri in ["/metrics", "/api/stats", "/api/agents", "/api/tasks"] {
                #expect(try await fixture.get(uri, authorization: "Bearer \(token)").status == .ok, "\(token) \(uri)")
            }
        }
        #expect(try await fixture.get("/api/stats", authorization: "bearer  m-secret ").status == .ok)
    }

    @Test func missingWrongOrWeakTokensAre401() async throws {
        let fixture = try AdminFixture(tokens: Self.tokens)
        let refused = [nil, "Bearer nope", "Bearer w-secret", "Basic bW9uOm0tc2VjcmV0", "Bearer", "m-secret"]
        for (index, authorization) in refused.enumerated() {
            // One address each: the slow-down of repeated refusals is not what this test waits for.
            let response = try await fixture.get("/api/stats", authorization: authorization, from: "10.0.1.\(index)")
            #expect(response.status == .unauthorized, "\(String(describing: authorization))")
            #expect(response.headers.contains { $0.0 == "WWW-Authenticate" && $0.1.hasPrefix("Bearer") })
            #expect(response.json?["error"]?["code"]?.stringValue == "unauthenticated")
        }
        // Counted apart from refused hellos.
        let metrics = try await fixture.get("/metrics", authorization: "Bearer m-secret").bodyText
        #expect(metrics.contains(#"agentd_auth_failures_total{port="admin"} 6"#))
        #expect(metrics.contains(#"agentd_auth_failures_total{port="agent"} 0"#))
    }

    @Test func repeatedRefusalsFromOneAddressAreSlowedDown() async throws {
        let fixture = try AdminFixture(tokens: Self.tokens)
        _ = try await fixture.get("/api/stats", authorization: "Bearer nope", from: "10.0.2.1")
        let clock = ContinuousClock()
        let started = clock.now
        let second = try await fixture.get("/api/stats", authorization: "Bearer nope", from: "10.0.2.1")
        #expect(second.status == .unauthorized)
        // The second failure in a minute waits 200 ms (FailedHelloThrottle), shared with hellos.
        #expect(clock.now - started >= .milliseconds(150))
    }

    @Test func authNoneOpensEverything() async throws {
        let fixture = try AdminFixture()
        #expect(fixture.broker.adminAccess(authorization: nil, from: "x") == .open)
        #expect(try await fixture.get("/api/stats").status == .ok)
    }

    @Test func bearerTokenParsing() {
        #expect(Broker.bearerToken("Bearer abc") == "abc")
        #expect(Broker.bearerToken("BEARER   abc  ") == "abc")
        #expect(Broker.bearerToken("Bearer") == nil)
        #expect(Broker.bearerToken("Bearer    ") == nil)
        #expect(Broker.bearerToken("Basic abc") == nil)
    }
}
