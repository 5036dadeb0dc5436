import Testing

@Test func placeholderEdgeCoreTests() {}
