import EdgeTestSupport
import EdgeCore
import EdgePipeline
import Logging
import Synchronization

/// A logger that drops everything, so tests do not write to stderr.
let quietLogger = Logger(label: "pipeline-test", factory: { _ in SwiftLogNoOpLogHandler() })

/// What a `FrameView` showed, copied out (the view is valid only during the call).
struct FrameCopy: Equatable, CustomStringConvertible {
    var source: Int
    var timestamp: Int64
    /// Values by point; nil where the point was absent.
    var values: [Double?]
    var qualities: [SampleQuality]
    var reported: [Bool]
    var presentCount: Int

    init(_ frame: FrameView) {
        source = frame.source
        timestamp = frame.timestamp
        values = (0..<frame.count).map { frame.qualities[$0] == .absent ? nil : frame.values[$0] }
        qualities = Array(frame.qualities)
        reported = Array(frame.reported)
        presentCount = frame.presentCount
    }

    var description: String {
        "frame(source \(source) @\(timestamp): \(values.map { $0.map { "\($0)" } ?? "-" }) \(qualities.map(\.name)))"
    }
}

/// Calls `body` with a view over the given columns (for recorder tests).
func withFrame<R>(
    source: Int, timestamp: Int64, values: [Double], qualities: [SampleQuality], reported: [Bool]? = nil,
    texts: [String?] = [], _ body: (FrameView) throws -> R
) rethrows -> R {
    let reported = reported ?? Array(repeating: true, count: values.count)
    return try values.withUnsafeBufferPointer { v in
        try qualities.withUnsafeBufferPointer { q in
            try reported.withUnsafeBufferPointer { r in
                try body(FrameView(source: source, timestamp: timestamp, values: v, qualities: q, reported: r, texts: texts))
            }
        }
    }
}

/// Pops everything in `ring` into `assembler`, copying each completed frame.
func drainFrames(_ ring: SampleRing, into assembler: FrameAssembler, deadbands: DeadbandFilter? = nil) -> [FrameCopy] {
    var out: [FrameCopy] = []
    // Bounded: a ring never holds more than its capacity.
    for _ in 0..<(ring.capacity + 1) {
        guard let sample = ring.pop() else { break }
        if let source = assembler.add(sample) {
            out.append(assembler.withFrame(source: source, texts: [], deadbands: deadbands) { FrameCopy($0) })
        }
    }
    return out
}
