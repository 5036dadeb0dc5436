public import EdgeCore

/// One value a device is polled for: where it lives, how it is encoded, and how the raw number
/// becomes an engineering value (`value = raw * scale + offset`, rounded to the decimals of scale
/// and offset: see `rounding`).
public struct ModbusPoint: Sendable, Hashable {
    /// The name flows and uplink use for the value (unique within its device).
    public var name: String
    /// The table the value lives in.
    public var space: ModbusSpace
    /// The 0-based address of the first register or bit.
    public var address: ModbusAddress
    /// How the registers are to be read.
    public var type: ModbusDataType {
        didSet { rounding = Self.rounding(type: type, scale: scale, offset: offset) }
    }
    /// Word/byte order; nil means the type's default (`AB` or `ABCD`).
    public var order: ModbusByteOrder?
    /// Multiplier applied to the raw value.
    public var scale: Double {
        didSet { rounding = Self.rounding(type: type, scale: scale, offset: offset) }
    }
    /// Added after scaling.
    public var offset: Double {
        didSet { rounding = Self.rounding(type: type, scale: scale, offset: offset) }
    }
    /// How scaled values are rounded, worked out from type, scale and offset whenever one of them
    /// is set (so at config compile time, never per sample).
    public private(set) var rounding: DecimalRounding
    /// Engineering unit for display and uplink (`V`, `kWh`), if any.
    public var unit: String?
    /// A new reading within this distance of the last reported one is not a change; nil reports all.
    public var deadband: Double?
    /// Masked before any AI call (docs/safety.md S8); the config marks it with `redact: true`.
    public var redact: Bool = false

    /// Creates a point; defaults are the identity transform and the type's default order.
    public init(
        name: String,
        space: ModbusSpace,
        address: ModbusAddress,
        type: ModbusDataType,
        order: ModbusByteOrder? = nil,
        scale: Double = 1,
        offset: Double = 0,
        unit: String? = nil,
        deadband: Double? = nil
    ) {
        self.name = name
        self.space = space
        self.address = address
        self.type = type
        self.order = order
        self.scale = scale
        self.offset = offset
        rounding = Self.rounding(type: type, scale: scale, offset: offset)
        self.unit = unit
        self.deadband = deadband
    }

    /// How many items (registers, or bits in a bit table) the point occupies.
    @inlinable
    public var width: Int { space.isBits ? 1 : type.registerCount }

    /// The order actually used when decoding.
    @inlinable
    public var effectiveOrder: ModbusByteOrder { order ?? type.defaultOrder ?? .ab }

    /// Applies scale and offset to a raw value, then rounds to the decimals they define, so
    /// 299 × 0.1 is 29.9 and not the product's binary noise 29.900000000000002.
    @inlinable
    public func engineeringValue(raw: Double) -> Double { rounding.apply(raw * scale + offset) }

    /// The rounding rule: a scaled or offset integer is exact to `max(decimals(scale),
    /// decimals(offset))` places, so more digits are only floating-point noise. A float register
    /// is rounded only when it has a scale (the scale states the precision asked for); an offset
    /// alone (°C to K) is a unit conversion, not a precision, and leaves the float as read.
    public static func rounding(type: ModbusDataType, scale: Double, offset: Double) -> DecimalRounding {
        switch type {
        case .string:
            return .none
        case .float32, .float64:
            return scale == 1 ? .none : DecimalRounding(scale: scale, offset: offset)
        default:
            return scale == 1 && offset == 0 ? .none : DecimalRounding(scale: scale, offset: offset)
        }
    }

    /// The raw value that scales to `value`, for writes.
    @inlinable
    public func rawValue(engineering value: Double) -> Double { (value - offset) / scale }

    /// Every problem with this point, as diagnostics without a location whose `path` names the
    /// offending field (`type`, `order`, `address`, ...), so the config compiler can prefix its own
    /// path and attach the file position of that field.
    public func validate() -> [Diagnostic] {
        var out: [Diagnostic] = []
        func error(_ field: String, _ message: String, hint: String? = nil) {
            out.append(Diagnostic(.error, at: nil, path: field, message, hint: hint))
        }
        if name.trimmingSpaces.isEmpty { error("name", "point name is empty") }
        validateType(error)
        validateOrder(error)
        let end = Int(address.rawValue) + width - 1
        if end > Int(UInt16.max) {
            error(
                "address",
                "\(type) at address \(address) needs \(width) \(space.itemName)s and runs past the last "
                    + "address 65535")
        }
        if !scale.isFinite || scale == 0 { error("scale", "scale must be a finite, non-zero number (got \(scale))") }
        if !offset.isFinite { error("offset", "offset must be a finite number (got \(offset))") }
        if case .string = type, scale != 1 || offset != 0 {
            error("scale", "scale and offset do not apply to a string point")
        }
        if let deadband, !(deadband.isFinite && deadband >= 0) {
            error("deadband", "deadband must be a finite number >= 0 (got \(deadband))")
        }
        if let warning = oneBasedWarning() { out.append(warning) }
        return out
    }

    private func validateType(_ error: (String, String, String?) -> Void) {
        if space.isBits {
            if type != .bool {
                error(
                    "type", "\(space) points hold single bits, so their type is bool (got \(type))",
                    "read \(type) from a holding or input register")
            }
            return
        }
        switch type {
        case .string(let length) where !(1...ModbusDataType.maxStringLength).contains(length):
            error(
                "type",
                "string length \(length) must be 1...\(ModbusDataType.maxStringLength) characters "
                    + "(at most 125 registers)", nil)
        case .bit(let index) where !(0...15).contains(index):
            error("type", "bit index \(index) must be 0...15 (a register has 16 bits)", nil)
        default:
            break
        }
    }

    private func validateOrder(_ error: (String, String, String?) -> Void) {
        guard let order else { return }
        let allowed = space.isBits ? [] : type.validOrders
        if allowed.isEmpty {
            error("order", "order \(order) does not apply to \(space.isBits ? "a \(space) bit" : "\(type)")", nil)
        } else if !allowed.contains(order) {
            let names = allowed.map(\.rawValue)
            let list = names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
            let kind = order.rawValue.count == 2 ? "16-bit values and strings" : "32- and 64-bit types"
            error("order", "order \(order) is for \(kind); \(type) takes \(list)", nil)
        }
    }

    /// Warns when an address looks like a 1-based reference (`40001` for holding 0), a classic
    /// source of off-by-one readings.
    private func oneBasedWarning() -> Diagnostic? {
        let a = Int(address.rawValue)
        let prefix: Int
        switch space {
        case .coil: return nil
        case .discrete: prefix = 10_000
        case .input: prefix = 30_000
        case .holding: prefix = 40_000
        }
        guard a > prefix, a <= prefix + 9_999 else { return nil }
        return Diagnostic(
            .warning, at: nil, path: "address",
            "address \(a) looks like a 1-based reference (\(prefix + 1) = \(space) 0); "
                + "addresses here are 0-based protocol addresses",
            hint: "if \(a) is a reference number, the address is \(a - prefix - 1)")
    }
}
