import AgentCore
import NIOHTTP1
import Testing

@testable import AgentdAdmin

@Suite struct AdminRouterTests {
    @Test func everyRouteIsServedForGetAndHead() {
        for route in AdminRoute.allCases {
            #expect(AdminRouter.decide(method: .GET, uri: route.path) == .serve(route, query: [], headOnly: false))
            #expect(AdminRouter.decide(method: .HEAD, uri: route.path) == .serve(route, query: [], headOnly: true))
        }
    }

    @Test func otherMethodsAre405AndUnknownPaths404() {
        #expect(AdminRouter.decide(method: .POST, uri: "/healthz") == .methodNotAllowed)
        #expect(AdminRouter.decide(method: .DELETE, uri: "/api/tasks") == .methodNotAllowed)
        #expect(AdminRouter.decide(method: .GET, uri: "/nope") == .notFound)
        #expect(AdminRouter.decide(method: .GET, uri: "/api/stats/") == .notFound)
        #expect(AdminRouter.decide(method: .GET, uri: "/api") == .notFound)
        // An unknown path is 404 whatever the method: nothing to allow there.
        #expect(AdminRouter.decide(method: .POST, uri: "/nope") == .notFound)
    }

    @Test func queryAndFragmentAreSplitOff() {
        #expect(
            AdminRouter.decide(method: .GET, uri: "/api/tasks?state=in_progress&limit=5#x")
                == .serve(.tasks, query: [("state", "in_progress"), ("limit", "5")], headOnly: false))
    }

    @Test func probesAndPageNeedNoToken() {
        #expect(!AdminRoute.healthz.needsToken)
        #expect(!AdminRoute.readyz.needsToken)
        #expect(!AdminRoute.dashboard.needsToken)
        #expect(AdminRoute.metrics.needsToken)
        #expect(AdminRoute.stats.needsToken && AdminRoute.agents.needsToken && AdminRoute.tasks.needsToken)
    }
}

@Suite struct QueryStringTests {
    @Test func percentAndPlusDecode() {
        let pairs = QueryString.parse("a=x%20y&b=1+2&c&d=%zz&e=%C3%A9")
        #expect(pairs.map(\.0) == ["a", "b", "c", "d", "e"])
        #expect(pairs.map(\.1) == ["x y", "1 2", "", "%zz", "é"])
    }

    @Test func pairsAreBounded() {
        let query = (0..<100).map { "k\($0)=v" }.joined(separator: "&")
        #expect(QueryString.parse(Substring(query)).count == QueryString.maximumPairs)
    }

    @Test func fieldsTakeTheirKinds() {
        let kinds = QueryString.FieldKinds(integers: ["limit"], booleans: ["available"], lists: ["capabilities"])
        let fields = QueryString.requestFields(
            [("limit", "5"), ("available", "true"), ("capabilities", "a,b"), ("role", "worker"), ("assigned_to", "42")],
            kinds: kinds)
        #expect(fields["limit"] == .number(JSONNumber(5)))
        #expect(fields["available"] == .bool(true))
        #expect(fields["capabilities"] == .array([.string("a"), .string("b")]))
        #expect(fields["role"] == .string("worker"))
        // A numeric agent id stays a string: only named fields are converted.
        #expect(fields["assigned_to"] == .string("42"))
        // A bad integer stays a string, so the op's own check names the field.
        #expect(QueryString.requestFields([("limit", "x")], kinds: kinds)["limit"] == .string("x"))
    }
}
