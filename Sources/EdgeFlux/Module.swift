/// Placeholder until this module lands.
enum EdgeFluxModule {}
