import Foundation

/// A throwaway CA, server and client certificates, made once per test run by the same script
/// the end-to-end tests use (scripts/integration/tls/make-certs.sh, which needs `openssl`).
struct TestPKI: Sendable {
    let directory: String

    /// Made on first use; every test of the run shares it.
    static let shared: Result<TestPKI, PKIError> = Self.make(clients: ["worker-1", "worker-2"])

    /// The PKI, or the reason it could not be made.
    static func get() throws -> TestPKI {
        try Self.shared.get()
    }

    func path(_ name: String) -> String {
        self.directory + "/" + name
    }

    struct PKIError: Error, CustomStringConvertible {
        let description: String
    }

    private static func make(clients: [String]) -> Result<TestPKI, PKIError> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()  // Tests/BrokerTests/TLS
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/integration/tls/make-certs.sh").path
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("agentd-pki-\(ProcessInfo.processInfo.processIdentifier)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory] + clients
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return .failure(PKIError(description: "could not run \(script): \(error)"))
        }
        guard process.terminationStatus == 0 else {
            return .failure(PKIError(description: "\(script) exited \(process.terminationStatus) (is openssl installed?)"))
        }
        return .success(TestPKI(directory: directory))
    }
}
