/// Reads the TZif format of /usr/share/zoneinfo (RFC 8536 and RFC 9636, versions 1 to 4).
///
/// A version 1 file has 32-bit transition times only. Version 2 and later repeat the data
/// with 64-bit times and end with a POSIX TZ string for instants after the table; only that
/// second block and the footer are read. A version byte above '4' is read like version 4, as
/// later versions are meant to extend the format compatibly.
enum TimeZoneFile {
    /// Files are a few kilobytes; anything far larger is not a zone file.
    static let maximumSize = 1 << 20

    /// Time zone rules from the bytes of a TZif file.
    static func parse(_ bytes: [UInt8], name: String) throws(TimeZoneError) -> TimeZoneRules {
        var reader = TimeZoneByteReader(bytes: bytes)
        let first = try Header(&reader)
        guard first.version != 0 else {
            let block = try Block(&reader, header: first, timeSize: 4)
            return block.rules(name: name, footer: nil)
        }
        try reader.skip(first.blockSize(timeSize: 4))
        let second = try Header(&reader)
        let block = try Block(&reader, header: second, timeSize: 8)
        return block.rules(name: name, footer: try footer(&reader))
    }

    /// `\n<POSIX TZ string>\n`; an empty string means no rule beyond the table.
    private static func footer(_ reader: inout TimeZoneByteReader) throws(TimeZoneError) -> TimeZonePOSIXRule? {
        guard try reader.byte() == UInt8(ascii: "\n") else {
            throw TimeZoneError(message: "the TZ string footer does not start with a newline")
        }
        var text: [UInt8] = []
        while true {
            let byte = try reader.byte()
            if byte == UInt8(ascii: "\n") { break }
            text.append(byte)
        }
        if text.isEmpty { return nil }
        return try TimeZonePOSIXRule.parse(String(decoding: text, as: UTF8.self))
    }

    private struct Header {
        var version: UInt8
        var isUTCCount: Int
        var isStandardCount: Int
        var leapCount: Int
        var timeCount: Int
        var typeCount: Int
        var characterCount: Int

        init(_ reader: inout TimeZoneByteReader) throws(TimeZoneError) {
            let magic = try reader.bytes(4)
            guard magic == Array("TZif".utf8) else {
                throw TimeZoneError(message: "not a TZif file (no 'TZif' magic)")
            }
            let version = try reader.byte()
            guard version == 0 || version >= UInt8(ascii: "2") else {
                throw TimeZoneError(message: "unsupported TZif version byte \(version)")
            }
            self.version = version
            try reader.skip(15)
            isUTCCount = Int(try reader.uint32())
            isStandardCount = Int(try reader.uint32())
            leapCount = Int(try reader.uint32())
            timeCount = Int(try reader.uint32())
            typeCount = Int(try reader.uint32())
            characterCount = Int(try reader.uint32())
        }

        func blockSize(timeSize: Int) -> Int {
            timeCount * (timeSize + 1) + typeCount * 6 + characterCount + leapCount * (timeSize + 4)
                + isStandardCount + isUTCCount
        }
    }

    private struct LocalTimeType {
        var offset: Int32
    }

    private struct Block {
        var transitions: [Int64] = []
        var typeIndices: [Int] = []
        var types: [LocalTimeType] = []

        init(_ reader: inout TimeZoneByteReader, header: Header, timeSize: Int) throws(TimeZoneError) {
            guard header.typeCount >= 1 else { throw TimeZoneError(message: "the file has no local time types") }
            guard header.characterCount >= 1 else {
                throw TimeZoneError(message: "the file has no time zone designations")
            }
            guard header.leapCount == 0 else {
                throw TimeZoneError(
                    message: "leap-second zone files ('right/...') are not supported",
                    hint: "use the zone name without the 'right/' prefix")
            }
            guard header.isStandardCount == 0 || header.isStandardCount == header.typeCount,
                header.isUTCCount == 0 || header.isUTCCount == header.typeCount
            else {
                throw TimeZoneError(message: "the standard/UT indicator counts do not match the type count")
            }
            guard reader.remaining >= header.blockSize(timeSize: timeSize) else {
                throw TimeZoneError(message: "the file is truncated")
            }
            transitions.reserveCapacity(header.timeCount)
            for _ in 0..<header.timeCount {
                let time = timeSize == 4 ? Int64(Int32(bitPattern: try reader.uint32())) : try reader.int64()
                if let previous = transitions.last, time <= previous {
                    throw TimeZoneError(message: "transition times are not in ascending order")
                }
                transitions.append(time)
            }
            for _ in 0..<header.timeCount {
                let index = Int(try reader.byte())
                guard index < header.typeCount else {
                    throw TimeZoneError(message: "a transition names local time type \(index) of \(header.typeCount)")
                }
                typeIndices.append(index)
            }
            for _ in 0..<header.typeCount {
                let offset = Int32(bitPattern: try reader.uint32())
                let isDaylight = try reader.byte()
                let designation = Int(try reader.byte())
                // RFC 8536 §3.2: -2^31 is invalid, and real offsets stay within -25...+26 hours.
                guard (-89_999...93_599).contains(offset) else {
                    throw TimeZoneError(message: "UTC offset \(offset) s is out of range")
                }
                guard isDaylight <= 1, designation < header.characterCount else {
                    throw TimeZoneError(message: "a local time type is malformed")
                }
                types.append(LocalTimeType(offset: offset))
            }
            try reader.skip(header.characterCount + header.isStandardCount + header.isUTCCount)
        }

        func rules(name: String, footer: TimeZonePOSIXRule?) -> TimeZoneRules {
            TimeZoneRules(
                name: name, transitions: transitions, offsets: typeIndices.map { types[$0].offset },
                initialOffset: types[0].offset, footer: footer)
        }
    }
}

/// Big-endian reads that fail with "truncated" instead of trapping.
struct TimeZoneByteReader {
    let bytes: [UInt8]
    var index = 0

    var remaining: Int { bytes.count - index }

    mutating func byte() throws(TimeZoneError) -> UInt8 {
        guard index < bytes.count else { throw TimeZoneError(message: "the file is truncated") }
        index += 1
        return bytes[index - 1]
    }

    mutating func bytes(_ count: Int) throws(TimeZoneError) -> [UInt8] {
        guard count <= remaining else { throw TimeZoneError(message: "the file is truncated") }
        index += count
        return Array(bytes[(index - count)..<index])
    }

    mutating func skip(_ count: Int) throws(TimeZoneError) {
        guard count <= remaining else { throw TimeZoneError(message: "the file is truncated") }
        index += count
    }

    mutating func uint32() throws(TimeZoneError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 { value = value << 8 | UInt32(try byte()) }
        return value
    }

    mutating func int64() throws(TimeZoneError) -> Int64 {
        var value: UInt64 = 0
        for _ in 0..<8 { value = value << 8 | UInt64(try byte()) }
        return Int64(bitPattern: value)
    }
}
