import AgentdConfig
import Broker
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The agent port's certificate, key and CA files: read at start, and again on SIGHUP, so a
/// renewed certificate is served without a restart.
///
/// Like the tokens file: the files are re-read on a private queue and the context swapped
/// whole; connections already open keep theirs. Files that fail to load on reload are
/// logged and the old context stays, so a half-copied renewal never takes TLS down.
final class TLSCertificates: Sendable {
    /// What listeners hand to new connections.
    let context: AgentTLSContext
    private let settings: AgentTLS.Files
    private let logger: Logger
    private let watcher = NIOLockedValueBox<HangupWatcher?>(nil)

    /// Loads the files named by `settings`.
    /// - Throws: `DaemonError` naming the setting and file that could not be used.
    init(_ tls: AgentdConfiguration.TLS, logger: Logger) throws {
        // The files, in the broker's terms; the `[tls]` table's other key is the listener's.
        let settings = AgentTLS.Files(certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile, requireClientCert: tls.requireClientCert)
        do {
            self.context = AgentTLSContext(try AgentTLS.makeContext(settings))
        } catch {
            throw DaemonError(error.description)
        }
        self.settings = settings
        self.logger = logger
    }

    /// Re-reads the files on every SIGHUP until `stop`.
    func watchHangup() {
        let watcher = HangupWatcher(label: "agentd.tls-reload") { [weak self] in self?.reload() }
        self.watcher.withLockedValue { $0 = watcher }
    }

    /// Stops watching SIGHUP.
    func stop() {
        self.watcher.withLockedValue { $0 }?.stop()
    }

    private func reload() {
        do {
            self.context.replace(with: try AgentTLS.makeContext(self.settings))
            self.logger.notice("TLS certificate files reloaded", metadata: ["agentd.tls.cert_file": "\(self.settings.certFile ?? "")"])
        } catch {
            self.logger.error("TLS files not reloaded; the previous certificate stays in use", metadata: ["agentd.error": "\(error)"])
        }
    }
}
