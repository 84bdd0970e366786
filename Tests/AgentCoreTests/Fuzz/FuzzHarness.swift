/// The seeded randomness and the loop every property test of `Fuzz/` runs in.
///
/// Each property draws `iterations` cases; case `i` gets its own generator seeded from the
/// run seed, the property's name and `i`, so a failure names one seed that reproduces it.
/// `AGENTD_FUZZ_ITERATIONS` and `AGENTD_FUZZ_SEED` (decimal or 0x-hex) override the defaults;
/// the default seed is fixed, so the normal test run is deterministic. `AGENTD_FUZZ_CASE=i`
/// runs only case `i` (to debug one failure). `AGENTD_FUZZ_REPORT=1` prints one
/// `fuzz-report` line per property (used by scripts/fuzz.sh to count cases).
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// xoshiro256** seeded through SplitMix64: small, fast, and the same on every platform.
struct FuzzRNG: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var mixer = seed
        state = (Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer))
    }

    static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        let result = Self.rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotate(state.3, 45)
        return result
    }

    private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in `0..<bound` (multiply-shift; the tiny bias is irrelevant here).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `numerator / denominator`.
    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        below(denominator) < numerator
    }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

    /// A size that is usually small and sometimes large (roughly log-uniform up to `max`).
    mutating func size(max: Int) -> Int {
        var limit = 1
        let steps = below(64 - max.leadingZeroBitCount + 1)
        for _ in 0..<steps { limit = Swift.min(max, limit * 2) }
        return below(limit + 1)
    }
}

/// Run settings read once from the environment.
enum FuzzSettings {
    static let defaultIterations = 2_000
    static let defaultSeed: UInt64 = 0xA6E7_D0F0_22C0_FFEE

    static var iterations: Int {
        environment("AGENTD_FUZZ_ITERATIONS").flatMap { Int($0) }.map { max(1, $0) } ?? defaultIterations
    }

    static var seed: UInt64 {
        guard let text = environment("AGENTD_FUZZ_SEED") else { return defaultSeed }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) ?? defaultSeed }
        return UInt64(text) ?? defaultSeed
    }

    static var report: Bool { environment("AGENTD_FUZZ_REPORT") == "1" }

    /// The single case to run, if `AGENTD_FUZZ_CASE` names one.
    static var onlyCase: Int? { environment("AGENTD_FUZZ_CASE").flatMap { Int($0) } }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

/// A stable 64-bit hash (FNV-1a) of a property's name; Swift's `Hasher` is seeded per process.
func fuzzNameHash(_ name: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in name.utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    return hash
}

/// Longest a single generated case may take before it counts as a hang or a quadratic blow-up.
let fuzzSlowCaseLimit: Duration = .seconds(2)

/// Runs `property` on `AGENTD_FUZZ_ITERATIONS` cases. `property` returns nil when the case holds,
/// else a description of what broke. The first few failures are recorded as issues, each with
/// the seeds that reproduce it.
func forAllCases(
    _ name: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ property: (inout FuzzRNG) throws -> String?
) rethrows {
    let runSeed = FuzzSettings.seed
    let count = FuzzSettings.iterations
    var propertySeed = runSeed ^ fuzzNameHash(name)
    let base = FuzzRNG.splitMix(&propertySeed)
    var failures = 0
    let clock = ContinuousClock()
    let runStart = clock.now
    let cases = FuzzSettings.onlyCase.map { $0..<($0 + 1) } ?? 0..<count
    for iteration in cases {
        var caseSeed = base &+ UInt64(iteration)
        var rng = FuzzRNG(seed: FuzzRNG.splitMix(&caseSeed))
        let start = clock.now
        var failure = try property(&rng)
        let elapsed = clock.now - start
        if failure == nil, elapsed > fuzzSlowCaseLimit {
            failure = "case took \(elapsed) (a hang or quadratic behaviour?)"
        }
        guard let failure else { continue }
        failures += 1
        if failures <= 3 {
            Issue.record(
                """
                \(name) failed at case \(iteration): \(failure)
                reproduce: AGENTD_FUZZ_SEED=0x\(String(runSeed, radix: 16)) AGENTD_FUZZ_CASE=\(iteration) \
                swift test --skip-build --scratch-path .build-fuzz --filter '\(name)'
                """,
                sourceLocation: sourceLocation
            )
        }
    }
    if failures > 3 {
        Issue.record("\(name): \(failures) of \(count) cases failed in all (first 3 shown)", sourceLocation: sourceLocation)
    }
    if FuzzSettings.report {
        let seedText = "0x" + String(runSeed, radix: 16)
        print("fuzz-report property=\(name) seed=\(seedText) cases=\(cases.count) failures=\(failures) time=\(clock.now - runStart)")
    }
}

/// A short, printable rendering of bytes for failure messages.
func describeBytes(_ bytes: [UInt8], limit: Int = 300) -> String {
    var text = ""
    for byte in bytes.prefix(limit) {
        switch byte {
        case 0x20..<0x7F where byte != UInt8(ascii: "\\"): text.unicodeScalars.append(Unicode.Scalar(byte))
        case UInt8(ascii: "\\"): text += "\\\\"
        default: text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
    }
    if bytes.count > limit { text += "…(\(bytes.count) bytes)" }
    return "\"" + text + "\""
}
