import Testing

@Test func placeholderEdgeIntegrationTests() {}
