internal import CZlib

/// A thin wrapper over zlib's deflate that writes gzip streams (RFC 1952), what an HTTP body sent
/// with `Content-Encoding: gzip` must be.
enum Deflate {
    /// The compression level uplink bodies use. Level 6 (zlib's default) against 9, measured on
    /// columnar batches of 100 devices x 100 points x 60 s: 9 is 9-11 % smaller but 20x slower
    /// on slowly changing values (1.3 s against 58 ms on an x86 core), which a gateway cannot
    /// afford every minute.
    static let uplinkLevel: Int32 = 6

    /// The gzip stream of `input` at `level` (0...9). Never fails: when zlib cannot start
    /// (memory) or reports an error, the stream is written with stored (uncompressed) deflate
    /// blocks instead, which every gzip reader accepts.
    static func gzip(_ input: [UInt8], level: Int32 = uplinkLevel) -> [UInt8] {
        compressed(input, level: level) ?? stored(input)
    }

    /// zlib's gzip stream, or nil when zlib failed.
    static func compressed(_ input: [UInt8], level: Int32) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16: a 32 KiB window with the gzip header and trailer instead of zlib's.
        let started = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard started == Z_OK else { return nil }
        defer { deflateEnd(&stream) }

        var output: [UInt8] = []
        output.reserveCapacity(input.count / 8 + 64)
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let finished = input.withUnsafeBufferPointer { source -> Bool in
            var offset = 0
            while true {
                // avail_in is 32 bits: feed very large inputs in slices.
                if stream.avail_in == 0 && offset < source.count, let base = source.baseAddress {
                    let length = min(source.count - offset, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: base + offset)
                    stream.avail_in = UInt32(length)
                    offset += length
                }
                let flush = offset == source.count ? Z_FINISH : Z_NO_FLUSH
                let result = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return deflate(&stream, flush)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if result == Z_STREAM_END { return true }
                // Z_BUF_ERROR only means no progress was possible this call; anything else is fatal.
                guard result == Z_OK || result == Z_BUF_ERROR else { return false }
                // With Z_FINISH and a free output buffer deflate always progresses; guard anyway.
                if result == Z_BUF_ERROR && produced == 0 && flush == Z_FINISH { return false }
            }
        }
        stream.next_in = nil
        stream.next_out = nil
        return finished ? output : nil
    }

    /// A gzip stream of stored deflate blocks (no compression), built by hand so it needs no
    /// allocation from zlib: the fallback when deflate cannot run.
    static func stored(_ input: [UInt8]) -> [UInt8] {
        // Header: magic, CM = 8 (deflate), no flags, no mtime, no extra flags, OS = 255 (unknown).
        var output: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        output.reserveCapacity(input.count + input.count / 65_535 * 5 + 32)
        var offset = 0
        repeat {
            let length = min(input.count - offset, 65_535)
            let last: UInt8 = offset + length == input.count ? 1 : 0
            // BFINAL, BTYPE = 00 (stored), then LEN and its one's complement, little-endian.
            output.append(last)
            output.append(UInt8(length & 0xFF))
            output.append(UInt8(length >> 8))
            output.append(UInt8(~length & 0xFF))
            output.append(UInt8((~length >> 8) & 0xFF))
            output.append(contentsOf: input[offset..<offset + length])
            offset += length
        } while offset < input.count
        // Trailer: CRC-32 and the input size modulo 2^32, little-endian.
        let crc = CRC32.checksum(input)
        let size = UInt32(truncatingIfNeeded: input.count)
        for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: size >> UInt32(shift))) }
        return output
    }
}
