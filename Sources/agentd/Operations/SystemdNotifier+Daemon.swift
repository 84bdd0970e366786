import AgentdSystemd
import Foundation
import NIOCore

extension NotifyEnvironment {
    /// This process's environment and pid.
    static var current: NotifyEnvironment {
        NotifyEnvironment(ProcessInfo.processInfo.environment, processID: ProcessInfo.processInfo.processIdentifier)
    }
}

extension SystemdNotifier {
    /// The agent port listens: `READY=1` with a status line, then the watchdog pings begin.
    func ready(status: String, watchdogLoop: any EventLoop) {
        self.send(.ready, .status(status))
        self.startWatchdog(on: watchdogLoop)
    }
}
