import Crypto

/// Agent tokens: how they are made and how agentd recognises one without storing it.
///
/// The tokens file holds only each token's SHA-256 (hex), so a leaked file does not let
/// anyone say hello; agentd hashes the token a `hello` carries and compares the digests in
/// constant time.
public enum AgentToken {
    /// A new random token: 32 bytes from the system's secure generator, as 43 characters of
    /// URL-safe base64 (no padding), easy to paste into an environment variable.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Self.base64URL(bytes)
    }

    /// The SHA-256 of `token`'s UTF-8 bytes, as 64 lower-case hex digits (the tokens file's
    /// `token_sha256`).
    public static func sha256Hex(_ token: String) -> String {
        let digest = SHA256.hash(data: Array(token.utf8))
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether two strings are equal, in time that depends only on their lengths (a
    /// hash compared byte by byte with an early exit would tell an attacker how much matched).
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value: UInt32 = 0
            for (offset, byte) in chunk.enumerated() {
                value |= UInt32(byte) << (16 - 8 * UInt32(offset))
            }
            let characters = chunk.count + 1
            for position in 0..<characters {
                out.append(alphabet[Int((value >> (18 - 6 * UInt32(position))) & 0x3f)])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
