import AgentdAuth
import Testing

@Suite struct AgentTokenTests {
    @Test func sha256HexOfKnownVectors() {
        // FIPS 180-2 test vectors.
        #expect(AgentToken.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(AgentToken.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func generatedTokensAreURLSafeAndDistinct() {
        let tokens = (0..<200).map { _ in AgentToken.generate() }
        #expect(Set(tokens).count == 200)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for token in tokens {
            #expect(token.count == 43)   // 32 bytes, base64 without padding
            #expect(token.allSatisfy(alphabet.contains))
        }
    }

    @Test func constantTimeEquality() {
        #expect(AgentToken.constantTimeEquals("abc", "abc"))
        #expect(!AgentToken.constantTimeEquals("abc", "abd"))
        #expect(!AgentToken.constantTimeEquals("abc", "abcd"))
        #expect(AgentToken.constantTimeEquals("", ""))
    }
}
