import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Tells systemd about agentd's state over `$NOTIFY_SOCKET` (`Type=notify`), with SwiftNIO's
/// datagram channel on a Unix socket: no libsystemd, no unsafe code.
///
/// Sends are fire-and-forget: systemd not listening must never hold agentd up, so failures
/// are logged (once) and otherwise ignored.
public final class SystemdNotifier: Sendable {
    private let channel: any Channel
    private let logger: Logger
    private let warned = NIOLockedValueBox(false)
    private let watchdog = NIOLockedValueBox<RepeatedTask?>(nil)
    /// Half of `WATCHDOG_USEC`, when systemd asked for watchdog pings.
    public let watchdogIntervalMicroseconds: Int64?

    private init(channel: any Channel, watchdogIntervalMicroseconds: Int64?, logger: Logger) {
        self.channel = channel
        self.watchdogIntervalMicroseconds = watchdogIntervalMicroseconds
        self.logger = logger
    }

    /// Connects to the notification socket, or returns nil when there is none (not under
    /// systemd), it is unusable, or it is in the abstract namespace: NIO's Unix socket
    /// addresses always pass the whole `sun_path`, which names a different abstract socket
    /// than systemd's, so `@name` sockets are reported as unsupported.
    /// - Parameters:
    ///   - environment: what systemd set (see `NotifyEnvironment`).
    ///   - group: the event loops; the channel takes one.
    ///   - logger: for the warnings.
    public static func connect(
        _ environment: NotifyEnvironment,
        group: any EventLoopGroup,
        logger: Logger
    ) async -> SystemdNotifier? {
        for problem in environment.problems {
            logger.warning("systemd notify: \(problem)")
        }
        switch environment.socket {
        case nil:
            return nil
        case .abstract(let name):
            logger.warning(
                "systemd notify: abstract NOTIFY_SOCKET is not supported; READY=1 and WATCHDOG=1 are not sent",
                metadata: ["agentd.notify_socket": "@\(name)"]
            )
            return nil
        case .path(let path):
            do {
                let channel = try await DatagramBootstrap(group: group).connect(unixDomainSocketPath: path).get()
                return SystemdNotifier(
                    channel: channel,
                    watchdogIntervalMicroseconds: environment.watchdogIntervalMicroseconds,
                    logger: logger
                )
            } catch {
                logger.warning(
                    "systemd notify: cannot connect to NOTIFY_SOCKET",
                    metadata: ["agentd.notify_socket": "\(path)", "agentd.error": "\(error)"]
                )
                return nil
            }
        }
    }

    /// Sends one datagram with `messages`.
    public func send(_ messages: NotifyMessage...) {
        let buffer = ByteBuffer(string: NotifyMessage.datagram(messages))
        self.channel.writeAndFlush(buffer).whenFailure { error in
            let first = self.warned.withLockedValue { warned in
                defer { warned = true }
                return !warned
            }
            if first {
                self.logger.warning("systemd notify: send failed", metadata: ["agentd.error": "\(error)"])
            }
        }
    }

    /// Sends `WATCHDOG=1` every watchdog interval until `stop`, from a timer on `loop`: pings
    /// stop when that event loop is stuck, which is what the watchdog should notice.
    public func startWatchdog(on loop: any EventLoop) {
        guard let interval = self.watchdogIntervalMicroseconds else { return }
        let amount = TimeAmount.microseconds(interval)
        let task = loop.scheduleRepeatedTask(initialDelay: .zero, delay: amount) { _ in
            self.send(.watchdog)
        }
        self.watchdog.withLockedValue { $0 = task }
    }

    /// Stops the watchdog pings and closes the socket.
    public func stop() async {
        self.watchdog.withLockedValue { task in
            task?.cancel()
            task = nil
        }
        try? await self.channel.close()
    }
}
