import NIOCore
import Synchronization

enum BenchError: Error, CustomStringConvertible {
    case setup(String)
    case timedOut
    case usage(String)

    var description: String {
        switch self {
        case .setup(let why): "setup failed: \(why)"
        case .timedOut: "timed out"
        case .usage(let why): why
        }
    }
}

/// Progress shared by every connection of one run: the count that decides when the run
/// is over, errors, and the clock. Atomics, because with `--threads` > 1 connections live
/// on different event loops.
final class RunState: Sendable {
    let target: Int
    let done: EventLoopPromise<Void>
    private let completed = Atomic<Int>(0)
    private let errorCount = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)
    private let startNanos = Atomic<UInt64>(0)
    private let endNanos = Atomic<UInt64>(0)
    private let firstErrors = Mutex<[String]>([])

    init(target: Int, loop: any EventLoop) {
        self.target = target
        self.done = loop.makePromise()
    }

    func start() { startNanos.store(Bytes.nowNanos(), ordering: .relaxed) }

    /// Counts `n` finished units (acknowledged sends, acked deliveries); the one that
    /// reaches the target ends the run.
    func add(_ n: Int) {
        let (old, new) = completed.wrappingAdd(n, ordering: .relaxed)
        if old < target, new >= target { finish(error: nil) }
    }

    func finish(error: (any Error)?) {
        guard finished.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        endNanos.store(Bytes.nowNanos(), ordering: .relaxed)
        if let error { done.fail(error) } else { done.succeed(()) }
    }

    var isStarted: Bool { startNanos.load(ordering: .relaxed) != 0 }
    var isFinished: Bool { finished.load(ordering: .relaxed) }
    var count: Int { completed.load(ordering: .relaxed) }
    var errors: Int { errorCount.load(ordering: .relaxed) }
    var errorSamples: [String] { firstErrors.withLock { $0 } }

    func recordError(_ text: String) {
        errorCount.add(1, ordering: .relaxed)
        firstErrors.withLock { if $0.count < 5 { $0.append(text) } }
    }

    /// Seconds from `start()` to the end (or to now while running).
    var seconds: Double {
        let start = startNanos.load(ordering: .relaxed)
        var end = endNanos.load(ordering: .relaxed)
        if end == 0 { end = Bytes.nowNanos() }
        return start == 0 || end < start ? 0 : Double(end - start) / 1e9
    }
}
