import AgentdAuth
import Broker
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The tokens file (`auth.tokens_file`): read at start, and again on SIGHUP.
///
/// On SIGHUP the file is re-read on a private queue and the table swapped whole: connections
/// stay open and sessions keep the roles they were given. A file that fails to read or parse
/// on reload is logged and the old table stays, so a typo never locks every agent out.
final class TokensFile: Sendable {
    let path: String
    private let authenticator: HelloAuthenticator
    private let logger: Logger
    private let watcher = NIOLockedValueBox<HangupWatcher?>(nil)

    /// Reads `path` and returns an authenticator over it together with its watcher.
    /// - Throws: `DaemonError` naming the file and what is wrong with it.
    static func load(path: String, logger: Logger) throws -> TokensFile {
        let table = try Self.read(path)
        logger.info("tokens file loaded", metadata: ["agentd.tokens_file": "\(path)", "agentd.entries": "\(table.entries.count)"])
        return TokensFile(path: path, authenticator: HelloAuthenticator(table: table), logger: logger)
    }

    private init(path: String, authenticator: HelloAuthenticator, logger: Logger) {
        self.path = path
        self.authenticator = authenticator
        self.logger = logger
    }

    /// The authenticator the broker checks hellos with.
    var helloAuthenticator: HelloAuthenticator { self.authenticator }

    /// Re-reads the file on every SIGHUP until `stop`.
    func watchHangup() {
        let watcher = HangupWatcher(label: "agentd.tokens-reload") { [weak self] in self?.reload() }
        self.watcher.withLockedValue { $0 = watcher }
    }

    /// Stops watching SIGHUP.
    func stop() {
        self.watcher.withLockedValue { $0 }?.stop()
    }

    /// Reads the file again; keeps the current table if the new one is bad.
    func reload() {
        do {
            let table = try Self.read(self.path)
            self.authenticator.replaceTable(table)
            self.logger.notice("tokens file reloaded", metadata: [
                "agentd.tokens_file": "\(self.path)", "agentd.entries": "\(table.entries.count)",
            ])
        } catch {
            self.logger.error("tokens file not reloaded; the previous tokens stay in force", metadata: [
                "agentd.tokens_file": "\(self.path)", "agentd.error": "\(error)",
            ])
        }
    }

    private static func read(_ path: String) throws -> TokenTable {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DaemonError("auth.tokens_file \(path): cannot read it: \(error.localizedDescription)")
        }
        do {
            return try TokenTable(parsing: Array(data))
        } catch {
            throw DaemonError("auth.tokens_file \(path): \(error)")
        }
    }
}
