import Testing

@Test func placeholderEdgeConfigTests() {}
