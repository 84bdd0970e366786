/// Amounts an agent task spends: the `budget` of `assign_task` (each part optional) and the
/// `usage` reported with progress (each part added up).
public struct TaskAmounts: Sendable, Equatable {
    /// Model tokens.
    public var tokens: Double?
    /// Money, in US dollars.
    public var costUSD: Double?
    /// Agent turns (model calls, tool calls: the agent's own unit).
    public var turns: Double?

    /// Amounts as given; nil parts are not counted (budget) or zero (usage).
    public init(tokens: Double? = nil, costUSD: Double? = nil, turns: Double? = nil) {
        self.tokens = tokens
        self.costUSD = costUSD
        self.turns = turns
    }

    /// Zero of each: usage before any report.
    public static let zero = TaskAmounts(tokens: 0, costUSD: 0, turns: 0)

    /// Reads `{tokens?, cost_usd?, turns?}`, each a number ≥ 0; `field` names the object in
    /// errors. Other keys are refused, so a typo does not silently leave a budget open.
    public init(_ object: JSONObject, field: String) throws(AgentdError) {
        var amounts = TaskAmounts()
        for (key, value) in object {
            guard let number = value.numberValue?.doubleValue, number >= 0, number.isFinite else {
                throw .badRequest("\(field).\(key): must be a number ≥ 0")
            }
            switch key {
            case "tokens": amounts.tokens = number
            case "cost_usd": amounts.costUSD = number
            case "turns": amounts.turns = number
            default: throw .badRequest("\(field).\(key): unknown (tokens, cost_usd, turns)")
            }
        }
        self = amounts
    }

    /// Each part added (nil counts as 0).
    public static func + (lhs: TaskAmounts, rhs: TaskAmounts) -> TaskAmounts {
        TaskAmounts(
            tokens: (lhs.tokens ?? 0) + (rhs.tokens ?? 0),
            costUSD: (lhs.costUSD ?? 0) + (rhs.costUSD ?? 0),
            turns: (lhs.turns ?? 0) + (rhs.turns ?? 0)
        )
    }

    /// The parts of `usage` above this budget's limits, by wire name.
    public func exceeded(by usage: TaskAmounts) -> [String] {
        var over: [String] = []
        if let limit = self.tokens, (usage.tokens ?? 0) > limit { over.append("tokens") }
        if let limit = self.costUSD, (usage.costUSD ?? 0) > limit { over.append("cost_usd") }
        if let limit = self.turns, (usage.turns ?? 0) > limit { over.append("turns") }
        return over
    }

    /// `{tokens, cost_usd, turns}` with the parts that are set (all three for usage).
    public var jsonObject: JSONObject {
        var object = JSONObject()
        if let tokens = self.tokens { object["tokens"] = Self.number(tokens) }
        if let cost = self.costUSD { object["cost_usd"] = Self.number(cost) }
        if let turns = self.turns { object["turns"] = Self.number(turns) }
        return object
    }

    private static func number(_ value: Double) -> JSONValue {
        if value == value.rounded(), abs(value) < 9e15 { return .number(JSONNumber(Int64(value))) }
        return JSONNumber(value).map { .number($0) } ?? .number(JSONNumber(0))
    }
}
