import AgentdConfig
import Foundation
import Testing

@testable import Broker

/// Building the agent port's TLS context: every unusable file stops agentd with a line that
/// names the setting and the file.
@Suite struct AgentTLSTests {
    private func failure(_ tls: AgentTLS.Files) -> String? {
        do {
            _ = try AgentTLS.makeContext(tls)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func goodFilesMakeAContext() throws {
        let pki = try TestPKI.get()
        let plain = AgentTLS.Files(certFile: pki.path("server.pem"), keyFile: pki.path("server-key.pem"))
        #expect(self.failure(plain) == nil)
        var mutual = plain
        mutual.caFile = pki.path("ca.pem")
        mutual.requireClientCert = true
        #expect(self.failure(mutual) == nil)
    }

    @Test func unusableFilesAreNamed() throws {
        let pki = try TestPKI.get()
        let missing = pki.path("no-such.pem")
        let good = AgentTLS.Files(certFile: pki.path("server.pem"), keyFile: pki.path("server-key.pem"))

        var tls = good
        tls.certFile = missing
        #expect(self.failure(tls)?.hasPrefix("tls.cert_file \(missing): not a readable PEM certificate chain") == true)

        tls = good
        tls.keyFile = pki.path("server.pem")  // a certificate where the key should be
        #expect(self.failure(tls)?.hasPrefix("tls.key_file \(pki.path("server.pem")): not a readable PEM private key") == true)

        tls = good
        tls.keyFile = pki.path("client-worker-1-key.pem")  // a key, but not the certificate's
        #expect(self.failure(tls)?.hasPrefix("TLS setup failed: certificate and key do not work together") == true)

        let empty = pki.path("empty.pem")
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        tls = good
        tls.caFile = empty
        let message = self.failure(tls)
        #expect(message?.hasPrefix("tls.ca_file \(empty):") == true, "\(message ?? "nil")")
    }
}
