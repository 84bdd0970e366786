import AgentdAuth
import Testing

@Suite struct AgentPatternTests {
    @Test func exactNamesOneAgent() {
        let pattern = AgentPattern("boss")
        #expect(pattern.isExact)
        #expect(pattern.matches("boss"))
        #expect(!pattern.matches("boss2"))
        #expect(!pattern.matches("bos"))
    }

    @Test func starMatchesAnyRunAnywhere() {
        #expect(AgentPattern("worker-*").matches("worker-17"))
        #expect(AgentPattern("worker-*").matches("worker-"))   // the run may be empty
        #expect(!AgentPattern("worker-*").matches("boss"))
        #expect(!AgentPattern("worker-*").matches("a-worker-1"))
        #expect(AgentPattern("*-eu").matches("worker-eu"))
        #expect(!AgentPattern("*-eu").matches("worker-eu-2"))
        #expect(AgentPattern("team-*-bot").matches("team-red-bot"))
        #expect(!AgentPattern("team-*-bot").matches("team-bot"))   // the pieces may not overlap
        #expect(AgentPattern("*").matches("anyone"))
        #expect(AgentPattern("a*b*c").matches("aXbYc"))
        #expect(AgentPattern("a*b*c").matches("abbbc"))
        #expect(!AgentPattern("a*b*c").matches("acb"))
        #expect(AgentPattern("**x").matches("x"))
        #expect(!AgentPattern("w*").isExact)
    }
}
