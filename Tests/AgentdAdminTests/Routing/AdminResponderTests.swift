import AgentCore
import Testing

@testable import AgentdAdmin
@testable import Broker

@Suite struct AdminResponderTests {
    @Test func healthzIs200WithTheHealthOpsBody() async throws {
        let fixture = try AdminFixture()
        let response = try await fixture.get("/healthz")
        #expect(response.status == .ok)
        #expect(response.contentType == "application/json")
        #expect(response.bodyText == #"{"status":"ok","store":"up","backend":"memory"}"#)
    }

    @Test func readyzFollowsTheReadinessPhases() async throws {
        let fixture = try AdminFixture()
        var response = try await fixture.get("/readyz")
        #expect(response.status == .serviceUnavailable && response.bodyText == #"{"status":"starting"}"#)
        fixture.readiness.serving()
        response = try await fixture.get("/readyz")
        #expect(response.status == .ok && response.bodyText == #"{"status":"serving"}"#)
        fixture.readiness.draining()
        fixture.readiness.serving()  // never back from draining
        response = try await fixture.get("/readyz")
        #expect(response.status == .serviceUnavailable && response.bodyText == #"{"status":"draining"}"#)
    }

    @Test func statsHasTheOpsFourParts() async throws {
        let fixture = try AdminFixture()
        try fixture.send(to: "w1")
        try fixture.send(to: "w1")
        let response = try await fixture.get("/api/stats")
        #expect(response.status == .ok)
        let stats = try #require(response.json)
        #expect(stats.keys == ["queues", "registry", "coordination", "server"])
        #expect(stats["queues"]?["sent_total"]?.intValue == 2)
        #expect(stats["queues"]?["pending"]?.intValue == 2)
        #expect(stats["server"]?["backend"]?.stringValue == "memory")
    }

    @Test func agentsAndTasksListTheRecordsWithFilters() async throws {
        let fixture = try AdminFixture()
        try fixture.register("w1", .worker, ["py"], max: 2)
        try fixture.register("boss", .supervisor, [])
        let assigned = try fixture.assign("build", caps: ["py"])
        let waiting = try fixture.assign("train", caps: ["tpu"])

        let agents = try #require(try await fixture.get("/api/agents").json?["agents"]?.arrayValue)
        #expect(Set(agents.compactMap { $0["agent_id"]?.stringValue }) == ["w1", "boss"])
        let worker = try #require(agents.first { $0["agent_id"]?.stringValue == "w1" })
        #expect(worker["current_tasks"]?.intValue == 1 && worker["max_concurrent_tasks"]?.intValue == 2)
        #expect(worker["role"]?.stringValue == "worker" && worker["status"]?.stringValue == "active")
        let workers = try await fixture.get("/api/agents?role=worker&capabilities=py").json?["agents"]?.arrayValue
        #expect(workers?.compactMap { $0["agent_id"]?.stringValue } == ["w1"])

        let tasks = try #require(try await fixture.get("/api/tasks").json?["tasks"]?.arrayValue)
        #expect(Set(tasks.compactMap { $0["task_id"]?.stringValue }) == [assigned.taskID, waiting.taskID])
        let pending = try await fixture.get("/api/tasks?state=pending").json?["tasks"]?.arrayValue
        #expect(pending?.compactMap { $0["task_id"]?.stringValue } == [waiting.taskID])
        #expect(pending?.first?["assigned_to"] == .null)
    }

    @Test func badQueryFieldsAre400NamingTheField() async throws {
        let fixture = try AdminFixture()
        for (uri, field) in [("/api/tasks?limit=0", "limit"), ("/api/tasks?state=done", "state"), ("/api/agents?role=king", "role")] {
            let response = try await fixture.get(uri)
            #expect(response.status == .badRequest, "\(uri)")
            let error = response.json?["error"]
            #expect(error?["code"]?.stringValue == "bad_request")
            #expect(error?["message"]?.stringValue?.contains(field) == true, "\(uri): \(response.bodyText)")
        }
    }

    @Test func unknownPathsAre404AndOtherMethods405() async throws {
        let fixture = try AdminFixture()
        let missing = try await fixture.get("/api/nope")
        #expect(missing.status == .notFound && missing.json?["error"]?["code"]?.stringValue == "not_found")
        let post = try await fixture.get("/metrics", method: .POST)
        #expect(post.status == .methodNotAllowed)
        #expect(post.headers.contains { $0.0 == "Allow" && $0.1 == "GET, HEAD" })
    }

    @Test func metricsRenderTheBrokersCounters() async throws {
        let fixture = try AdminFixture()
        try fixture.send(to: "w1", priority: .high, type: .taskResponse)
        try fixture.register("w1", .worker, [])
        let response = try await fixture.get("/metrics")
        #expect(response.status == .ok)
        #expect(response.contentType.hasPrefix("text/plain; version=0.0.4"))
        let text = response.bodyText
        #expect(text.contains("# TYPE agentd_messages_sent_total counter"))
        #expect(text.contains(#"agentd_messages_sent_total{priority="high",message_type="task_response"} 1"#))
        #expect(text.contains(#"agentd_messages_sent_total{priority="low",message_type="task_response"} 0"#))
        #expect(text.contains("agentd_send_latency_seconds_count 1"))
        // Gauges are refreshed by the scrape itself.
        #expect(text.contains(#"agentd_agents{status="active"} 1.0"#))
        #expect(text.contains(#"agentd_tasks{state="pending"} 0.0"#))
    }

    @Test func metricsAre404WithoutARegistry() async throws {
        let fixture = try AdminFixture()
        let responder = AdminResponder(broker: fixture.broker, registry: nil, readiness: fixture.readiness)
        let response = try await responder.respond(to: AdminRequest(method: .GET, uri: "/metrics"), on: fixture.loop).get()
        #expect(response.status == .notFound)
    }

    @Test func dashboardIsOneSelfContainedPage() async throws {
        let fixture = try AdminFixture()
        let response = try await fixture.get("/")
        #expect(response.status == .ok && response.contentType == "text/html; charset=utf-8")
        let page = response.bodyText
        #expect(page.hasPrefix("<!doctype html>"))
        for route in ["/api/stats", "/api/agents", "/api/tasks", "/healthz"] {
            #expect(page.contains("\"\(route)"), "the page polls \(route)")
        }
        // Nothing loaded from elsewhere: no external script, style sheet or font.
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("src="))
    }
}
