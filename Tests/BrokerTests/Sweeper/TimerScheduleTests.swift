import Testing

@testable import Broker

/// The coordination timers' schedule, on a manual clock (plain milliseconds).
@Suite struct TimerScheduleTests {
    @Test func intervalsFollowTheHeartbeatTimeout() {
        let fast = TimerSchedule(heartbeatTimeoutMilliseconds: 900, now: 0)
        #expect(fast.flushInterval == 90)
        #expect(fast.minimumSweepInterval == 50)
        let slow = TimerSchedule(heartbeatTimeoutMilliseconds: 90_000, now: 0)
        #expect(slow.flushInterval == 1_000)
        #expect(slow.minimumSweepInterval == 1_000)
    }

    @Test func sweepAndDeadlinesAreDueAtOnceAndFlushAfterItsInterval() {
        var schedule = TimerSchedule(heartbeatTimeoutMilliseconds: 1_000, now: 10_000)
        let first = schedule.due(now: 10_000)
        #expect(first.sweep && first.deadlines && !first.flush && !first.outbox)
        #expect(schedule.sleep(now: 10_000) == 100)  // the next flush
        let later = schedule.due(now: 10_100)
        #expect(later.flush && !later.sweep)
    }

    @Test func nextSweepWaitsForTheOldestAgentButKeepsItsMinimumInterval() {
        var schedule = TimerSchedule(heartbeatTimeoutMilliseconds: 1_000, now: 0)
        _ = schedule.due(now: 0)
        // Store clock 5 000 ms ahead of ours: the oldest agent can expire at store time 5 700.
        schedule.swept(next: 5_700, storeNow: 5_000, now: 0)
        #expect(schedule.nextSweep == 700)
        // An agent already past its time: not before the minimum interval after the last sweep.
        schedule.swept(next: 4_000, storeNow: 5_000, now: 0)
        #expect(schedule.nextSweep == 50)
        // No agent at all: one timeout from now.
        schedule.swept(next: nil, storeNow: 5_000, now: 0)
        #expect(schedule.nextSweep == 1_000)
        // A full pass (a fleet went silent together): the next one at once.
        _ = schedule.due(now: 10)
        schedule.swept(next: 4_000, storeNow: 5_010, now: 10, backlog: true)
        #expect(schedule.nextSweep == 10)
        #expect(schedule.due(now: 10).sweep)
    }

    @Test func deadlinesAreLookedForAtLeastEveryMaximumSleep() {
        var schedule = TimerSchedule(heartbeatTimeoutMilliseconds: 90_000, now: 0)
        _ = schedule.due(now: 0)
        schedule.deadlinesChecked(next: nil, storeNow: 1_000, now: 0)
        #expect(schedule.nextDeadlines == TimerSchedule.maximumSleep)
        // One of this daemon's deadlines, earlier than that: the timer wakes for it.
        schedule.deadlineAdded(storeTime: 1_100, now: 0)
        #expect(schedule.nextDeadlines == 100)
        #expect(schedule.sleep(now: 0) == 100)
        #expect(schedule.due(now: 100).deadlines)
    }

    @Test func sleepIsNeverLongerThanTheMaximum() {
        let schedule = TimerSchedule(heartbeatTimeoutMilliseconds: 90_000, now: 0)
        #expect(schedule.sleep(now: -10_000) == TimerSchedule.maximumSleep)
        #expect(schedule.sleep(now: 1_000_000) == 1)
    }
}
