import AgentdSystemd
import ServiceLifecycle

/// Tells systemd `STOPPING=1` as soon as a graceful shutdown begins.
///
/// Last in the service group, so it is the first to hear of the shutdown, before the listener
/// starts draining. (`READY=1` and the watchdog start from the ready callback.)
struct SystemdNotifyService: Service {
    let notifier: SystemdNotifier

    func run() async throws {
        // Returns on a graceful shutdown; throws on cancellation (the group is failing anyway).
        try? await gracefulShutdown()
        self.notifier.send(.stopping, .status("draining"))
        await self.notifier.stop()
    }
}
