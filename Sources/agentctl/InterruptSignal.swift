import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM turned into a call, so `tail` can end cleanly with status 0
/// instead of being killed mid-line.
///
/// The signals are ignored at the process level and watched by dispatch sources. The
/// sources' handlers run on their own queue and touch only the atomic flag and the
/// `@Sendable` action; the sources themselves belong to the command's task.
final class InterruptSignal {
    private static let signals = [SIGINT, SIGTERM]
    private let flag = Flag()
    private let queue = DispatchQueue(label: "agentctl.signals")
    private var sources: [any DispatchSourceSignal] = []

    /// Whether a signal has arrived.
    var raised: Bool {
        self.flag.isSet
    }

    /// Calls `action` (once) when SIGINT or SIGTERM arrives.
    func onSignal(_ action: @escaping @Sendable () -> Void) {
        for signalNumber in Self.signals {
            // Without SIG_IGN the default action (terminate) would win over the source.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: self.queue)
            source.setEventHandler { [flag] in
                // A second signal (Ctrl-C twice) does nothing more.
                if flag.set() {
                    action()
                }
            }
            source.resume()
            self.sources.append(source)
        }
    }

    /// Stops watching; the signals' default actions apply again.
    func stop() {
        for source in self.sources {
            source.cancel()
        }
        self.sources.removeAll()
        for signalNumber in Self.signals {
            signal(signalNumber, SIG_DFL)
        }
    }

    /// Set once, read from any thread.
    private final class Flag: Sendable {
        private let value = Atomic<Bool>(false)

        var isSet: Bool { self.value.load(ordering: .acquiring) }

        /// Sets the flag; true only for the call that set it.
        func set() -> Bool {
            !self.value.exchange(true, ordering: .acquiringAndReleasing)
        }
    }
}
