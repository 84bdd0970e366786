import Foundation

/// Runs a reload on every SIGHUP, on a private serial queue, until `stop`.
///
/// Each reloadable file (the tokens file, the TLS certificates) has its own watcher: dispatch
/// delivers a signal to every source watching it.
///
/// `@unchecked Sendable`: the one mutable field, `source`, is touched only on `queue`.
final class HangupWatcher: @unchecked Sendable {
    private let queue: DispatchQueue
    /// Only touched on `queue`.
    private var source: (any DispatchSourceSignal)?

    /// Starts watching; `reload` runs on a queue named `label`, one reload at a time, off the
    /// event loops (it reads files).
    init(label: String, reload: @escaping @Sendable () -> Void) {
        self.queue = DispatchQueue(label: label)
        self.queue.sync {
            // The default action of SIGHUP is to end the process: ignore it, and let the
            // dispatch source (which sees ignored signals too) do the work instead.
            signal(SIGHUP, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: self.queue)
            source.setEventHandler(handler: reload)
            source.resume()
            self.source = source
        }
    }

    /// Stops watching SIGHUP.
    func stop() {
        self.queue.sync {
            self.source?.cancel()
            self.source = nil
        }
    }
}
