import Testing

@Test func placeholderEdgeModbusTests() {}
