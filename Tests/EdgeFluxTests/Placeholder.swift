import Testing

@Test func placeholderEdgeFluxTests() {}
