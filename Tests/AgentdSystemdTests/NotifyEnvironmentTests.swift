import Testing

@testable import AgentdSystemd

@Suite struct NotifyEnvironmentTests {
    @Test func notUnderSystemd() {
        let environment = NotifyEnvironment([:], processID: 42)
        #expect(environment.socket == nil)
        #expect(environment.watchdogIntervalMicroseconds == nil)
        #expect(environment.problems.isEmpty)
    }

    @Test func pathAndWatchdogAtHalfTheTimeout() {
        let environment = NotifyEnvironment(["NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000"], processID: 42)
        #expect(environment.socket == .path("/run/systemd/notify"))
        #expect(environment.watchdogIntervalMicroseconds == 15_000_000)
    }

    @Test func abstractSocket() {
        #expect(NotifyEnvironment(["NOTIFY_SOCKET": "@/org/freedesktop/systemd1/notify"], processID: 1).socket == .abstract("/org/freedesktop/systemd1/notify"))
    }

    @Test func watchdogPIDMustBeOurs() {
        let ours = NotifyEnvironment(["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "42"], processID: 42)
        #expect(ours.watchdogIntervalMicroseconds == 500_000)
        let theirs = NotifyEnvironment(["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "7"], processID: 42)
        #expect(theirs.watchdogIntervalMicroseconds == nil)
    }

    @Test func badValuesAreReportedAndIgnored() {
        let environment = NotifyEnvironment(["NOTIFY_SOCKET": "relative/sock", "WATCHDOG_USEC": "soon"], processID: 1)
        #expect(environment.socket == nil)
        #expect(environment.watchdogIntervalMicroseconds == nil)
        #expect(environment.problems.count == 2)
        #expect(NotifyEnvironment(["WATCHDOG_USEC": "0"], processID: 1).watchdogIntervalMicroseconds == nil)
    }
}
