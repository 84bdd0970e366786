import NIOSSL
import Testing

@testable import Broker

@Suite struct CertificateIdentityTests {
    private func identity(_ file: String) throws -> String? {
        let certificate = try #require(try NIOSSLCertificate.fromPEMFile(TestPKI.get().path(file)).first)
        return CertificateIdentity.agentID(of: certificate)
    }

    @Test func commonNameIsTheAgent() throws {
        #expect(try self.identity("client-worker-1.pem") == "worker-1")
        #expect(try self.identity("client-worker-2.pem") == "worker-2")
        #expect(try self.identity("server.pem") == "localhost")
    }

    @Test func subjectWithoutCommonNameNamesNoAgent() throws {
        // Its subject has O and OU only.
        #expect(try self.identity("nocn.pem") == nil)
    }
}
