internal import CYAML
public import EdgeCore

/// A YAML syntax error with its position, as libyaml reports it.
public struct YAMLSyntaxError: Error, Sendable {
    /// The diagnostic to show.
    public var diagnostic: Diagnostic
}

/// Parses YAML (and therefore JSON, which is YAML flow syntax) with the distribution's
/// libyaml into `YAMLNode` trees carrying positions.
public enum YAMLParser {
    /// Nodes created by alias expansion are capped, so a "billion laughs" file cannot exhaust
    /// memory. Only copies count: a plant gateway's 25,000 points written out take no alias.
    static let maxAliasNodes = 200_000
    /// All nodes of a document, aliases included: far above any real gateway config (a million
    /// is 40,000 Modbus devices), low enough that the tree fits in a gateway's memory.
    static let maxNodes = 2_000_000
    /// Nesting is capped so hostile input cannot exhaust the stack of later recursive walks.
    static let maxDepth = 256

    /// Parses the first document of `text`. An empty file gives nil.
    public static func parse(_ text: String, file: String) throws(YAMLSyntaxError) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLSyntaxError(
                diagnostic: Diagnostic(
                    .error, at: SourceLocation(file: file, line: 1, column: 1),
                    "cannot start the YAML parser (out of memory)"))
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(YAMLSyntaxError) -> YAMLNode? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = TreeBuilder(file: file)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw YAMLSyntaxError(diagnostic: syntaxDiagnostic(parser, file: file))
                }
                defer { yaml_event_delete(&event) }
                let done = try builder.consume(&event)
                if done { return builder.root }
            }
        }
    }

    private static func syntaxDiagnostic(_ parser: yaml_parser_t, file: String) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let mark = parser.problem_mark
        var message = "YAML syntax: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        var hint: String? = nil
        if problem.contains("tab") {
            hint = "indent with spaces; YAML forbids tabs for indentation"
        } else if problem.contains("mapping values are not allowed") {
            hint = "a value containing ': ' must be quoted, or the line is indented wrongly"
        } else if problem.contains("did not find expected key") || problem.contains("block end") {
            hint = "check the indentation of this line against the lines above it"
        }
        return Diagnostic(
            .error, at: SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1), message,
            hint: hint)
    }
}

/// Builds the node tree from libyaml's event stream.
private struct TreeBuilder {
    enum Frame {
        case sequence(items: [YAMLNode], location: SourceLocation, anchor: String?, size: Int)
        case mapping(
            pairs: [(key: YAMLNode, value: YAMLNode)], pendingKey: YAMLNode?, location: SourceLocation,
            anchor: String?, size: Int)
    }

    let file: String
    var stack: [Frame] = []
    var root: YAMLNode?
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var nodeCount = 0
    /// Nodes created by alias expansion so far.
    var aliasNodeCount = 0
    var sawDocument = false

    init(file: String) { self.file = file }

    func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    func fail(_ mark: yaml_mark_t, _ message: String, hint: String? = nil) -> YAMLSyntaxError {
        YAMLSyntaxError(diagnostic: Diagnostic(.error, at: location(mark), message, hint: hint))
    }

    /// Returns true when the first document is complete.
    mutating func consume(_ event: inout yaml_event_t) throws(YAMLSyntaxError) -> Bool {
        let mark = event.start_mark
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            if sawDocument { return true }
            sawDocument = true
        case YAML_DOCUMENT_END_EVENT:
            return true
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text =
                scalar.value.map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
                } ?? ""
            let quoted =
                scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                || scalar.style == YAML_LITERAL_SCALAR_STYLE || scalar.style == YAML_FOLDED_SCALAR_STYLE
            let node = YAMLNode(.scalar(text, quoted: quoted), at: location(mark))
            try add(node, anchor: scalar.anchor.map { String(cString: $0) }, size: 1, mark: mark)
        case YAML_SEQUENCE_START_EVENT:
            guard stack.count < YAMLParser.maxDepth else {
                throw fail(mark, "document nested deeper than \(YAMLParser.maxDepth) levels")
            }
            stack.append(
                .sequence(
                    items: [], location: location(mark),
                    anchor: event.data.sequence_start.anchor.map { String(cString: $0) }, size: 1))
        case YAML_MAPPING_START_EVENT:
            guard stack.count < YAMLParser.maxDepth else {
                throw fail(mark, "document nested deeper than \(YAMLParser.maxDepth) levels")
            }
            stack.append(
                .mapping(
                    pairs: [], pendingKey: nil, location: location(mark),
                    anchor: event.data.mapping_start.anchor.map { String(cString: $0) }, size: 1))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { throw fail(mark, "unbalanced collection end") }
            switch frame {
            case .sequence(let items, let loc, let anchor, let size):
                try add(YAMLNode(.sequence(items), at: loc), anchor: anchor, size: size, mark: mark, counted: true)
            case .mapping(let pairs, _, let loc, let anchor, let size):
                try add(YAMLNode(.mapping(pairs), at: loc), anchor: anchor, size: size, mark: mark, counted: true)
            }
        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            guard let target = anchors[name] else {
                throw fail(mark, "unknown alias '*\(name)'", hint: "define the anchor '&\(name)' before using it")
            }
            aliasNodeCount += target.size
            guard aliasNodeCount <= YAMLParser.maxAliasNodes else {
                throw fail(
                    mark, "aliases expand to more than \(YAMLParser.maxAliasNodes) nodes",
                    hint: "aliases may be nested too deeply; write the repeated part out or use fewer levels")
            }
            var node = target.node
            node.location = location(mark)
            try add(node, anchor: nil, size: target.size, mark: mark)
        default:
            break
        }
        return false
    }

    /// Adds a finished node to its parent. `counted` is true for collections, whose nodes were
    /// counted as their children arrived; scalars and alias copies are counted here.
    mutating func add(
        _ node: YAMLNode, anchor: String?, size: Int, mark: yaml_mark_t, counted: Bool = false
    ) throws(YAMLSyntaxError) {
        if !counted { nodeCount += size }
        guard nodeCount <= YAMLParser.maxNodes else {
            throw fail(
                mark, "document has more than \(YAMLParser.maxNodes) nodes",
                hint: "a gateway config is far smaller; split the devices over several gateways")
        }
        if let anchor { anchors[anchor] = (node, size) }
        guard let top = stack.popLast() else {
            root = node
            return
        }
        switch top {
        case .sequence(var items, let loc, let a, let total):
            items.append(node)
            stack.append(.sequence(items: items, location: loc, anchor: a, size: total + size))
        case .mapping(var pairs, let pending, let loc, let a, let total):
            if let key = pending {
                pairs.append((key, node))
                stack.append(.mapping(pairs: pairs, pendingKey: nil, location: loc, anchor: a, size: total + size))
            } else {
                guard case .scalar = node.kind else {
                    throw fail(mark, "mapping keys must be plain scalars", hint: "use a simple name as the key")
                }
                stack.append(.mapping(pairs: pairs, pendingKey: node, location: loc, anchor: a, size: total + size))
            }
        }
    }
}
