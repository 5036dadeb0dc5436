/// Binary operators as written, before resolution.
enum BinaryOperator: String, Sendable {
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
}

/// The parse tree, as written: names are not resolved yet. Every node keeps the column of the
/// token that names it (the operator of a binary node, the name of a member) for messages,
/// and its depth so later recursive passes are bounded before they start.
struct Syntax: Sendable {
    indirect enum Kind: Sendable {
        case number(Double)
        case string(String)
        case bool(Bool)
        case null
        case identifier(String)
        case member(Syntax, String)
        case index(Syntax, Syntax)
        case call(Syntax, [Syntax])
        case not(Syntax)
        case negate(Syntax)
        case binary(BinaryOperator, Syntax, Syntax)
    }

    var kind: Kind
    var column: Int
    var depth: Int
}
