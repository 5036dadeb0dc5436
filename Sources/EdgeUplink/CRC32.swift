/// CRC-32 as IEEE 802.3, zlib and PNG define it (reflected polynomial 0xEDB88320, initial value
/// and final XOR 0xFFFFFFFF; check value of ASCII "123456789" is 0xCBF43926).
///
/// Written here rather than taken from zlib so the spool's record format depends on nothing
/// but this file; a byte-at-a-time table is fast enough for spool records (the disk is slower).
struct CRC32 {
    /// The 256-entry table for one byte at a time, built once on first use.
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }

    /// The running register, kept inverted as the algorithm specifies.
    private var register: UInt32 = 0xFFFF_FFFF

    /// Starts an empty checksum.
    init() {}

    /// The checksum of everything fed so far.
    var value: UInt32 { register ^ 0xFFFF_FFFF }

    /// Feeds more bytes; checksums of split input equal the checksum of the whole.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = register
        CRC32.table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        register = crc
    }

    /// Feeds the bytes of an array.
    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The checksum of one buffer.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
