/// The channel graph of one app (channel → channel through enabled actions' outputs), for the
/// loop and reachability warnings. Walks are iterative so a hostile document with a very long
/// chain cannot exhaust the stack.
struct FlowGraph {
    /// An output of an action on the source channel into `to`.
    struct Edge {
        var to: Int
        /// The action's index in the app's action list.
        var action: Int
        /// Whether this is the action's `errorChannelId` rather than its `channelId`.
        var viaError: Bool
    }

    /// A loop: channels in order, the first repeated at the end, and the edge that closes it.
    struct Cycle {
        var channels: [Int]
        var closing: Edge
    }

    private(set) var edges: [[Edge]]

    init(channelCount: Int) {
        edges = Array(repeating: [], count: channelCount)
    }

    mutating func add(from: Int, _ edge: Edge) {
        edges[from].append(edge)
    }

    /// One cycle per distinct loop found by a depth-first walk (each back edge gives one).
    func cycles() -> [Cycle] {
        enum Mark { case unvisited, onPath, done }
        var marks = Array(repeating: Mark.unvisited, count: edges.count)
        var found: [Cycle] = []
        var seen = Set<[Int]>()
        for root in edges.indices where marks[root] == .unvisited {
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            marks[root] = .onPath
            while let top = stack.last {
                guard top.next < edges[top.node].count else {
                    marks[top.node] = .done
                    stack.removeLast()
                    continue
                }
                let edge = edges[top.node][top.next]
                stack[stack.count - 1].next += 1
                switch marks[edge.to] {
                case .unvisited:
                    marks[edge.to] = .onPath
                    stack.append((edge.to, 0))
                case .onPath:
                    guard let start = stack.firstIndex(where: { $0.node == edge.to }) else { continue }
                    let loop = stack[start...].map(\.node)
                    if seen.insert(Self.canonical(loop)).inserted {
                        found.append(Cycle(channels: loop + [edge.to], closing: edge))
                    }
                case .done:
                    continue
                }
            }
        }
        return found
    }

    /// Which channels a message can reach from `roots`.
    func reachable(from roots: [Int]) -> [Bool] {
        var reached = Array(repeating: false, count: edges.count)
        var work: [Int] = []
        for root in roots where !reached[root] {
            reached[root] = true
            work.append(root)
        }
        while let node = work.popLast() {
            for edge in edges[node] where !reached[edge.to] {
                reached[edge.to] = true
                work.append(edge.to)
            }
        }
        return reached
    }

    /// The same loop found from another channel is the same loop: rotate to the smallest index.
    private static func canonical(_ loop: [Int]) -> [Int] {
        guard let minimum = loop.indices.min(by: { loop[$0] < loop[$1] }) else { return loop }
        return Array(loop[minimum...] + loop[..<minimum])
    }
}
