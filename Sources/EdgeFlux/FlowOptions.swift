/// Limits of the flow runtime, fixed when apps are compiled.
public struct FlowOptions: Sendable, Equatable {
    /// How many times one run may republish before it is stopped (docs/flow-language.md §3; 10).
    public var maxHops: Int
    /// Largest republished message in bytes of compact JSON (the cloud limit, 32,768).
    public var maxMessageBytes: Int
    /// Invocations an action may have waiting behind its running one before new ones are
    /// dropped and counted (64).
    public var actionQueueCapacity: Int

    /// Creates options; the defaults are the contract's.
    public init(maxHops: Int = 10, maxMessageBytes: Int = 32_768, actionQueueCapacity: Int = 64) {
        self.maxHops = maxHops
        self.maxMessageBytes = maxMessageBytes
        self.actionQueueCapacity = actionQueueCapacity
    }
}

/// A configured reading source (a Modbus device, a GPIO line group) as the flow compiler sees
/// it. Its position in the array given to `FlowCompiler.compile` is its sample source index.
public struct FlowSourceInfo: Sendable, Equatable {
    /// The source id `device` event sources name.
    public var id: String
    /// `modbus` or `gpio`, for `context.resource.resourceType`.
    public var resourceType: String
    /// The point names in point-index order; `payload.<name>` reads that slot. For a GPIO
    /// source, the members its JSON events carry (`line`, `value`, `edge`), used for the
    /// misspelt-name check only.
    public var pointNames: [String]

    /// Creates a source description.
    public init(id: String, resourceType: String, pointNames: [String]) {
        self.id = id
        self.resourceType = resourceType
        self.pointNames = pointNames
    }
}
